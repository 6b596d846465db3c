"""The public statistics and open data pages in Chromium, checked with axe-core."""

from stadtlotse.core.browser import BrowserTestCase
from stadtlotse.core.testing import ALEXANDERPLATZ, HERMANNPLATZ, report


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
