"""Webhook connector: the signed document out (to a real HTTP server), signed status updates in."""

import datetime as dt
import json
import time

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from stadtlotse.connectors import webhook
from stadtlotse.connectors.models import Delivery, InboundUpdate
from stadtlotse.testing.cases import HERMANNPLATZ, report, run_jobs
from stadtlotse.tickets.models import Event, Ticket

from .base import SECRET, ConnectorTestCase
from .receiver import Receiver

LAMP = "Die Laterne vor Hermannstraße 20 flackert seit Tagen."


def lamp_report(**kwargs):
    return report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"}, description=LAMP, **kwargs)


class WebhookOutTests(ConnectorTestCase):
    def test_forwarding_posts_the_signed_versioned_document(self):
        with Receiver(SECRET) as receiver:
            self.use_webhook(receiver.url)
            ticket = lamp_report()
            run_jobs()
        [(headers, document)] = receiver.requests
        self.assertEqual(document["schema"], "stadtlotse.forward.v1")
        self.assertEqual(document["ticket"]["id"], ticket.public_id)
        self.assertEqual(document["ticket"]["category"]["code"], "licht-laterne")
        self.assertEqual(document["ticket"]["location"]["district"], "Neukölln")
        self.assertEqual(document["ticket"]["description"], LAMP)
        self.assertNotIn("rita@example.org", json.dumps(document))
        delivery = ticket.deliveries.get()
        self.assertEqual(headers["Idempotency-Key"], str(delivery.key))
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED)
        self.assertEqual(delivery.external_id, "EXT-1")
        attempt = ticket.events.filter(kind=Event.Kind.DELIVERY).get()
        self.assertEqual(attempt.data["result"], "delivered")

    def test_a_receiver_that_rejects_the_signature_means_retry(self):
        with Receiver("another-secret-of-the-department-0000") as receiver:
            self.use_webhook(receiver.url)
            ticket = lamp_report()
            run_jobs()
        delivery = ticket.deliveries.get()
        self.assertEqual(delivery.status, Delivery.Status.PENDING)
        self.assertIn("HTTP 401", delivery.last_error)
        self.assertIsNotNone(delivery.next_attempt_at)
        self.assertEqual(ticket.events.filter(kind=Event.Kind.DELIVERY).get().data["result"], "retry")

    def test_answer_lost_after_the_work_is_done_repeats_with_the_same_key(self):
        with Receiver(SECRET, lose_answers=1) as receiver:
            self.use_webhook(receiver.url)
            ticket = lamp_report()
            run_jobs()
            delivery = ticket.deliveries.get()
            self.assertEqual(delivery.status, Delivery.Status.PENDING)
            with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
                run_jobs()
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED)
        self.assertEqual(len(receiver.requests), 2)
        self.assertEqual(len(receiver.tickets), 1, "the repeat carried the same Idempotency-Key")
        self.assertEqual({h["Idempotency-Key"] for h, _d in receiver.requests}, {str(delivery.key)})


class WebhookInTests(ConnectorTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.use_webhook()

    def setUp(self):
        super().setUp()
        self.ticket = lamp_report()
        self.url = reverse("connectors:webhook_status", args=[self.lighting.slug])

    def post(self, payload, *, secret=SECRET, now=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = webhook.signed_headers(secret, body, now=now)
        return self.client.post(self.url, body, content_type="application/json",
                                headers={k: v for k, v in headers.items()})

    def update(self, **values):
        return {"schema": "stadtlotse.status.v1", "event_id": "evt-1", "ticket_id": self.ticket.public_id, **values}

    def test_status_update_changes_the_status_with_the_external_actor_and_tells_the_reporter(self):
        response = self.post(self.update(status="accepted", note="Wird bis Freitag repariert."))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"result": "applied"})
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.ACCEPTED)
        event = self.ticket.events.get(status_to=Ticket.Status.ACCEPTED)
        self.assertEqual(event.actor_kind, Event.ActorKind.EXTERNAL)
        self.assertEqual(event.department, self.lighting)
        self.assertEqual(event.note, "Wird bis Freitag repariert.")
        self.assertTrue(self.ticket.notifications.filter(template="status", event=event).exists())

    def test_the_same_update_twice_changes_nothing(self):
        self.post(self.update(status="in_progress"))
        response = self.post(self.update(status="in_progress"))
        self.assertEqual(response.json(), {"result": "duplicate"})
        self.assertEqual(self.ticket.events.filter(status_to=Ticket.Status.IN_PROGRESS).count(), 1)
        self.assertEqual(InboundUpdate.objects.count(), 1)

    def test_note_without_status_is_a_public_note(self):
        self.post(self.update(note="Ersatzteil ist bestellt."))
        self.assertTrue(self.ticket.events.filter(kind=Event.Kind.PUBLIC_NOTE, note="Ersatzteil ist bestellt.").exists())

    def assertRefused(self, response, code, text):  # noqa: N802 - unittest style
        self.assertEqual(response.status_code, code, response.content)
        self.assertIn(text, response.json()["error"])
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.FORWARDED)
        self.assertFalse(InboundUpdate.objects.exists())

    def test_unsigned_wrongly_signed_and_old_requests_are_refused(self):
        body = json.dumps(self.update(status="done")).encode()
        response = self.client.post(self.url, body, content_type="application/json")
        self.assertRefused(response, 401, "Signatur")
        self.assertRefused(self.post(self.update(status="done"), secret="wrong-secret-wrong-secret-wrong"), 401, "Signatur")
        self.assertRefused(self.post(self.update(status="done"), now=time.time() - 3600), 401, "Signatur")
        self.assertRefused(self.post(self.update(status="done"), now=time.time() + 3600), 401, "Signatur")

    def test_a_captured_request_replayed_later_is_refused(self):
        body = json.dumps(self.update(status="done", note="Repariert.")).encode()
        headers = webhook.signed_headers(SECRET, body)
        first = self.client.post(self.url, body, content_type="application/json", headers=headers)
        self.assertEqual(first.status_code, 200)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
            again = self.client.post(self.url, body, content_type="application/json", headers=headers)
        self.assertEqual(again.status_code, 401)
        self.assertEqual(self.ticket.events.filter(status_to=Ticket.Status.DONE).count(), 1)

    def test_malformed_and_hostile_bodies_are_refused(self):
        self.assertRefused(self.post(None, raw=b"{not json"), 400, "JSON")
        self.assertRefused(self.post(["a", "list"]), 400, "stadtlotse.status.v1")
        self.assertRefused(self.post(self.update(schema="v0")), 400, "stadtlotse.status.v1")
        self.assertRefused(self.post(self.update(event_id=None)), 400, "event_id")
        self.assertRefused(self.post(self.update(event_id="x" * 300)), 400, "event_id")
        self.assertRefused(self.post(self.update(status="deleted")), 400, "deleted")
        self.assertRefused(self.post(self.update(note=["<script>"])), 400, "note")
        self.assertRefused(self.post(self.update(note="x" * 6000)), 400, "note")
        self.assertRefused(self.post(self.update(ticket_id="SL-1999-0001")), 404, "SL-1999-0001")

    @override_settings(LANGUAGE_CODE="de")
    def test_values_of_the_wrong_json_type_are_refused_not_reinterpreted(self):
        note = {"note": "Intern: Mast ist marode."}
        self.assertRefused(self.post(self.update(public="false", **note)), 400, "public")
        self.assertRefused(self.post(self.update(public=0, **note)), 400, "public")
        self.assertRefused(self.post(self.update(public=None, **note)), 400, "public")
        self.assertRefused(self.post(self.update(status=["done"])), 400, "status")
        self.assertRefused(self.post(self.update(status=1)), 400, "status")
        self.assertRefused(self.post(self.update(status="DONE")), 400, "DONE")
        self.assertRefused(self.post(self.update(ticket_id=42)), 400, "ticket_id")
        self.assertRefused(self.post(self.update(event_id=7)), 400, "event_id")
        self.assertRefused(self.post(self.update(visibility="public", **note)), 400, "visibility")
        self.assertFalse(self.ticket.events.filter(note__contains="marode").exists())
        # The JSON boolean is what makes a note internal.
        self.assertEqual(self.post(self.update(public=False, **note)).status_code, 200)
        self.assertFalse(self.ticket.events.get(note__contains="marode").is_public)

    @override_settings(LANGUAGE_CODE="de")
    def test_deeply_nested_json_is_a_clear_400_not_a_crash(self):
        for body in (b"[" * 30000 + b"]" * 30000, b'{"a":' * 10000 + b"1" + b"}" * 10000):
            with self.subTest(len(body)):
                response = self.post(None, raw=body)
                self.assertRefused(response, 400, "verschachtelt")
        # Brackets inside strings do not count.
        self.assertEqual(self.post(self.update(note="[[[[[[[[ {{{{{{ \" ]]]")).status_code, 200)

    def test_illegal_transition_and_another_departments_ticket_are_refused(self):
        other = report("abfall-sperrmuell", HERMANNPLATZ)  # goes to the waste department
        self.assertRefused(self.post(self.update(ticket_id=other.public_id, status="done")), 409, "nicht bei")
        self.post(self.update(status="done", note="Repariert.", event_id="evt-done"))
        response = self.post(self.update(status="accepted", event_id="evt-late"))
        self.assertEqual(response.status_code, 409)
        self.assertIn("kann nicht", response.json()["error"])
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
        self.assertEqual(InboundUpdate.objects.count(), 1)

    def test_only_webhook_departments_have_an_endpoint_and_only_post(self):
        url = reverse("connectors:webhook_status", args=[self.waste.slug])
        self.assertEqual(self.client.post(url, b"{}", content_type="application/json").status_code, 404)
        self.assertEqual(self.client.get(self.url).status_code, 405)

    @override_settings(LANGUAGE_CODE="de")
    def test_oversized_body_is_refused(self):
        body = b"{" + b" " * (webhook.MAX_BODY_BYTES + 10) + b"}"
        response = self.client.post(self.url, body, content_type="application/json",
                                    headers=webhook.signed_headers(SECRET, body))
        self.assertEqual(response.status_code, 413)
        self.assertIn("größer", response.json()["error"])
