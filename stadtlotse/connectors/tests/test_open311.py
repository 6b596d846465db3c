"""The Open311 connector against a second Stadtlotse running as the city's back end (a real gunicorn process)."""

import datetime as dt
import json

import time_machine
from django.utils import timezone

from stadtlotse.catalog.models import Department
from stadtlotse.connectors import open311_client
from stadtlotse.connectors.models import Delivery, InboundUpdate
from stadtlotse.testing.cases import report, run_jobs
from stadtlotse.tickets.models import Event, Ticket

from .backend import API_KEY, Backend
from .base import ConnectorTestCase
from .proxy import Proxy
from .test_mail import lamp


def in_backend(public_id, step):
    """Python for the back end: a member of its staff changes its copy of the ticket through its workflow."""
    return (
        "from stadtlotse.tickets import workflow\n"
        "from stadtlotse.tickets.models import Ticket\n"
        f"ticket = Ticket.objects.get(public_id={public_id!r})\n"
        "by = workflow.external('Fachverfahren Licht')\n"
        f"{step}\n"
    )


def backend_ticket(city, public_id):
    return json.loads(city.run(
        "import json\nfrom stadtlotse.tickets.models import Ticket\n"
        f"t = Ticket.objects.get(public_id={public_id!r})\n"
        "print(json.dumps({'description': t.description, 'attributes': t.attributes, 'status': t.status, "
        "'category': t.category.service_code, 'lat': t.lat}))"
    ).strip().splitlines()[-1])


class Open311ClientTests(ConnectorTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.city = Backend().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.city.__exit__(None, None, None)
        super().tearDownClass()

    def use_open311(self, endpoint=None, **extra):
        self.lighting.connector = Department.Connector.OPEN311
        self.lighting.connector_settings = {"endpoint": endpoint or self.city.endpoint, "api_key": API_KEY, **extra}
        self.lighting.save()

    def forward(self):
        ticket = lamp()
        run_jobs()
        ticket.refresh_from_db()
        return ticket

    def poll(self):
        self.lighting.refresh_from_db()
        return open311_client.poll(self.lighting)

    def check_round_trip(self):
        ticket = self.forward()
        delivery = ticket.deliveries.get()
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED, delivery.last_error)
        self.assertEqual(ticket.external_system, self.lighting.slug)
        remote = backend_ticket(self.city, ticket.external_id)
        self.assertTrue(remote["description"].startswith(f"[{ticket.public_id}] Die Laterne"))
        self.assertEqual(remote["attributes"], {"art": "flackert"})
        self.assertEqual(remote["category"], "licht-laterne")
        self.assertAlmostEqual(remote["lat"], ticket.lat)

        self.city.run(in_backend(ticket.external_id, "workflow.accept(ticket, by=by, note='Auftrag an Firma Lux.')"))
        counts = self.poll()
        self.assertEqual(counts["refused"], 0, counts)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.ACCEPTED)
        accepted = ticket.events.get(status_to=Ticket.Status.ACCEPTED)
        self.assertEqual(accepted.note, "Auftrag an Firma Lux.")
        self.assertEqual(accepted.actor_kind, Event.ActorKind.EXTERNAL)
        self.assertTrue(ticket.notifications.filter(event=accepted, template="status").exists())

        self.assertEqual(self.poll()["applied"], 0, "the overlapping window brings nothing new")
        self.city.run(in_backend(ticket.external_id, "workflow.resolve(ticket, by=by, note='Leuchtmittel getauscht.')"))
        self.poll()
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.DONE)
        self.assertEqual(ticket.events.get(status_to=Ticket.Status.DONE).note, "Leuchtmittel getauscht.")
        self.assertEqual(ticket.events.filter(status_to=Ticket.Status.ACCEPTED).count(), 1)
        return ticket

    def test_forward_as_xml_and_status_back_by_servicerequestupdates(self):
        self.use_open311()
        self.check_round_trip()

    def test_the_worker_polls_every_department_and_keeps_the_cycle_going(self):
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from stadtlotse.connectors.tasks import poll_department_systems, schedule_polling

        self.use_open311()
        ticket = self.forward()
        # A second department whose back end is down must not keep the first from being polled.
        self.waste.connector = Department.Connector.OPEN311
        self.waste.connector_settings = {"endpoint": "http://127.0.0.1:9/open311/v2/", "api_key": API_KEY}
        self.waste.save()
        self.city.run(in_backend(ticket.external_id, "workflow.accept(ticket, by=by, note='Ist beauftragt.')"))
        self.assertTrue(schedule_polling())
        self.assertFalse(schedule_polling(), "one cycle only")
        DBTaskResult.objects.filter(task_path=poll_department_systems.module_path).update(run_after=timezone.now())
        with self.assertLogs("stadtlotse.connectors.tasks", "WARNING") as logs:
            run_jobs()
        self.assertIn("abfallwirtschaft", "".join(logs.output))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.ACCEPTED)
        waiting = DBTaskResult.objects.filter(task_path=poll_department_systems.module_path,
                                              status=TaskResultStatus.READY)
        self.assertEqual(waiting.count(), 1, "the next round is queued")
        self.assertGreater(waiting.get().run_after, timezone.now())

    def test_forward_as_json(self):
        self.use_open311(format="json")
        self.check_round_trip()

    def backend_count(self):
        return int(self.city.run("from stadtlotse.tickets.models import Ticket\nprint(Ticket.objects.count())")
                   .strip().splitlines()[-1])

    def test_lost_answer_does_not_create_a_second_request(self):
        before = self.backend_count()
        with Proxy(self.city.url, lose_posts=1) as proxy:
            self.use_open311(proxy.endpoint)
            ticket = self.forward()
            delivery = ticket.deliveries.get()
            self.assertEqual(delivery.status, Delivery.Status.PENDING)
            with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
                run_jobs()
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED, delivery.last_error)
        posts = [path for method, path in proxy.log if method == "POST"]
        self.assertEqual(len(posts), 1, proxy.log)
        self.assertEqual(self.backend_count(), before + 1)
        ticket.refresh_from_db()
        self.assertEqual(backend_ticket(self.city, ticket.external_id)["description"][:15], f"[{ticket.public_id}] ")

    def test_token_answers_are_followed_until_the_id_is_known(self):
        with Proxy(self.city.url, tokens=True) as proxy:
            self.use_open311(proxy.endpoint)
            ticket = self.forward()
        self.assertEqual(ticket.deliveries.get().status, Delivery.Status.DELIVERED)
        self.assertTrue(any("/tokens/" in path for _m, path in proxy.log), proxy.log)
        self.assertTrue(ticket.external_id)

    def test_back_end_without_updates_extension_is_asked_for_its_requests(self):
        with Proxy(self.city.url, no_updates=True) as proxy:
            self.use_open311(proxy.endpoint)
            ticket = self.forward()
            self.city.run(in_backend(ticket.external_id, "workflow.resolve(ticket, by=by, note='Repariert.')"))
            self.poll()
            self.poll()
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Ticket.Status.DONE)
        self.assertEqual(ticket.events.filter(status_to=Ticket.Status.DONE).count(), 1)
        self.assertTrue(any("service_request_id=" in path for _m, path in proxy.log))

    def test_malformed_answers_change_nothing(self):
        for garbage in (b"<service_requests><request>", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
                        b"not xml at all"):
            with self.subTest(garbage), Proxy(self.city.url, garbage=garbage) as proxy:
                self.use_open311(proxy.endpoint)
                ticket = self.forward()
                delivery = ticket.deliveries.get()
                self.assertEqual(delivery.status, Delivery.Status.PENDING)
                self.assertIn("unreadable answer", delivery.last_error)
                self.assertEqual(ticket.external_id, "")
                with self.assertRaises(open311_client.Open311Error):
                    self.poll()
        self.assertFalse(InboundUpdate.objects.exists())

    def test_service_code_mapping_and_parameters(self):
        self.use_open311(service_codes={"licht-laterne": "STR-LICHT-01"}, jurisdiction_id="berlin.de")
        ticket = lamp()
        params = open311_client.request_params(ticket.deliveries.get())
        self.assertEqual(params["service_code"], "STR-LICHT-01")
        self.assertEqual(params["attribute[art]"], "flackert")
        self.assertEqual(params["lat"], "52.486900")
        self.assertTrue(params["description"].startswith(f"[{ticket.public_id}] "))
        self.assertNotIn("email", params)

    def test_a_report_with_only_an_address_is_sent_without_coordinates(self):
        # has_location is a method: read as an attribute it was always true, and "None:.6f" broke the delivery.
        self.use_open311()
        ticket = report("licht-laterne", None, answers={"art": "flackert"}, address="Hermannplatz 5, 12051 Berlin",
                        description="Die Laterne vor Hermannplatz 5 flackert seit Tagen.")
        params = open311_client.request_params(ticket.deliveries.get())
        self.assertNotIn("lat", params)
        self.assertNotIn("long", params)
        self.assertEqual(params["address_string"], "Hermannplatz 5, 12051 Berlin")
