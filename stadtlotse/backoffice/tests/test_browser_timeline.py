"""The desk's ticket page in Chromium, desktop and phone: the timeline reads as sentences and fits the screen."""

import os
from datetime import timedelta

from django.utils import timezone

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Category, Department
from stadtlotse.connectors import dispatch
from stadtlotse.connectors.models import Delivery
from stadtlotse.demo import seed as demo
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import PASSWORD, make_user, report
from stadtlotse.tickets import workflow

SCREENSHOTS = os.environ.get("STADTLOTSE_SCREENSHOTS", "")


class TimelineInBrowserTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        demo.seed_texts(language="de")
        self.alice = make_user("alice", User.Role.DESK)
        lighting = Department.objects.get(slug="strassenbeleuchtung")
        self.ticket = report("sonstiges", description="Die Laterne vor Hausnummer 12 ist seit einer Woche dunkel.")
        workflow.classify(self.ticket, by=self.alice, category=Category.objects.get(service_code="licht-laterne"),
                          priority="high")
        workflow.forward(self.ticket, lighting, by=self.alice)
        delivery = Delivery.objects.filter(ticket=self.ticket).latest("pk")
        delivery.attempts = 1
        dispatch.record_failure(delivery, "connection refused", final=False,
                                next_attempt_at=timezone.now() + timedelta(minutes=10))
        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", "alice")
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))

    def walk(self, width: int, height: int, name: str) -> None:
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.goto(self.url(self.ticket.get_backoffice_url()))
        timeline = self.page.locator("ol.timeline")
        text = timeline.inner_text()
        self.assertIn("Kategorie geändert: Sonstiges Anliegen → Straßenlaterne defekt.", text)
        self.assertIn("Dringlichkeit geändert: normal → hoch.", text)
        self.assertIn("1. Versuch: fehlgeschlagen, wird erneut versucht.", text)
        for raw in ("category:", "delivery:", "attempt:", "['"):
            self.assertNotIn(raw, text)
        # Sentences wrap inside their entry: none is wider than its box, on a phone neither.
        widest = self.page.locator(".timeline .event-data").evaluate_all(
            "nodes => Math.max(...nodes.map(node => node.scrollWidth - node.clientWidth))")
        self.assertLessEqual(widest, 0)
        self.assert_accessible()
        if SCREENSHOTS:
            self.page.screenshot(path=os.path.join(SCREENSHOTS, f"timeline-{name}.png"), full_page=True)

    def test_desktop(self) -> None:
        self.walk(1366, 768, "desktop")

    def test_phone(self) -> None:
        self.walk(390, 844, "phone")
