"""Browser tests: Debian's Chromium driven by Playwright against Django's live test server."""

import os
import time

from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from stadtlotse.catalog.loading import load_catalog
from stadtlotse.routing import areas

CHROMIUM = os.environ.get("STADTLOTSE_CHROMIUM", "/usr/bin/chromium")
# Without these flags Chromium tries to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


class BrowserTestCase(StaticLiveServerTestCase):
    """One Chromium per test class; a fresh page (and cookie jar) per test."""

    host = "127.0.0.1"
    viewport = {"width": 1280, "height": 900}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):
        areas.reset()
        load_catalog()
        self.context = self.browser.new_context(viewport=self.viewport, locale="de-DE")
        # Every page of every browser test also checks that our Content-Security-Policy blocks
        # nothing of our own (an inline script or handler would show up here).
        self.csp_violations = []
        self.context.on("console", self._note_csp_violation)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def _note_csp_violation(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def tearDown(self):
        self.context.close()
        areas.reset()
        self.assertEqual(self.csp_violations, [], "the Content-Security-Policy blocked something on our pages")

    def wait_until(self, expression, page=None, timeout=15):
        """Poll a JavaScript condition from Python. Playwright's wait_for_function evaluates its
        predicate with eval inside the page, which our Content-Security-Policy rightly refuses."""
        page = page or self.page
        deadline = time.monotonic() + timeout
        while not page.evaluate(expression):
            if time.monotonic() > deadline:
                self.fail(f"still false after {timeout} s: {expression}")
            page.wait_for_timeout(50)

    def url(self, path):
        return self.live_server_url + path

    def assert_accessible(self, page=None):
        """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page or self.page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
        violations = results.response["violations"]
        self.assertEqual(
            [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations], [],
            f"accessibility violations on {(page or self.page).url}",
        )
