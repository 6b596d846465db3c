"""Duplicate check while reporting (JSON and the questions step) and "support this report"."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, report, run_jobs
from stadtlotse.notifications.models import Notification, Subscription
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

from .base import PublicWebTestCase
from .test_report import form_data

NEAR = (HERMANNPLATZ[0] + 0.0004, HERMANNPLATZ[1])   # about 45 m north
FARTHER = (HERMANNPLATZ[0] + 0.0008, HERMANNPLATZ[1])  # about 90 m north
TOO_FAR = (HERMANNPLATZ[0] + 0.0015, HERMANNPLATZ[1])  # about 170 m north


class SimilarTests(PublicWebTestCase):
    url = reverse("publicweb:similar")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.farther = report(place=FARTHER, description="Sofa steht an der Ecke Karl-Marx-Straße.")
        cls.near = report("abfall-ablagerung", NEAR, description="Müllsäcke neben dem Eingang.")  # same group
        report(place=TOO_FAR)
        report("strasse-gehweg", NEAR, answers={})                     # another group
        report(place=ALEXANDERPLATZ)                                   # far away
        closed = report(place=NEAR)
        workflow.accept(closed, by=cls.bob)
        workflow.resolve(closed, by=cls.bob, note="Abgeholt.")
        report("sicherheit-angstraum", NEAR, answers={})               # pending moderation, not public
        with time_machine.travel(timezone.now() - timedelta(days=31)):
            report(place=NEAR, description="Ein altes Sofa, schon lange her.")

    def get(self, code="abfall-sperrmuell", place=HERMANNPLATZ, **params):
        return self.client.get(self.url, {"category": code, "lat": place[0], "lon": place[1], **params})

    def test_open_published_same_group_within_radius_and_days_nearest_first(self):
        # Category with its parents, the group's categories, which categories are about people, tickets, photos.
        with self.assertNumQueries(5):
            response = self.get()
        data = response.json()
        self.assertEqual(data["radius"], 100)
        self.assertEqual([t["id"] for t in data["tickets"]], [self.near.public_id, self.farther.public_id])
        first = data["tickets"][0]
        self.assertEqual(first["distance"], 44)
        self.assertEqual((first["status"], first["status_label"]), ("forwarded", "forwarded"))
        self.assertEqual(first["url"], self.near.get_absolute_url())
        self.assertIsNone(first["thumbnail"])
        self.assertNotIn("rita", response.content.decode())

    def test_bad_input(self):
        self.assertEqual(self.get(code="gibt-es-nicht").json(), {"error": "Please choose one of the listed categories."})
        self.assertEqual(self.get(place=("north", "13")).status_code, 400)
        self.assertEqual(self.get(place=("nan", "13")).json(), {"error": "The coordinates are not a place on Earth."})
        self.assertEqual(self.get(place=(95, 13)).status_code, 400)

    def test_questions_step_lists_similar_reports_without_javascript(self):
        response = self.client.post(reverse("publicweb:report"), form_data(
            lat=str(HERMANNPLATZ[0]), lon=str(HERMANNPLATZ[1]), shown_questions=None, **{"attribute[menge]": None}
        ))
        self.assertContains(response, "Already reported?")
        self.assertContains(response, f'href="{self.near.get_absolute_url()}#support"')
        self.assertContains(response, "44 m away")


class SupportTests(PublicWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ticket = report()

    def url(self, ticket=None):
        return reverse("publicweb:support", args=[(ticket or self.ticket).public_id])

    def test_support_without_javascript(self):
        response = self.client.post(self.url(), {"support-email": ""})
        self.assertRedirects(response, self.ticket.get_absolute_url(), fetch_redirect_response=False)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.supporters, 1)
        page = self.client.get(self.ticket.get_absolute_url())
        self.assertContains(page, "you now support report")
        self.assertContains(page, "You support this report.")
        # Once per browser.
        response = self.client.post(self.url(), {"support-email": ""})
        self.assertContains(response, "You already support this report.", status_code=400)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.supporters, 1)

    def test_support_with_email_subscribes_after_confirmation(self):
        response = self.client.post(self.url(), {"email": "nachbar@example.org"}, headers={"accept": "application/json"})
        self.assertEqual(response.json()["supporters"], 1)
        self.assertIn("Please confirm your e-mail address", response.json()["message"])
        subscription = Subscription.objects.get()
        self.assertIsNone(subscription.confirmed_at)
        mail = Notification.objects.get(template="subscribe-confirm")
        self.assertEqual(mail.recipient, "nachbar@example.org")
        self.assertIn(f"/abo/{subscription.token}", mail.body_text)
        self.assertNotIn(self.ticket.access_token, mail.body_text)

    def test_bad_email_changes_nothing(self):
        response = self.client.post(self.url(), {"support-email": "nicht-gueltig"})
        self.assertContains(response, "This e-mail address is not valid.", status_code=400)
        self.assertContains(response, 'value="nicht-gueltig"', status_code=400)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.supporters, 0)
        self.assertFalse(Subscription.objects.exists())
        response = self.client.post(self.url(), {"email": "x" * 300 + "@example.org"}, headers={"accept": "application/json"})
        self.assertEqual(response.status_code, 400)

    def test_closed_and_unpublished_tickets(self):
        workflow.accept(self.ticket, by=self.bob)
        workflow.resolve(self.ticket, by=self.bob, note="Erledigt.")
        response = self.client.post(self.url(), {}, headers={"accept": "application/json"})
        self.assertEqual(response.json(), {"error": "This report is closed and can no longer be supported."})
        pending = report("sicherheit-angstraum", answers={})
        self.assertEqual(self.client.post(self.url(pending), {}).status_code, 404)
        self.assertEqual(Ticket.objects.filter(supporters__gt=0).count(), 0)
        self.assertEqual(self.client.get(self.url()).status_code, 405)
        run_jobs()
