"""The public statistics and open data pages in Chromium, checked with axe-core."""

from stadtlotse.accounts.models import User
from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, PASSWORD, make_user, report


class PublicStatisticsBrowserTests(BrowserTestCase):
    def test_statistics_and_open_data_pages_are_accessible(self):
        for place in (HERMANNPLATZ, ALEXANDERPLATZ):
            report("abfall-sperrmuell", place)
        self.page.goto(self.url("/statistik"))
        self.assertEqual(self.page.locator("h1").inner_text(), "Statistik")
        chart = self.page.locator('svg[role="img"]')
        self.assertEqual(chart.locator("title").first.text_content(), "Eingegangene Meldungen pro Monat")
        # Two reports this month: shown masked.
        self.assertIn("< 5", self.page.locator("table").first.inner_text())
        self.assert_accessible()
        self.page.get_by_role("link", name="Offene Daten: die veröffentlichten Meldungen als CSV und GeoJSON").click()
        self.page.wait_for_url("**/offene-daten")
        self.assert_accessible()

    def test_dashboard_is_accessible_and_works_with_the_keyboard(self):
        report("abfall-sperrmuell", HERMANNPLATZ)
        make_user("alice", User.Role.DESK)
        self.page.goto(self.url("/konto/anmelden"))
        self.page.fill("#id_username", "alice")
        self.page.fill("#id_password", PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.url("/backoffice/"))
        self.page.goto(self.url("/backoffice/auswertung"))
        self.assertEqual(self.page.locator('svg[role="img"]').count(), 7)
        self.assert_accessible()
        # The filter form by keyboard: choose the week, then submit with the button.
        self.page.focus("#id_unit")
        self.page.select_option("#id_unit", "week")
        self.page.get_by_role("button", name="Anzeigen").focus()
        self.page.keyboard.press("Enter")
        self.page.wait_for_url("**unit=week**")
        self.assertIn("Eingegangene Meldungen pro Woche", self.page.locator("#intake-heading").inner_text())
