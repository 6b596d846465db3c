"""Idempotency-Key on POST requests: a retried submission gets the first answer, never a second ticket."""

import json
import threading

from django.db import connections
from django.test import Client, TransactionTestCase, override_settings

from stadtlotse.accounts.models import ApiKey
from stadtlotse.catalog.loading import load_catalog
from stadtlotse.core import idempotency
from stadtlotse.core.models import IdempotentResponse
from stadtlotse.testing.cases import HERMANNPLATZ
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Ticket

from .base import Open311TestCase

LAT, LON = HERMANNPLATZ


def values(key, **extra):
    data = {"api_key": key, "service_code": "abfall-ablagerung", "lat": LAT, "long": LON,
            "description": "Müllsäcke am Straßenrand."}
    data.update(extra)
    return data


class IdempotencyTests(Open311TestCase):
    def post(self, key_header, fmt="json", **extra):
        headers = {"HTTP_IDEMPOTENCY_KEY": key_header} if key_header is not None else {}
        return self.client.post(f"/open311/v2/requests.{fmt}", values(self.plain_key, **extra), **headers)

    def test_a_retry_gets_the_first_answer_and_no_second_ticket(self):
        first = self.post("app-4711")
        self.assertEqual(first.status_code, 201, first.content)
        again = self.post("app-4711")
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.content, first.content)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(Ticket.objects.count(), 1)

    def test_multipart_retry_with_another_boundary_is_the_same_request(self):
        first = self.post("app-mp", media="ignored")  # the test client sends multipart
        body = "&".join(f"{k}={v}" for k, v in values(self.plain_key, media="ignored").items())
        again = self.client.post("/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded",
                                 HTTP_IDEMPOTENCY_KEY="app-mp")
        self.assertEqual(again.content, first.content)
        self.assertEqual(Ticket.objects.count(), 1)

    def test_without_a_key_every_post_is_a_new_report(self):
        self.post(None)
        self.post(None)
        self.assertEqual(Ticket.objects.count(), 2)

    def test_the_same_key_for_another_report_is_refused(self):
        self.post("app-1")
        response = self.post("app-1", description="Ein ganz anderer Bericht über Müll.")
        self.assert_error(response, "json", 400, "Idempotency-Key")
        self.assertEqual(Ticket.objects.count(), 1)

    def test_errors_are_not_remembered(self):
        bad = self.post("app-2", lat="Hermannplatz")
        self.assertEqual(bad.status_code, 400)
        good = self.client.post("/open311/v2/requests.json", values(self.plain_key), HTTP_IDEMPOTENCY_KEY="app-2")
        self.assertEqual(good.status_code, 201)

    def test_keys_are_per_api_key(self):
        _other, other_plain = ApiKey.issue("Andere App")
        self.post("same")
        response = self.client.post("/open311/v2/requests.json", values(other_plain), HTTP_IDEMPOTENCY_KEY="same")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(Ticket.objects.count(), 2)

    def test_malformed_key(self):
        response = self.post("x" * 300)
        self.assert_error(response, "json", 400, "Idempotency-Key")
        self.assertEqual(Ticket.objects.count(), 0)

    def test_old_keys_are_purged(self):
        from datetime import timedelta

        from django.utils import timezone

        self.post("alt")
        IdempotentResponse.objects.update(created_at=timezone.now() - timedelta(days=2))
        self.assertEqual(idempotency.purge(), 1)


@override_settings(RATELIMIT_ENABLE=False)
class IdempotencyRaceTests(TransactionTestCase):
    """Eight clients send the same request with the same key at once: one ticket, eight equal answers."""

    def setUp(self):
        areas.reset()
        load_catalog()
        self.addCleanup(areas.reset)
        _key, self.plain = ApiKey.issue("Eilige App")

    def test_simultaneous_retries(self):
        clients = 8
        start = threading.Barrier(clients)
        answers, problems = [], []

        def send():
            try:
                start.wait(timeout=30)
                response = Client().post("/open311/v2/requests.json", values(self.plain),
                                         HTTP_IDEMPOTENCY_KEY="race-1")
                answers.append((response.status_code, json.loads(response.content)))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                problems.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(problems, [])
        self.assertEqual(Ticket.objects.count(), 1)
        ticket = Ticket.objects.get()
        self.assertEqual(len(answers), clients)
        for status, body in answers:
            self.assertEqual(status, 201, body)
            self.assertEqual(body[0]["service_request_id"], ticket.public_id)
