"""The one inbound engine (connectors/status.py): the same rules, whichever door an update comes through."""

import ast
import json
import threading
from datetime import timedelta
from pathlib import Path

from django.db import connections
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from stadtlotse.connectors import status, webhook
from stadtlotse.connectors.models import InboundUpdate
from stadtlotse.routing import areas
from stadtlotse.testing.cases import HERMANNPLATZ, build_world, report
from stadtlotse.tickets.models import Event, Ticket

from .base import SECRET, ConnectorTestCase

CONNECTORS = Path(status.__file__).parent


def lamp_report() -> Ticket:
    return report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"})


class OneEngineTests(ConnectorTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.use_webhook()

    def setUp(self) -> None:
        super().setUp()
        self.ticket = lamp_report()

    def post_webhook(self, **values: object) -> object:
        body = json.dumps({"schema": "stadtlotse.status.v1", "ticket_id": self.ticket.public_id, **values}).encode()
        return self.client.post(reverse("connectors:webhook_status", args=[self.lighting.slug]), body,
                                content_type="application/json", headers=webhook.signed_headers(SECRET, body))

    def polled(self, move_name: str, key: str, updated_at: object, note: str = "") -> status.Outcome:
        return status.apply_update(self.ticket, source=status.OPEN311_POLL, sender="open311: licht", key=key,
                                   department=self.lighting, move_name=move_name, note=note, updated_at=updated_at)

    def test_a_status_the_ticket_has_passed_adds_its_text_never_a_step_back(self):
        self.assertEqual(self.post_webhook(event_id="e1", status="in_progress").status_code, 200)
        response = self.post_webhook(event_id="e2", status="accepted", note="Auftrag ist an Firma Lux.")
        self.assertEqual(response.status_code, 200, response.content)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.IN_PROGRESS)
        note = self.ticket.events.get(kind=Event.Kind.PUBLIC_NOTE)
        self.assertEqual(note.note, "Auftrag ist an Firma Lux.")
        self.assertEqual(InboundUpdate.objects.get(key="e2").event, note)

    def test_an_older_update_from_the_same_sender_adds_its_text_only(self):
        now = timezone.now()
        self.assertTrue(self.polled(status.RESOLVE, "update:2", now, "Leuchtmittel getauscht.").applied)
        late = self.polled(status.START, "update:1", now - timedelta(hours=1), "Firma ist unterwegs.")
        self.assertTrue(late.applied)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
        self.assertEqual(late.event.kind, Event.Kind.PUBLIC_NOTE)
        self.assertEqual(late.event.note, "Firma ist unterwegs.")
        # Another sender's clock is not compared: the webhook's own update still applies (and is refused here).
        with self.assertRaises(status.UpdateRefused):
            status.apply_update(self.ticket, source=status.WEBHOOK, sender="webhook: licht", key="w1",
                                department=self.lighting, move_name=status.START, updated_at=now - timedelta(hours=2))

    def test_a_repeat_answers_with_the_first_event_and_a_refusal_changes_nothing(self):
        first = self.polled(status.ACCEPT, "update:7", timezone.now(), "Angenommen.")
        again = self.polled(status.ACCEPT, "update:7", timezone.now(), "Angenommen.")
        self.assertTrue(again.duplicate)
        self.assertEqual(again.event, first.event)
        other = report("abfall-sperrmuell", HERMANNPLATZ)
        with self.assertRaises(status.UpdateRefused) as refused:
            status.apply_update(other, source=status.WEBHOOK, sender="webhook: licht", key="x",
                                department=self.lighting, move_name=status.RESOLVE)
        self.assertEqual(refused.exception.reason, status.UpdateRefused.NOT_WITH_DEPARTMENT)
        self.assertFalse(InboundUpdate.objects.filter(key="x").exists())


class InboundRaceTests(TransactionTestCase):
    """Eight copies of one update at the same moment (a sender retrying after timeouts): applied once."""

    def setUp(self) -> None:
        build_world(self)
        self.addCleanup(areas.reset)
        self.ticket = lamp_report()

    def test_the_same_update_eight_times_at_once_is_applied_once(self):
        copies = 8
        start = threading.Barrier(copies)
        outcomes, problems = [], []

        def send() -> None:
            try:
                start.wait(timeout=30)
                outcomes.append(status.apply_update(
                    Ticket.objects.get(pk=self.ticket.pk), source=status.WEBHOOK, sender="webhook: licht",
                    key="race-1", department=self.lighting, move_name=status.START, note="Team ist unterwegs."))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                problems.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(problems, [])
        self.assertEqual(sorted(outcome.duplicate for outcome in outcomes), [False] + [True] * (copies - 1))
        self.assertEqual(self.ticket.events.filter(status_to=Ticket.Status.IN_PROGRESS).count(), 1)
        self.assertEqual(InboundUpdate.objects.count(), 1)


class ModuleLevelImportsTests(ConnectorTestCase):
    def test_no_module_of_the_connectors_imports_inside_a_function(self):
        # An import inside a function hides a cycle between modules; AppConfig.ready() is the one place for it.
        files = [path for path in CONNECTORS.rglob("*.py") if "tests" not in path.parts and path.name != "apps.py"]
        files.append(CONNECTORS.parent / "open311" / "views.py")
        late = []
        for path in files:
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    late += [f"{path.name}:{inner.lineno}" for inner in ast.walk(node)
                             if isinstance(inner, ast.Import | ast.ImportFrom)]
        self.assertEqual(late, [])
