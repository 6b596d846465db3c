"""The report form carries a one-time key: sending it twice (double click, retry after a dropped
connection) gives the same ticket, never a second one."""

import datetime as dt
import re
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from stadtlotse.core import idempotency
from stadtlotse.core.models import IdempotentResponse
from stadtlotse.media.tests.images import TemporaryMediaMixin, image_bytes, upload
from stadtlotse.tickets.models import Attachment, Ticket

from .base import PublicWebTestCase
from .test_report import form_data

KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([^"]+)"')


class ReportFormKeyTests(TemporaryMediaMixin, PublicWebTestCase):
    url = reverse("publicweb:report")

    def form_key(self, response):
        return KEY.search(response.content.decode()).group(1)

    def test_every_rendered_form_has_its_own_key(self):
        first, second = self.form_key(self.client.get(self.url)), self.form_key(self.client.get(self.url))
        self.assertRegex(first, r"^[A-Za-z0-9_-]{32}$")
        self.assertNotEqual(first, second)

    def test_sending_twice_gives_one_ticket_and_the_same_confirmation(self):
        key = self.form_key(self.client.get(self.url))
        photo = image_bytes()
        first = self.client.post(self.url, {**form_data(idempotency_key=key), "photos": [upload("a.jpg", photo)]})
        again = self.client.post(self.url, {**form_data(idempotency_key=key), "photos": [upload("a.jpg", photo)]})
        self.assertEqual((first.status_code, again.status_code), (302, 302))
        ticket = Ticket.objects.get()
        self.assertEqual(first["Location"], reverse("publicweb:confirmation", args=[ticket.public_id, ticket.access_token]))
        self.assertEqual(again["Location"], first["Location"])
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(Attachment.objects.count(), 1)
        self.assertEqual(self.client.get(again["Location"]).status_code, 200)
        self.assertEqual(ticket.contact.email, "rita@example.org")

    def test_the_key_survives_the_questions_step(self):
        key = self.form_key(self.client.get(self.url))
        step = self.client.post(self.url, form_data(shown_questions="", idempotency_key=key))
        self.assertEqual(step.status_code, 200)
        self.assertEqual(self.form_key(step), key)
        self.assertFalse(Ticket.objects.exists())

    def test_a_refused_report_can_be_corrected_and_sent_with_the_same_key(self):
        key = self.form_key(self.client.get(self.url))
        refused = self.client.post(self.url, form_data(idempotency_key=key, description="kurz"))
        self.assertEqual(refused.status_code, 200)
        self.assertEqual(self.form_key(refused), key)
        self.assertEqual(self.client.post(self.url, form_data(idempotency_key=key)).status_code, 302)
        self.assertEqual(Ticket.objects.count(), 1)

    def test_the_same_key_with_other_content_asks_to_send_again(self):
        key = self.form_key(self.client.get(self.url))
        self.client.post(self.url, form_data(idempotency_key=key))
        other = "Jetzt steht dort auch noch ein Kühlschrank neben dem Sofa."
        response = self.client.post(self.url, form_data(idempotency_key=key, description=other))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This form was already sent with other content.")
        self.assertContains(response, other)
        self.assertEqual(Ticket.objects.count(), 1)
        fresh = self.form_key(response)
        self.assertNotEqual(fresh, key)
        self.assertEqual(self.client.post(self.url, form_data(idempotency_key=fresh, description=other)).status_code, 302)
        self.assertEqual(Ticket.objects.count(), 2)

    def test_the_idempotency_key_header_works_too_per_client_address(self):
        headers = {"idempotency-key": "crash-client-7-report-1"}
        first = self.client.post(self.url, form_data(), headers=headers)
        again = self.client.post(self.url, form_data(), headers=headers)
        self.assertEqual(again["Location"], first["Location"])
        self.assertEqual(Ticket.objects.count(), 1)
        self.assertEqual(IdempotentResponse.objects.get().scope, "web:127.0.0.1")
        elsewhere = self.client.post(self.url, form_data(), headers=headers, REMOTE_ADDR="10.1.2.3")
        self.assertNotEqual(elsewhere["Location"], first["Location"])
        self.assertEqual(Ticket.objects.count(), 2)

    def test_without_a_key_or_with_a_strange_one_every_sending_is_a_report(self):
        for key in ("", "x", "<script>alert(1)</script>" * 3):
            self.client.post(self.url, form_data(idempotency_key=key))
        self.assertEqual(Ticket.objects.count(), 3)
        self.assertFalse(IdempotentResponse.objects.exists())

    def test_keys_older_than_a_day_are_purged_now_and_then(self):
        self.client.post(self.url, form_data(idempotency_key="a" * 32))
        IdempotentResponse.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
        with mock.patch.object(idempotency, "PURGE_CHANCE", 1.0):
            self.client.post(self.url, form_data(idempotency_key="b" * 32))
        self.assertEqual(list(IdempotentResponse.objects.values_list("key", flat=True)), ["b" * 32])
