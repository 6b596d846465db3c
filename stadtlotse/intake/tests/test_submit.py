import datetime as dt

import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from stadtlotse.catalog.models import Category
from stadtlotse.testing.cases import (
    ALEXANDERPLATZ, HAMBURG, HERMANNPLATZ, StadtlotseTestCase, category, report, resident,
)
from stadtlotse.intake import intake
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets.models import Contact, Event, Ticket


class SubmitTests(StadtlotseTestCase):
    def assertRefused(self, field, message_part, **kwargs):
        before = (Ticket.objects.count(), Contact.objects.count(), Event.objects.count(), Notification.objects.count())
        with self.assertRaises(ValidationError) as caught:
            report(**kwargs)
        errors = caught.exception.message_dict
        self.assertIn(field, errors)
        self.assertIn(message_part, " ".join(errors[field]))
        after = (Ticket.objects.count(), Contact.objects.count(), Event.objects.count(), Notification.objects.count())
        self.assertEqual(before, after, "a refused report must store nothing")
        return errors

    def test_direct_category_in_neukoelln_goes_to_the_rule_s_department(self):
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        self.assertEqual(ticket.area.name, "Neukölln")
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(ticket.department, self.waste)
        self.assertIsNotNone(ticket.due_at)
        self.assertEqual(ticket.deliveries.get().department, self.waste)

    def test_district_rule_applies_when_no_category_rule_fits(self):
        ticket = report("abfall-ablagerung", HERMANNPLATZ)
        self.assertEqual(ticket.department.slug, "ordnungsamt-neukoelln")
        ticket = report("abfall-ablagerung", ALEXANDERPLATZ)
        self.assertEqual(ticket.department.slug, "ordnungsamt-mitte")

    def test_desk_category_waits_in_the_desk_inbox(self):
        ticket = report("soziales-hilflos", HERMANNPLATZ, description="Ein älterer Mann sitzt seit drei Tagen verwirrt im Hauseingang.")
        self.assertEqual(ticket.status, Ticket.Status.NEW)
        self.assertIsNone(ticket.department)
        self.assertIn(ticket, Ticket.objects.in_desk_inbox())
        self.assertEqual(ticket.priority, "high")
        self.assertEqual(ticket.topic, "social")
        self.assertEqual(ticket.publication, Ticket.Publication.PENDING)

    def test_one_transaction_writes_ticket_contact_event_and_jobs(self):
        from django_tasks_db.models import DBTaskResult

        jobs_before = DBTaskResult.objects.count()
        ticket = report("abfall-sperrmuell", HERMANNPLATZ)
        self.assertEqual(ticket.contact.email, "rita@example.org")
        self.assertIsNotNone(ticket.contact.consent_at)
        kinds = list(ticket.events.values_list("kind", flat=True))
        self.assertEqual(kinds, ["created", "forwarded"])
        self.assertEqual(ticket.notifications.get().template, "received")
        # One job delivers the forward, one sends the receipt.
        self.assertEqual(DBTaskResult.objects.count() - jobs_before, 2)

    def test_public_id_is_prefix_year_and_gap_free_sequence(self):
        with time_machine.travel(dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC)):
            first = report()
            second = report()
        self.assertEqual(first.public_id, "SL-2026-0001")
        self.assertEqual(second.public_id, "SL-2026-0002")
        # 23:30 UTC on New Year's Eve is already 00:30 in Berlin: a new year, a new sequence.
        with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)):
            self.assertEqual(report().public_id, "SL-2027-0001")

    def test_refused_report_gives_its_number_back(self):
        with time_machine.travel(dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)):
            report()
            with self.assertRaises(ValidationError):
                report(place=HAMBURG)
            self.assertEqual(report().public_id, "SL-2026-0002")

    @override_settings(STADTLOTSE={**__import__("django.conf").conf.settings.STADTLOTSE, "TICKET_PREFIX": "HAM"})
    def test_prefix_is_configurable(self):
        self.assertTrue(report().public_id.startswith("HAM-"))

    def test_missing_category(self):
        with self.assertRaises(ValidationError) as caught:
            intake.submit(category=None, description="Ein altes Sofa am Gehweg.", lat=52.48, lon=13.42)
        self.assertIn("Bitte wählen Sie eine Kategorie", caught.exception.message_dict["category"][0])

    def test_group_with_children_is_not_reportable(self):
        with self.assertRaises(ValidationError) as caught:
            intake.submit(category=category("abfall"), description="Ein altes Sofa am Gehweg.", lat=52.48, lon=13.42)
        self.assertIn("category", caught.exception.message_dict)

    def test_inactive_category(self):
        Category.objects.filter(service_code="gruen-pflege").update(is_active=False)
        self.assertRefused("category", "Kategorien", code="gruen-pflege")

    def test_stopper_category_gives_its_advice(self):
        self.assertRefused("category", "110", code="notfall")

    def test_empty_description(self):
        self.assertRefused("description", "mindestens", description="   ")

    def test_ten_megabyte_description(self):
        errors = self.assertRefused("description", "zu lang", description="x" * (10 * 1024 * 1024))
        self.assertIn("5000", errors["description"][0])

    def test_control_characters_are_removed(self):
        ticket = report(description="Sperrmüll\x00 vor dem Haus\x07, seit Montag.")
        self.assertEqual(ticket.description, "Sperrmüll vor dem Haus, seit Montag.")

    def test_outside_the_city(self):
        self.assertRefused("location", "außerhalb", place=HAMBURG)

    def test_coordinates_not_numbers(self):
        with self.assertRaises(ValidationError) as caught:
            intake.submit(category=category("graffiti"), description="Graffiti an der Brücke.", lat="abc", lon=13.4)
        self.assertIn("Zahlen", caught.exception.message_dict["lat"][0])
        with self.assertRaises(ValidationError) as caught:
            intake.submit(category=category("graffiti"), description="Graffiti an der Brücke.", lat=float("nan"), lon=13.4)
        self.assertIn("lat", caught.exception.message_dict)

    def test_coordinates_off_the_earth(self):
        self.assertRefused("lat", "Ort auf der Erde", place=(95.0, 13.4))

    def test_only_one_coordinate(self):
        self.assertRefused("location", "Breiten- und Längengrad", place=(52.5, None))

    def test_address_only_is_accepted_for_the_desk(self):
        ticket = report("abfall-sperrmuell", place=None, address="Hermannstraße 20, 12049 Berlin")
        self.assertIsNone(ticket.area)
        self.assertEqual(ticket.address, "Hermannstraße 20, 12049 Berlin")
        # Sperrmüll has a city-wide rule, so it still reaches the department.
        self.assertEqual(ticket.department, self.waste)

    def test_no_location_at_all(self):
        self.assertRefused("location", "Karte", place=None)

    def test_malformed_email(self):
        self.assertRefused("email", "E-Mail-Adresse", contact=resident(email="rita@@example"))

    def test_malformed_phone(self):
        self.assertRefused("phone", "Telefonnummer", contact=resident(email="", phone="call me maybe"))

    def test_feedback_needs_a_way_to_reach_the_reporter(self):
        self.assertRefused("email", "Telefonnummer", contact=resident(email="", phone=""))

    def test_anonymous_report_has_no_contact(self):
        ticket = report(contact=intake.ContactData())
        self.assertFalse(Contact.objects.filter(ticket=ticket).exists())
        self.assertFalse(ticket.notifications.exists())

    def test_required_extra_question(self):
        errors = self.assertRefused("attribute[art]", "Bitte beantworten", code="licht-laterne", answers={})
        self.assertIn("Was ist mit der Laterne?", errors["attribute[art]"][0])

    def test_answer_not_in_list(self):
        self.assertRefused("attribute[art]", "aufgeführten", code="licht-laterne", answers={"art": "explodiert"})

    def test_unknown_question(self):
        self.assertRefused("attribute[farbe]", "keine Frage", code="licht-laterne", answers={"art": "aus", "farbe": "rot"})

    def test_answers_are_stored(self):
        ticket = report("licht-laterne", answers={"art": "flackert", "mastnummer": "L-4711"})
        self.assertEqual(ticket.attributes, {"art": "flackert", "mastnummer": "L-4711"})
        ticket = report("sicherheit-angstraum", answers={"tageszeit": ["abends", "nachts"]},
                        description="Unterführung ohne Licht, abends sehr unangenehm.")
        self.assertEqual(ticket.attributes, {"tageszeit": ["abends", "nachts"]})

    def test_all_errors_at_once(self):
        with self.assertRaises(ValidationError) as caught:
            intake.submit(category=category("graffiti"), description="", lat=HAMBURG[0], lon=HAMBURG[1],
                          contact=resident(email="nope"))
        self.assertEqual(set(caught.exception.message_dict), {"description", "location", "email"})

    def test_errors_in_english_when_asked(self):
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            report(place=HAMBURG)
        self.assertIn("outside Berlin", caught.exception.message_dict["location"][0])

    def test_staff_entry_records_the_channel_and_the_member_of_staff(self):
        ticket = report(channel=Ticket.Channel.PHONE, by=self.alice)
        created = ticket.events.get(kind="created")
        self.assertEqual(created.actor_user, self.alice)
        self.assertEqual(ticket.channel, "phone")

    def test_language_of_the_report(self):
        self.assertEqual(report(language="en-GB").language, "en")
        self.assertEqual(report(language="fr").language, "de")
