"""The public pages in Chromium: the report flow without JavaScript, small screens, and axe-core's WCAG checks."""

from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import HAMBURG, report
from stadtlotse.tickets.models import Ticket

SMALL_SCREEN = {"width": 360, "height": 740}


class PublicPagesInBrowserTests(BrowserTestCase):
    viewport = SMALL_SCREEN

    def open(self, path):
        self.page.goto(self.url(path))
        self.assert_fits_the_screen()

    def assert_fits_the_screen(self):
        width = self.page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, SMALL_SCREEN["width"], f"horizontal scrolling on {self.page.url}")

    def test_report_without_javascript(self):
        context = self.browser.new_context(viewport=SMALL_SCREEN, locale="de-DE", java_script_enabled=False)
        page = context.new_page()
        page.goto(self.url("/"))
        page.get_by_role("link", name="Problem melden").first.click()
        page.select_option("#id_category", "abfall-sperrmuell")
        page.fill("#id_description", "Ein altes Sofa und zwei Matratzen am Gehweg.")
        page.fill("#id_lat", "52,4869")
        page.fill("#id_lon", "13,4247")
        page.fill("#id_email", "rita@example.org")
        page.check("#id_wants_feedback")
        page.locator("button.primary").click()
        # Second step: the category's question, with everything typed kept.
        page.locator("#questions").wait_for()
        self.assertEqual(page.input_value("#id_description"), "Ein altes Sofa und zwei Matratzen am Gehweg.")
        self.assertEqual(page.input_value("#id_lat"), "52,4869")
        self.assertTrue(page.is_checked("#id_wants_feedback"))
        page.check("#id_attribute-menge-_0")
        page.locator("button.primary").click()
        ticket = Ticket.objects.get()
        self.assertIn(ticket.public_id, page.locator("h1 + .ticket-big").inner_text())
        self.assertEqual(ticket.attributes, {"menge": "klein"})
        with self.settings(SITE_URL=self.live_server_url):
            page.reload()
            page.locator(".privatelink a").click()
        self.assertIn("rita@example.org", page.locator("main").inner_text())
        context.close()

    def test_pages_fit_small_screens_and_pass_axe(self):
        ticket = report(address="Hermannplatz 5, vor dem Eingang zur U-Bahn-Station Hermannplatz")
        self.open("/")
        self.assert_accessible()
        self.open("/?ticket=SL-1999-0001")
        self.assert_accessible()
        self.open("/melden")
        self.assert_accessible()
        self.page.select_option("#id_category", "licht-laterne")
        self.page.fill("#id_lat", str(HAMBURG[0]))
        self.page.fill("#id_lon", str(HAMBURG[1]))
        self.page.locator("button.primary").click()
        self.page.locator("#questions").wait_for()
        self.assert_fits_the_screen()
        self.assert_accessible()
        self.page.locator("button.primary").click()
        self.page.locator(".error-summary").wait_for()
        self.assert_fits_the_screen()
        self.assert_accessible()
        self.open(ticket.get_absolute_url())
        self.assert_accessible()
        self.open(ticket.get_private_url())
        self.assert_accessible()
        self.open(f"/melden/danke/{ticket.public_id}/{ticket.access_token}")
        self.assert_accessible()


class AudienceOnPhoneTests(BrowserTestCase):
    """A report about a person and an unpublished report, on a phone (390 × 844)."""

    viewport = {"width": 390, "height": 844}

    def test_person_report_shows_the_generalised_place_and_unpublished_is_not_found(self):
        import os
        import tempfile

        from stadtlotse.tickets import disclosure, moderation
        from stadtlotse.tickets.tests.test_disclosure import DOORWAY

        from stadtlotse.accounts.models import User
        from stadtlotse.testing.cases import make_user

        desk = make_user("alice", User.Role.DESK)
        person = report("soziales-hilflos", DOORWAY, address="Geheimweg 13, Hauseingang links", answers={},
                        description="Ein älterer Mann sitzt seit Tagen verwirrt im Eingang.")
        moderation.moderate(person, Ticket.Publication.PUBLISHED, by=desk)
        pending = report("sonstiges", DOORWAY, description="Noch nicht freigegeben.")
        lat, lon = disclosure.public_point(person)
        shots = os.environ.get("STADTLOTSE_SCREENSHOTS", tempfile.gettempdir())

        self.page.goto(self.url(person.get_absolute_url()))
        self.assertLessEqual(self.page.evaluate("document.documentElement.scrollWidth"), 390)
        facts = self.page.locator(".ticket-facts").inner_text()
        self.assertIn(f"{lat}, {lon}", facts)
        body = self.page.content()
        self.assertNotIn("Geheimweg", body)
        self.assertNotIn(f"{DOORWAY[0]:.4f}", body)
        self.assertEqual(self.page.locator("#ticket-map").get_attribute("data-lat"), str(lat))
        self.assert_accessible()
        self.page.screenshot(path=os.path.join(shots, "audience-person-ticket.png"), full_page=True)

        response = self.page.goto(self.url(pending.get_absolute_url()))
        self.assertEqual(response.status, 404)
        self.assertNotIn("Noch nicht freigegeben", self.page.content())
        self.assertNotIn("Sonstiges", self.page.content())
        self.assertIn("Seite nicht gefunden", self.page.content())
        self.assert_accessible()
        self.page.screenshot(path=os.path.join(shots, "audience-unpublished-ticket.png"), full_page=True)
