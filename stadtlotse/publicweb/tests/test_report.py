from django.conf import settings
from django.urls import reverse

from stadtlotse.catalog.models import Category
from stadtlotse.testing.cases import HAMBURG, HERMANNPLATZ
from stadtlotse.tickets.models import Ticket

from .base import GermanClient, PublicWebTestCase

DESCRIPTION = "Ein altes Sofa und zwei Matratzen stehen seit Tagen am Gehweg."


def form_data(**overrides):
    """A complete report of bulky waste at Hermannplatz, as the browser sends it after the questions step."""
    data = {
        "category": "abfall-sperrmuell",
        "shown_questions": "abfall-sperrmuell",
        "attribute[menge]": "klein",
        "description": DESCRIPTION,
        "lat": str(HERMANNPLATZ[0]),
        "lon": str(HERMANNPLATZ[1]),
        "address": "",
        "name": "Rita Anwohnerin",
        "email": "rita@example.org",
        "phone": "",
        "wants_feedback": "on",
        "preferred": "email",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class ReportFormPageTests(PublicWebTestCase):
    client_class = GermanClient
    url = reverse("publicweb:report")

    def test_form_lists_reportable_categories_grouped(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="de">')
        self.assertContains(response, '<optgroup label="Abfall und Sauberkeit">')
        self.assertContains(response, '<option value="abfall-sperrmuell">Sperrmüll</option>', html=True)
        # Groups without subcategories are options of their own; groups with subcategories are not.
        self.assertContains(response, '<option value="graffiti">Graffiti und Vandalismus</option>', html=True)
        self.assertContains(response, '<option value="sonstiges">Sonstiges Anliegen</option>', html=True)
        self.assertNotContains(response, 'value="abfall"')
        # Questions appear only after a category is chosen.
        self.assertNotContains(response, "attribute[")

    def test_form_is_accessible(self):
        response = self.client.get(self.url)
        self.assertContains(response, 'autocomplete="name"')
        self.assertContains(response, 'autocomplete="email"')
        self.assertContains(response, 'autocomplete="tel"')
        self.assertContains(response, 'aria-describedby="id_description_helptext"')
        self.assertContains(response, 'id="id_description_helptext"')
        self.assertContains(response, '<label for="id_description">')
        self.assertContains(response, 'aria-required="true"')
        self.assertContains(response, "nie veröffentlicht")

    def test_inactive_category_is_not_listed(self):
        Category.objects.filter(service_code="abfall-autowrack").update(is_active=False)
        response = self.client.get(self.url)
        self.assertNotContains(response, 'value="abfall-autowrack"')

    def test_english(self):
        response = self.client.get(self.url, headers={"accept-language": "en"})
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, '<optgroup label="Waste and cleanliness">')


class ReportSubmissionTests(PublicWebTestCase):
    url = reverse("publicweb:report")

    def post(self, client=None, **overrides):
        return (client or self.client).post(self.url, form_data(**overrides))

    def assertRefused(self, response, message, *, description=DESCRIPTION):
        """The form comes back with the message, everything typed, and nothing stored."""
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "There is a problem")
        self.assertContains(response, message)
        if description:
            self.assertContains(response, description)
        self.assertFalse(Ticket.objects.exists())

    def test_successful_report(self):
        response = self.post()
        ticket = Ticket.objects.get()
        self.assertRedirects(response, reverse("publicweb:confirmation", args=[ticket.public_id, ticket.access_token]))
        self.assertEqual(ticket.channel, Ticket.Channel.WEB)
        self.assertEqual(ticket.status, Ticket.Status.FORWARDED)
        self.assertEqual(ticket.department, self.waste)
        self.assertEqual(ticket.area.name, "Neukölln")
        self.assertEqual(ticket.attributes, {"menge": "klein"})
        self.assertEqual((ticket.lat, ticket.lon), HERMANNPLATZ)
        self.assertEqual(ticket.language, "en")
        self.assertEqual(ticket.contact.email, "rita@example.org")
        self.assertIs(ticket.contact.wants_feedback, True)

    def test_comma_decimals(self):
        self.post(lat="52,4869", lon=" 13,4247 ")
        self.assertEqual((Ticket.objects.get().lat, Ticket.objects.get().lon), HERMANNPLATZ)

    def test_address_only(self):
        response = self.post(lat="", lon="", address="Hermannplatz 1, vor dem Eingang zur U-Bahn")
        ticket = Ticket.objects.get()
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(ticket.lat)
        self.assertEqual(ticket.address, "Hermannplatz 1, vor dem Eingang zur U-Bahn")

    def test_without_contact(self):
        self.post(name="", email="", wants_feedback=None)
        self.assertFalse(hasattr(Ticket.objects.get(), "contact"))

    def test_questions_are_asked_first(self):
        # Step 1: the resident has not seen the category's questions yet.
        response = self.post(**{"shown_questions": None, "attribute[menge]": None, "phone": "030 1234567"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Ticket.objects.exists())
        self.assertContains(response, "Please answer the additional questions.")
        self.assertNotContains(response, "There is a problem")
        self.assertContains(response, 'name="attribute[menge]"')
        self.assertContains(response, "How much is there?")
        self.assertContains(response, '<input type="hidden" name="shown_questions" value="abfall-sperrmuell">')
        # Everything typed is still there.
        self.assertContains(response, DESCRIPTION)
        self.assertContains(response, 'value="52.4869"')
        self.assertContains(response, 'value="rita@example.org"')
        self.assertContains(response, 'value="030 1234567"')
        self.assertContains(response, '<input type="checkbox" name="wants_feedback" id="id_wants_feedback" '
                                      'aria-describedby="id_wants_feedback_helptext" checked>', html=True)
        # Step 2: answered.
        response = self.post()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attributes, {"menge": "klein"})

    def test_required_question_unanswered(self):
        response = self.post(**{"attribute[menge]": None})
        self.assertRefused(response, "Please answer: ")
        self.assertContains(response, 'href="#id_attribute-menge-_0"')
        self.assertContains(response, 'id="id_attribute-menge-_0"')

    def test_optional_questions_are_shown_once(self):
        response = self.post(category="strasse-schlagloch", shown_questions=None, **{"attribute[menge]": None})
        self.assertContains(response, "Is there an immediate risk of accidents?")
        self.assertFalse(Ticket.objects.exists())
        response = self.post(category="strasse-schlagloch", shown_questions="strasse-schlagloch",
                             **{"attribute[menge]": None})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attributes, {})

    def test_changed_category_asks_its_questions(self):
        response = self.post(category="licht-laterne")
        self.assertContains(response, "Please answer the additional questions.")
        self.assertContains(response, "What is wrong with the light?")
        self.assertNotContains(response, "How much is there?")
        self.assertFalse(Ticket.objects.exists())

    def test_category_without_questions_is_sent_at_once(self):
        response = self.post(category="abfall-papierkorb", shown_questions=None, **{"attribute[menge]": None})
        self.assertEqual(response.status_code, 302)

    def test_missing_category(self):
        self.assertRefused(self.post(category="", shown_questions=None), "Please choose a category.")

    def test_unknown_category(self):
        self.assertRefused(self.post(category="gibt-es-nicht"), "Please choose one of the listed categories.")
        self.assertRefused(self.post(category="999999"), "Please choose one of the listed categories.")

    def test_group_with_subcategories_is_refused(self):
        self.assertRefused(self.post(category="abfall"), "Please choose one of the listed categories.")

    def test_stopper_category(self):
        response = self.post(category="notfall", shown_questions=None)
        self.assertRefused(response, "In an emergency, please call the police (110)")

    def test_empty_description(self):
        self.assertRefused(self.post(description=""), "Please describe the problem in at least 10 characters.",
                           description=None)
        response = self.post(description="   ")
        self.assertContains(response, 'id="id_description_error"')
        self.assertContains(response, 'aria-describedby="id_description_helptext id_description_error"')
        self.assertContains(response, 'href="#id_description"')

    def test_too_long_description(self):
        text = "Sperrmüll " * 600
        response = self.post(description=text)
        self.assertRefused(response, "The description is too long: at most 5000 characters, this one has 5999.",
                           description=text.strip())

    def test_ten_megabyte_description(self):
        before = Ticket.objects.count()
        response = self.post(description="x" * 10 * 1024 * 1024)
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "Your report is too large to be received.", status_code=413)
        self.assertContains(response, "at most 5000 characters", status_code=413)
        self.assertEqual(Ticket.objects.count(), before)

    def test_outside_the_city(self):
        response = self.post(lat=str(HAMBURG[0]), lon=str(HAMBURG[1]))
        self.assertRefused(response, "This place lies outside Berlin.")
        # Shown above the form, linked to the place's fieldset, and in that fieldset.
        self.assertContains(response, 'href="#location"')
        self.assertContains(response, 'id="location-errors"')
        self.assertContains(response, "This place lies outside Berlin.", count=2)
        self.assertContains(response, 'value="53.5511"')

    def test_no_place(self):
        self.assertRefused(self.post(lat="", lon="", address=""), "enter an address")

    def test_only_latitude(self):
        self.assertRefused(self.post(lon=""), "Please give both latitude and longitude.")

    def test_latitude_not_a_number(self):
        response = self.post(lat="abc")
        self.assertRefused(response, "The latitude must be a number")
        self.assertContains(response, 'value="abc"')
        self.assertContains(response, 'href="#id_lat"')

    def test_coordinates_not_on_earth(self):
        self.assertRefused(self.post(lat="152.1"), "The coordinates are not a place on Earth.")

    def test_malformed_email(self):
        response = self.post(email="rita(at)example")
        self.assertRefused(response, "This e-mail address is not valid.")
        self.assertContains(response, 'value="rita(at)example"')

    def test_malformed_phone(self):
        self.assertRefused(self.post(phone="ruf mich an"), "This phone number is not valid.")

    def test_keep_me_informed_needs_a_way_to_do_so(self):
        response = self.post(email="", phone="", wants_feedback="on")
        self.assertRefused(response, "To keep you informed, please give an e-mail address or a phone number.")

    def test_several_errors_at_once(self):
        response = self.post(category="", description="kurz", email="x")
        self.assertContains(response, "Please choose a category.")
        self.assertContains(response, "at least 10 characters")
        self.assertContains(response, "This e-mail address is not valid.")

    def test_german_by_default_english_on_request(self):
        german = GermanClient()
        response = self.post(german, email="rita(at)example", category="notfall")
        self.assertContains(response, '<html lang="de">')
        self.assertContains(response, "Bei einem Notfall rufen Sie bitte sofort die Polizei")
        self.assertContains(response, "Diese E-Mail-Adresse ist ungültig.")
        self.assertNotContains(response, "In an emergency")

        response = self.post(email="rita(at)example", category="notfall")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "In an emergency, please call the police (110)")
        self.assertContains(response, "This e-mail address is not valid.")

        by_cookie = GermanClient()
        by_cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.post(by_cookie, email="rita(at)example", category="notfall")
        self.assertContains(response, "In an emergency, please call the police (110)")
        self.assertContains(response, "This e-mail address is not valid.")
        self.assertFalse(Ticket.objects.exists())

    def test_language_is_stored(self):
        self.post(GermanClient())
        self.assertEqual(Ticket.objects.get().language, "de")

    def test_csrf_is_checked(self):
        client = GermanClient(enforce_csrf_checks=True)
        response = self.post(client)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Ticket.objects.exists())
        client.get(self.url)
        response = client.post(self.url, form_data(csrfmiddlewaretoken=client.cookies[settings.CSRF_COOKIE_NAME].value))
        self.assertEqual(response.status_code, 302)


class QuestionTypeTests(PublicWebTestCase):
    """Every Open311 datatype as a form field, on a category made for the test."""

    url = reverse("publicweb:report")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        values = [{"key": str(n), "name": f"Wert {n}", "name_en": f"value {n}"} for n in range(1, 8)]
        Category.objects.create(
            service_code="test-fragen", name="Testfragen", name_en="Test questions", routing_mode="desk", order=99,
            questions=[
                {"code": "kurz", "datatype": "string", "description": "Kurze Antwort", "required": True, "order": 1},
                {"code": "lang", "datatype": "text", "description": "Lange Antwort", "order": 2},
                {"code": "anzahl", "datatype": "number", "description": "Anzahl", "order": 3},
                {"code": "seit", "datatype": "datetime", "description": "Seit wann", "order": 4},
                {"code": "ja", "datatype": "singlevaluelist", "description": "Ja oder nein", "order": 5,
                 "values": [{"key": "ja", "name": "ja"}, {"key": "nein", "name": "nein"}]},
                {"code": "viele", "datatype": "singlevaluelist", "description": "Einer von vielen", "order": 6,
                 "values": values},
                {"code": "mehrere", "datatype": "multivaluelist", "description": "Mehrere", "order": 7,
                 "values": values[:3]},
            ],
        )

    def data(self, **answers):
        data = form_data(category="test-fragen", shown_questions="test-fragen", **{"attribute[menge]": None})
        data.update({f"attribute[{code}]": value for code, value in answers.items()})
        return data

    def test_fields_per_datatype(self):
        response = self.client.post(self.url, {**self.data(), "shown_questions": ""})
        self.assertContains(response, '<input type="text" name="attribute[kurz]"')
        self.assertContains(response, '<textarea name="attribute[lang]"')
        self.assertContains(response, '<input type="text" name="attribute[anzahl]" inputmode="decimal"')
        self.assertContains(response, '<input type="datetime-local" name="attribute[seit]"')
        self.assertContains(response, '<input type="radio" name="attribute[ja]" value="nein"')
        self.assertContains(response, '<select name="attribute[viele]"')
        self.assertContains(response, '<input type="checkbox" name="attribute[mehrere]" value="1"')
        # Required ones are marked.
        self.assertContains(response, 'Kurze Antwort <span class="required">(required)</span>')
        self.assertNotContains(response, 'Lange Antwort <span class="required">')

    def test_answers_of_every_datatype_are_stored(self):
        response = self.client.post(self.url, self.data(
            kurz="rot", lang="Zeile 1\nZeile 2", anzahl="2,5", seit="2026-03-01T14:30", ja="nein", viele="7",
            mehrere=["1", "3"],
        ))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ticket.objects.get().attributes, {
            "kurz": "rot", "lang": "Zeile 1\nZeile 2", "anzahl": 2.5, "seit": "2026-03-01T14:30:00",
            "ja": "nein", "viele": "7", "mehrere": ["1", "3"],
        })

    def test_wrong_answers(self):
        response = self.client.post(self.url, self.data(kurz="", anzahl="viele", seit="gestern"))
        self.assertContains(response, "Please answer: Kurze Antwort")
        self.assertContains(response, "Please enter a number.")
        self.assertContains(response, "Please enter a date and time like 2026-03-01T14:30.")
        self.assertContains(response, 'value="viele"')
        self.assertFalse(Ticket.objects.exists())

    def test_unknown_choice(self):
        response = self.client.post(self.url, self.data(kurz="rot", viele="99"))
        self.assertContains(response, "Please choose from the listed answers.")
        self.assertFalse(Ticket.objects.exists())
