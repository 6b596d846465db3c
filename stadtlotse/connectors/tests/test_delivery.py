"""Delivery guarantees: backoff with jitter, every attempt on the ticket, the desk's failed queue and its retry button."""

import datetime as dt

import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stadtlotse.accounts.models import User
from stadtlotse.connectors.models import Delivery
from stadtlotse.core import jobs
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.smtp import free_port
from stadtlotse.testing.cases import HERMANNPLATZ, PASSWORD, make_user, report, run_jobs
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event

from .base import SECRET, ConnectorTestCase
from .receiver import Receiver

THREE_ATTEMPTS = {**settings.STADTLOTSE, "JOB_MAX_ATTEMPTS": 3}


def lamp():
    return report("licht-laterne", HERMANNPLATZ, answers={"art": "flackert"},
                  description="Die Laterne vor Hermannstraße 20 flackert seit Tagen.")


def run_until_given_up(hours=(0, 1, 3, 7)):
    for offset in hours:
        with time_machine.travel(timezone.now() + dt.timedelta(hours=offset)):
            run_jobs()


class BackoffTests(ConnectorTestCase):
    def test_delays_double_with_jitter_up_to_the_cap(self):
        base = settings.STADTLOTSE["JOB_RETRY_BASE_SECONDS"]
        cap = settings.STADTLOTSE["JOB_RETRY_MAX_SECONDS"]
        for attempt in (1, 2, 5):
            delays = {jobs.retry_delay(attempt).total_seconds() for _ in range(50)}
            expected = base * 2 ** (attempt - 1)
            self.assertGreater(len(delays), 1, "jitter spreads the retries")
            self.assertTrue(all(0.75 * expected <= d <= 1.25 * expected for d in delays), delays)
        self.assertLessEqual(jobs.retry_delay(40).total_seconds(), 1.25 * cap)

    def test_defaults_keep_trying_for_about_two_days(self):
        base = settings.STADTLOTSE["JOB_RETRY_BASE_SECONDS"]
        cap = settings.STADTLOTSE["JOB_RETRY_MAX_SECONDS"]
        attempts = settings.STADTLOTSE["JOB_MAX_ATTEMPTS"]
        total = sum(min(base * 2 ** (a - 1), cap) for a in range(1, attempts))
        self.assertGreater(total, 40 * 3600)
        self.assertLess(total, 50 * 3600)

    @override_settings(STADTLOTSE={**settings.STADTLOTSE, "JOB_RETRY_BASE_SECONDS": 10, "JOB_RETRY_MAX_SECONDS": 20})
    def test_backoff_is_configurable(self):
        self.assertLessEqual(jobs.retry_delay(10).total_seconds(), 25)


@override_settings(STADTLOTSE=THREE_ATTEMPTS)
class FailedQueueTests(ConnectorTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.port = free_port()
        cls.use_webhook(f"http://127.0.0.1:{cls.port}/hook")

    def test_every_attempt_is_on_the_ticket_and_the_last_puts_it_in_the_queue(self):
        ticket = lamp()
        run_until_given_up()
        delivery = ticket.deliveries.get()
        self.assertEqual(delivery.status, Delivery.Status.FAILED)
        self.assertEqual(delivery.attempts, 3)
        results = list(ticket.events.filter(kind=Event.Kind.DELIVERY).values_list("data__result", flat=True))
        self.assertEqual(results, ["retry", "retry", "failed"])
        self.assertIn("Connection refused", delivery.last_error)

        self.client.force_login(self.alice)
        page = self.client.get(reverse("backoffice:ticket", args=[ticket.public_id]))
        self.assertContains(page, "Connection refused")
        self.assertContains(page, reverse("backoffice:deliveries_failed"))
        queue = self.client.get(reverse("backoffice:deliveries_failed"))
        self.assertContains(queue, ticket.public_id)
        self.assertContains(queue, reverse("backoffice:delivery_retry", args=[delivery.pk]))

    def test_retry_button_delivers_once_the_target_is_back(self):
        ticket = lamp()
        run_until_given_up()
        delivery = ticket.deliveries.get()
        self.client.force_login(self.alice)
        with Receiver(SECRET, port=self.port) as receiver:
            response = self.client.post(reverse("backoffice:delivery_retry", args=[delivery.pk]), follow=True)
            self.assertContains(response, ticket.public_id)
            run_jobs()
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, Delivery.Status.DELIVERED)
        self.assertEqual(len(receiver.tickets), 1)
        retry_event = ticket.events.filter(kind=Event.Kind.DELIVERY, actor_user=self.alice).get()
        self.assertEqual(retry_event.data["result"], "retry requested")
        self.assertNotContains(self.client.get(reverse("backoffice:deliveries_failed")), ticket.public_id)
        # A second click (or a stale page) does nothing.
        self.client.post(reverse("backoffice:delivery_retry", args=[delivery.pk]))
        self.assertEqual(ticket.events.filter(kind=Event.Kind.DELIVERY, actor_user=self.alice).count(), 1)

    def test_a_retry_that_fails_again_goes_back_to_the_queue(self):
        ticket = lamp()
        run_until_given_up()
        self.client.force_login(self.alice)
        self.client.post(reverse("backoffice:delivery_retry", args=[ticket.deliveries.get().pk]))
        run_jobs()
        self.assertEqual(ticket.deliveries.get().status, Delivery.Status.FAILED)
        self.assertContains(self.client.get(reverse("backoffice:deliveries_failed")), ticket.public_id)

    def test_a_reforwarded_ticket_leaves_the_queue(self):
        ticket = lamp()
        run_until_given_up()
        workflow.forward(ticket, self.streets, by=self.alice)
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(reverse("backoffice:deliveries_failed")), ticket.public_id)
        self.assertFalse(self.client.post(reverse("backoffice:delivery_retry",
                                                  args=[ticket.deliveries.first().pk])).status_code == 500)

    def test_only_the_desk_sees_the_queue(self):
        ticket = lamp()
        run_until_given_up()
        delivery = ticket.deliveries.get()
        url = reverse("backoffice:deliveries_failed")
        self.assertEqual(self.client.get(url).status_code, 302)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(reverse("backoffice:delivery_retry", args=[delivery.pk])).status_code, 403)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("backoffice:delivery_retry", args=[delivery.pk])).status_code, 405)
        self.assertEqual(self.client.post(reverse("backoffice:delivery_retry", args=[999999])).status_code, 404)
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, Delivery.Status.FAILED)

    def test_queue_page_does_not_grow_with_failures(self):
        self.client.force_login(self.alice)

        def count():
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(reverse("backoffice:deliveries_failed")).status_code, 200)
            return len(captured)

        lamp()
        run_until_given_up()
        few = count()
        for _ in range(5):
            lamp()
        run_until_given_up()
        self.assertEqual(count(), few)
        self.assertLessEqual(few, 10)


class FailedQueueInBrowserTests(BrowserTestCase):
    def test_queue_passes_axe_and_retry_works_with_the_keyboard(self):
        from stadtlotse.catalog.models import Department

        alice = make_user("alice", User.Role.DESK)
        lighting = Department.objects.get(slug="strassenbeleuchtung")
        lighting.connector = Department.Connector.WEBHOOK
        lighting.connector_settings = {"url": f"http://127.0.0.1:{free_port()}/hook", "secret": SECRET}
        lighting.save()
        with override_settings(STADTLOTSE=THREE_ATTEMPTS):
            ticket = lamp()
            run_until_given_up()
        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", "alice")
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))
        self.page.get_by_role("link", name="Zustellung fehlgeschlagen").click()
        self.page.wait_for_url(self.url(reverse("backoffice:deliveries_failed")))
        self.assert_accessible()
        self.page.get_by_role("button", name=f"{ticket.public_id} erneut zustellen").focus()
        self.page.keyboard.press("Enter")
        self.page.locator(".message").wait_for()
        self.assertIn(ticket.public_id, self.page.locator(".message").inner_text())
        self.assert_accessible()
        del alice
