"""mySociety's servicerequestupdates: the public changes going out, a city system's updates coming in."""

import json
from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stadtlotse.accounts.models import ApiKey
from stadtlotse.connectors.models import InboundUpdate
from stadtlotse.testing.cases import ALEXANDERPLATZ, report
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets import moderation, workflow
from stadtlotse.tickets.models import Event, Ticket

from .base import FORMATS, SHARED, Open311TestCase, needs_shared

SECRET = "Intern: Halter ist polizeibekannt"


class UpdatesOutTests(Open311TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report("abfall-sperrmuell")  # direct: forwarded to the waste department on receipt
        moderation.moderate(cls.ticket, Ticket.Publication.PUBLISHED, by=cls.alice)
        workflow.accept(cls.ticket, by=cls.bob)
        workflow.add_note(cls.ticket, SECRET, by=cls.bob)
        workflow.add_note(cls.ticket, "Abholung ist für Donnerstag geplant.", by=cls.bob, public=True)
        workflow.resolve(cls.ticket, by=cls.bob, note="Sperrmüll abgeholt.")
        cls.hidden = report("abfall-sperrmuell", place=ALEXANDERPLATZ)
        moderation.moderate(cls.hidden, Ticket.Publication.HIDDEN, by=cls.alice, reason="Beleidigung")
        workflow.accept(cls.hidden, by=cls.bob)

    def updates(self, fmt="json", **params):
        response = self.get("v2/servicerequestupdates", fmt, data=params)
        self.assertEqual(response.status_code, 200, response.content)
        return response

    def test_public_changes_in_order_with_mysociety_statuses(self):
        data = json.loads(self.updates().content)
        self.assertEqual([u["service_request_id"] for u in data], [self.ticket.public_id] * 4)
        self.assertEqual([u["status"] for u in data], ["open", "investigating", "unchanged", "fixed"])
        self.assertEqual([u["external_status_code"] for u in data], ["forwarded", "accepted", None, "done"])
        self.assertEqual(data[0]["description"], "Weitergeleitet an Abfallwirtschaft.")
        self.assertEqual(data[2]["description"], "Abholung ist für Donnerstag geplant.")
        self.assertEqual(data[3]["description"], "Sperrmüll abgeholt.")
        self.assertEqual(len({u["update_id"] for u in data}), 4)
        for update in data:
            self.assertIsInstance(update["update_id"], str)
            self.assertRegex(update["updated_datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")
        text = json.dumps(data, ensure_ascii=False)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(self.hidden.public_id, text)
        self.assertNotIn("rita", text.lower())

    @needs_shared
    def test_xml_shape_matches_the_adapter(self):
        import xml.etree.ElementTree as ET

        tree = self.body(self.updates("xml"), "xml", root="service_request_updates", item="request_update")
        golden = ET.parse(SHARED / "adapter" / "servicerequestupdates.xml").getroot()
        self.assertLessEqual({child.tag for child in golden[0]}, {child.tag for child in tree[0]})
        self.assertEqual(tree[-1].findtext("status"), "fixed")

    def test_window_filters_on_the_update_time(self):
        now = timezone.now()
        later = self.updates(start_date=(now + timedelta(minutes=5)).isoformat())
        self.assertEqual(json.loads(later.content), [])
        earlier = self.updates(start_date=(now - timedelta(days=3)).isoformat(),
                               end_date=(now - timedelta(days=2)).isoformat())
        self.assertEqual(json.loads(earlier.content), [])

    def test_paging_and_id_filter(self):
        first = json.loads(self.updates(page_size=3).content)
        second = json.loads(self.updates(page_size=3, page=2).content)
        self.assertEqual(len(first), 3)
        self.assertEqual(len(second), 1)
        other = report("abfall-sperrmuell", place=ALEXANDERPLATZ)
        moderation.moderate(other, Ticket.Publication.PUBLISHED, by=self.alice)
        only = json.loads(self.updates(service_request_id=other.public_id).content)
        self.assertEqual({u["service_request_id"] for u in only}, {other.public_id})

    def test_api_key_is_optional_but_checked(self):
        self.updates(api_key="")
        self.updates(api_key=self.plain_key)
        for fmt in FORMATS:
            self.assert_error(self.get("v2/servicerequestupdates", fmt, data={"api_key": "falsch"}), fmt, 403, "api_key")

    def test_bad_dates_are_named(self):
        for fmt in FORMATS:
            response = self.get("v2/servicerequestupdates", fmt, data={"start_date": "gestern"})
            self.assert_error(response, fmt, 400, "start_date")

    @override_settings(RATELIMIT_ENABLE=False)
    def test_query_count_does_not_grow_with_updates(self):
        for _ in range(5):
            workflow.add_note(self.ticket, "Noch ein Hinweis.", by=self.bob, public=True)
        with CaptureQueriesContext(connection) as queries:
            data = json.loads(self.updates().content)
        self.assertEqual(len(data), 9)
        self.assertLessEqual(len(queries), 3, [q["sql"] for q in queries])


class UpdatesInTests(Open311TestCase):
    """A department's Open311 back end reports progress; apps may only comment."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city_key, cls.city_plain = ApiKey.issue("SAP der BSR", "Abfallwirtschaft")
        cls.city_key.department = cls.waste
        cls.city_key.save()

    def setUp(self):
        super().setUp()
        self.ticket = report("abfall-sperrmuell")
        Notification.objects.all().delete()

    def post(self, fmt="json", key=None, **params):
        values = {"api_key": key or self.city_plain, "service_request_id": self.ticket.public_id,
                  "update_id": "u-1", "status": "FIXED", "updated_datetime": timezone.now().isoformat(),
                  "description": "Sperrmüll wurde abgeholt."}
        values.update(params)
        values = {k: v for k, v in values.items() if v is not None}
        return self.client.post(f"/open311/v2/servicerequestupdates.{fmt}", values)

    def refresh(self):
        self.ticket.refresh_from_db()
        return self.ticket

    def test_fixed_resolves_the_ticket_and_tells_the_reporter(self):
        for fmt in FORMATS:
            with self.subTest(fmt=fmt):
                self.ticket = report("abfall-sperrmuell")
                response = self.post(fmt, update_id=f"fix-{fmt}")
                self.assertEqual(response.status_code, 201, response.content)
                if fmt == "json":
                    [result] = json.loads(response.content)
                    update_id = result["update_id"]
                else:
                    tree = self.body(response, fmt, root="service_request_updates", item="request_update")
                    update_id = tree[0].findtext("update_id")
                self.assertEqual(self.refresh().status, Ticket.Status.DONE)
                event = Event.objects.get(pk=int(update_id))
                self.assertEqual(event.actor_kind, Event.ActorKind.EXTERNAL)
                self.assertEqual(event.actor_name, "SAP der BSR")
                self.assertEqual(event.department, self.waste)
                self.assertEqual(event.note, "Sperrmüll wurde abgeholt.")
                self.assertTrue(Notification.objects.filter(ticket=self.ticket, recipient="rita@example.org").exists())

    def test_the_same_update_twice_changes_nothing(self):
        first = self.post(status="IN_PROGRESS", description="Team ist unterwegs.")
        self.assertEqual(first.status_code, 201)
        events = Event.objects.count()
        notifications = Notification.objects.count()
        again = self.post(status="IN_PROGRESS", description="Team ist unterwegs.")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(json.loads(again.content), json.loads(first.content))
        self.assertEqual(Event.objects.count(), events)
        self.assertEqual(Notification.objects.count(), notifications)

    def test_statuses_map_onto_the_workflow(self):
        steps = [("INVESTIGATING", "Wir sehen uns das an.", "accepted"),
                 ("ACTION_SCHEDULED", "Termin steht.", "accepted"),  # already accepted: a note, no step back
                 ("IN_PROGRESS", "Läuft.", "in_progress"),
                 ("INVESTIGATING", "Noch mal geprüft.", "in_progress"),  # never backwards
                 ("CLOSED", "Fertig.", "done"),
                 ("REOPEN", "Doch noch Reste da.", "forwarded"),
                 ("NOT_COUNCILS_RESPONSIBILITY", "Privatgrund.", "rejected")]
        base = timezone.now()
        for i, (status, text, expected) in enumerate(steps):
            response = self.post(update_id=f"s{i}", status=status, description=text,
                                 updated_datetime=(base + timedelta(minutes=i)).isoformat())
            self.assertEqual(response.status_code, 201, (status, response.content))
            self.assertEqual(self.refresh().status, expected, status)

    def test_duplicate_goes_back_to_the_desk(self):
        response = self.post(status="DUPLICATE", description="Schon als Auftrag 4711 erfasst.")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(self.refresh().status, Ticket.Status.NEW)
        self.assertIsNone(self.ticket.department)

    def test_an_older_update_does_not_turn_the_state_back(self):
        now = timezone.now()
        self.post(update_id="new", status="FIXED", updated_datetime=now.isoformat())
        response = self.post(update_id="old", status="REOPEN", description="Noch offen.",
                             updated_datetime=(now - timedelta(hours=2)).isoformat())
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(self.refresh().status, Ticket.Status.DONE)

    def test_another_departments_ticket_is_refused(self):
        self.ticket = report("strasse-schlagloch")
        response = self.post(status="FIXED")
        self.assert_error(response, "json", 403, self.ticket.public_id)
        self.assertEqual(self.refresh().status, Ticket.Status.FORWARDED)

    def test_bad_input_is_named_and_changes_nothing(self):
        before = Event.objects.count()
        cases = [
            ({"api_key": "falsch"}, 403, "api_key"),
            ({"service_request_id": "SL-1999-0001"}, 404, "SL-1999-0001"),
            ({"status": "GEKLAUT"}, 400, "status"),
            ({"status": None}, 400, "status"),
            ({"update_id": None}, 400, "update_id"),
            ({"updated_datetime": "2026-01-01 12:00"}, 400, "updated_datetime"),
            ({"description": ""}, 400, "description"),
            ({"description": "x" * 6000}, 400, "description"),
        ]
        for params, status, fragment in cases:
            for fmt in FORMATS:
                with self.subTest(params=params, fmt=fmt):
                    self.assert_error(self.post(fmt, **params), fmt, status, fragment)
        self.assertEqual(Event.objects.count(), before)
        self.assertEqual(self.refresh().status, Ticket.Status.FORWARDED)

    def test_illegal_transition_is_refused(self):
        self.post(update_id="a", status="FIXED")
        response = self.post(update_id="b", status="IN_PROGRESS", description="Doch nicht.",
                             updated_datetime=(timezone.now() + timedelta(minutes=1)).isoformat())
        self.assert_error(response, "json", 400, "status")
        self.assertEqual(self.refresh().status, Ticket.Status.DONE)

    def test_the_one_engine_remembers_the_update_per_key(self):
        response = self.post(update_id="u-77", status="IN_PROGRESS", description="Team ist unterwegs.")
        self.assertEqual(response.status_code, 201, response.content)
        [result] = json.loads(response.content)
        update = InboundUpdate.objects.get(source="open311-post", key="u-77")
        self.assertEqual((update.api_key, update.department, update.ticket), (self.city_key, self.waste, self.ticket))
        self.assertEqual(str(update.event_id), result["update_id"])
        # The same update_id from another key of the department is another update.
        other, other_plain = ApiKey.issue("Fahrzeugsystem der BSR", "Abfallwirtschaft")
        other.department = self.waste
        other.save()
        response = self.post(key=other_plain, update_id="u-77", status="IN_PROGRESS", description="Zweites System.")
        self.assertEqual(response.status_code, 201, response.content)

    def test_a_status_the_ticket_already_has_adds_its_text(self):
        self.post(update_id="a", status="FIXED")
        response = self.post(update_id="b", status="CLOSED", description="Auch die Reste sind weg.",
                             updated_datetime=(timezone.now() + timedelta(minutes=1)).isoformat())
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(self.refresh().status, Ticket.Status.DONE)
        self.assertTrue(self.ticket.events.filter(kind=Event.Kind.PUBLIC_NOTE, note="Auch die Reste sind weg.").exists())

    def test_english_errors_on_request(self):
        response = self.post(status="GEKLAUT", locale="en")
        self.assert_error(response, "json", 400, "unknown value")


class AppUpdatesTests(Open311TestCase):
    """An app's key (no department): comments of its own kind, claims for the desk, only on tickets it may see."""

    def setUp(self):
        super().setUp()
        self.ticket = report("abfall-sperrmuell")
        moderation.moderate(self.ticket, Ticket.Publication.PUBLISHED, by=self.alice)
        Notification.objects.all().delete()

    def post(self, fmt="json", **params):
        values = {"api_key": self.plain_key, "service_request_id": self.ticket.public_id, "update_id": "app-1",
                  "status": "OPEN", "updated_datetime": timezone.now().isoformat(),
                  "description": "Liegt immer noch da!", **params}
        return self.client.post(f"/open311/v2/servicerequestupdates.{fmt}", values)

    def test_an_apps_comment_is_its_own_internal_kind_not_the_reporters_answer(self):
        response = self.post()
        self.assertEqual(response.status_code, 201, response.content)
        event = self.ticket.events.get(note="Liegt immer noch da!")
        self.assertEqual(event.kind, Event.Kind.APP_COMMENT)
        self.assertEqual(event.visibility, Event.Visibility.INTERNAL)
        self.assertEqual(event.actor_name, "Meldeapp")
        self.assertFalse(self.ticket.events.filter(kind=Event.Kind.MESSAGE_FROM_REPORTER).exists())
        private = self.client.get(self.ticket.get_private_url())
        self.assertNotContains(private, "Liegt immer noch da!")
        self.assertNotContains(private, "Ihre Antwort")
        self.assertNotContains(self.client.get(self.ticket.get_absolute_url()), "Liegt immer noch da!")
        public = json.loads(self.client.get("/open311/v2/servicerequestupdates.json").content)
        self.assertNotIn("Liegt immer noch da!", json.dumps(public, ensure_ascii=False))
        self.client.force_login(self.alice)
        backoffice = self.client.get(self.ticket.get_backoffice_url())
        self.assertContains(backoffice, "Liegt immer noch da!")
        self.assertContains(backoffice, "Kommentar aus einer App")
        self.assertFalse(Notification.objects.filter(recipient="rita@example.org").exists())

    def test_a_residents_fixed_is_a_claim_for_the_desk_not_a_status_change(self):
        for fmt, status in (("json", "FIXED"), ("xml", "CLOSED")):
            with self.subTest(status=status):
                # The app asks for English answers; the desk still reads German.
                response = self.post(fmt, status=status, update_id=f"fms-{status}", description="Ist weg, danke!",
                                     locale="en")
                self.assertEqual(response.status_code, 201, response.content)
                self.ticket.refresh_from_db()
                self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
                event = self.ticket.events.get(data__open311_update_id=f"fms-{status}")
                self.assertEqual(event.kind, Event.Kind.APP_COMMENT)
                self.assertEqual(event.data["open311_status"], status)
                self.assertFalse(event.is_public)
        # On the desk's follow-up list, due now, saying who claims what.
        self.assertLessEqual(self.ticket.follow_up_at, timezone.now())
        self.assertIn("Meldeapp", self.ticket.follow_up_reason)
        self.assertEqual(self.ticket.follow_up_reason, "Meldeapp meldet den Status FIXED; bitte prüfen und bestätigen.")
        self.assertFalse(Notification.objects.filter(recipient="rita@example.org").exists())
        # A claim without words is still a claim; a comment without words is refused.
        self.assertEqual(self.post(status="FIXED", update_id="fms-bare", description="").status_code, 201)
        self.assert_error(self.post(update_id="empty", description=""), "json", 400, "description")
        # Sent twice, recorded once.
        again = self.post(status="FIXED", update_id="fms-bare", description="")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(self.ticket.events.filter(data__open311_update_id="fms-bare").count(), 1)

    def test_an_app_sees_only_published_tickets_and_its_own(self):
        pending = report("licht-laterne", answers={"art": "flackert"})
        pending.refresh_from_db()
        moderation.moderate(pending, Ticket.Publication.PENDING, by=self.alice)
        hidden = report("abfall-sperrmuell", place=ALEXANDERPLATZ)
        moderation.moderate(hidden, Ticket.Publication.HIDDEN, by=self.alice, reason="Beleidigung")
        unknown = self.post(service_request_id="SL-1999-0001")
        for ticket in (pending, hidden):
            for fmt in FORMATS:
                with self.subTest(ticket=ticket.publication, fmt=fmt):
                    response = self.post(fmt, service_request_id=ticket.public_id, status="FIXED")
                    self.assert_error(response, fmt, 404, ticket.public_id)
            self.assertFalse(ticket.events.filter(kind=Event.Kind.APP_COMMENT).exists())
            ticket.refresh_from_db()
            self.assertIsNone(ticket.follow_up_at)
        self.assertEqual(unknown.status_code, 404)
        # The app's own report, not yet published: it may add to it.
        created = self.client.post("/open311/v2/requests.json", {
            "api_key": self.plain_key, "service_code": "licht-laterne", "lat": "52.4869", "long": "13.4247",
            "description": "Laterne flackert seit Tagen.", "attribute[art]": "flackert"})
        self.assertEqual(created.status_code, 201, created.content)
        own = Ticket.objects.get(public_id=json.loads(created.content)[0]["service_request_id"])
        moderation.moderate(own, Ticket.Publication.PENDING, by=self.alice)
        response = self.post(service_request_id=own.public_id, description="Noch ein Foto folgt.")
        self.assertEqual(response.status_code, 201, response.content)
        other_app, other_plain = ApiKey.issue("Andere App", "Jemand")
        response = self.post(api_key=other_plain, service_request_id=own.public_id, update_id="x")
        self.assert_error(response, "json", 404, own.public_id)
