"""The report form with JavaScript (map pin, category search, questions, photos, duplicate check), the
keyboard-only report, the ticket page, the public map with its filters and list, the language switch."""

import os
from pathlib import Path

from stadtlotse.testing.browser import BrowserTestCase
from stadtlotse.testing.cases import ALEXANDERPLATZ, HERMANNPLATZ, report, run_jobs
from stadtlotse.media.tests.images import TemporaryMediaMixin, image_bytes, upload
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

SMALL_SCREEN = {"width": 360, "height": 740}
DESCRIPTION = "Ein altes Sofa und zwei Matratzen am Gehweg."


class MapBrowserTestCase(TemporaryMediaMixin, BrowserTestCase):
    def setUp(self):
        super().setUp()
        # No tile server in tests: tile requests end at once instead of waiting for a network.
        self.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())

    def assert_fits(self, page=None):
        page = page or self.page
        width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, page.viewport_size["width"], f"horizontal scrolling on {page.url}")

    def photo_file(self, tmp_name="sofa.jpg"):
        path = Path(self._media_dir) / tmp_name
        path.write_bytes(image_bytes(size=(1600, 1200)))
        return str(path)


class ReportWithJavaScriptTests(MapBrowserTestCase):
    def test_report_with_map_pin_category_search_and_photo(self):
        page = self.page
        page.goto(self.url("/melden"))
        page.fill("#category-search", "sofa")
        page.get_by_role("button", name="Abfall und Sauberkeit › Sperrmüll").click()
        self.assertEqual(page.input_value("#id_category"), "abfall-sperrmuell")
        # The category's question appears without sending the form.
        page.locator("#questions").wait_for()
        page.check("#id_attribute-menge-_0")
        page.fill("#id_description", DESCRIPTION)
        page.locator("#report-map").click(position={"x": 400, "y": 200})
        first = (page.input_value("#id_lat"), page.input_value("#id_lon"))
        self.assertNotEqual(first, ("", ""))
        self.assertIn("Markierung gesetzt", page.inner_text("#map-status"))
        # Drag the pin a little.
        box = page.locator(".leaflet-marker-icon").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 3)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
        page.mouse.up()
        self.wait_until(f"document.getElementById('id_lat').value !== '{first[0]}'", page)
        page.set_input_files("#id_photos", self.photo_file())
        page.locator("#photo-preview img").wait_for()
        # The photo's GPS position is offered, not applied: the pin stays where the resident put it.
        page.locator("#use-photo-place").wait_for()
        self.assertIn("52.48667, 13.42472", page.inner_text("#use-photo-place"))
        self.assertNotEqual(page.input_value("#id_lat"), "52.486667")
        self.assert_accessible()
        page.locator("#send-report").click()
        page.locator(".ticket-big").wait_for()
        ticket = Ticket.objects.get()
        self.assertNotEqual(f"{ticket.lat:.6f}", first[0])  # where the pin was dragged to
        self.assertEqual(ticket.attachments.count(), 1)
        self.assertEqual(ticket.area.name, "Mitte")
        self.assert_accessible()

    def test_photo_position_fills_the_place_when_asked(self):
        page = self.page
        page.goto(self.url("/melden"))
        page.set_input_files("#id_photos", self.photo_file())
        page.locator("#use-photo-place").click()
        self.assertEqual((page.input_value("#id_lat"), page.input_value("#id_lon")), ("52.486667", "13.424722"))
        page.locator("#report-map .leaflet-marker-icon").wait_for()
        self.assertTrue(page.is_hidden("#photo-place"))

    def test_stopper_blocks_sending(self):
        self.page.goto(self.url("/melden"))
        self.page.select_option("#id_category", "notfall")
        self.assertIn("110", self.page.inner_text("#stopper"))
        self.assertTrue(self.page.is_disabled("#send-report"))
        self.page.select_option("#id_category", "graffiti")
        self.assertTrue(self.page.is_hidden("#stopper"))
        self.assertTrue(self.page.is_enabled("#send-report"))

    def test_duplicate_suggestion_and_support(self):
        existing = report(place=HERMANNPLATZ, photos=[upload()])
        run_jobs()  # the photo job makes the public version
        page = self.page
        page.goto(self.url("/melden"))
        page.select_option("#id_category", "abfall-ablagerung")
        page.fill("#id_lat", "52,4870")
        page.fill("#id_lon", "13,4247")
        page.locator("#id_lon").dispatch_event("change")
        page.locator("#similar-live .similar-list").wait_for()
        self.assertIn(existing.public_id, page.inner_text("#similar-live"))
        self.wait_until("document.querySelector('#similar-live img').naturalWidth > 0", page)
        self.assert_accessible()
        page.fill("#similar-email", "nachbar@example.org")
        page.get_by_role("button", name=f"Stattdessen {existing.public_id} unterstützen").click()
        page.get_by_text("Sie unterstützen jetzt die Meldung").wait_for()
        existing.refresh_from_db()
        self.assertEqual(existing.supporters, 1)
        self.assertEqual(existing.subscriptions.get().email, "nachbar@example.org")


class KeyboardOnlyTests(MapBrowserTestCase):
    viewport = SMALL_SCREEN

    def tab_to(self, selector, limit=120):
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        self.fail(f"{selector} cannot be reached with the Tab key")

    def test_whole_report_by_keyboard(self):
        page = self.page
        page.goto(self.url("/melden"))
        self.assert_fits()
        self.tab_to("#category-search")
        page.keyboard.type("Laterne")
        self.tab_to("#category-results button")
        page.keyboard.press("Enter")
        self.assertEqual(page.input_value("#id_category"), "licht-laterne")
        page.locator("#questions").wait_for()
        self.tab_to("#id_attribute-art-_0")
        page.keyboard.press("Space")
        self.tab_to("#id_description")
        page.keyboard.type("Die Laterne vor dem Haus Nummer 3 ist seit Tagen dunkel.")
        self.tab_to("#id_lat")
        page.keyboard.type(str(ALEXANDERPLATZ[0]))
        self.tab_to("#id_lon")
        page.keyboard.type(str(ALEXANDERPLATZ[1]))
        self.tab_to("#id_email")
        page.keyboard.type("rita@example.org")
        self.tab_to("#id_wants_feedback")
        page.keyboard.press("Space")
        self.tab_to("#send-report")
        self.assert_fits()
        page.keyboard.press("Enter")
        page.locator(".ticket-big").wait_for()
        ticket = Ticket.objects.get()
        self.assertEqual((ticket.category.service_code, ticket.attributes), ("licht-laterne", {"art": "aus"}))
        self.assertEqual((ticket.lat, ticket.lon), ALEXANDERPLATZ)
        self.assertTrue(ticket.contact.wants_feedback)


class PublicMapTests(MapBrowserTestCase):
    viewport = SMALL_SCREEN

    def test_ticket_page_with_map_and_photo(self):
        ticket = report(place=HERMANNPLATZ, photos=[upload()])
        run_jobs()  # the photo job makes the public version
        self.page.goto(self.url(ticket.get_absolute_url()))
        self.page.locator("#ticket-map .leaflet-interactive").wait_for()
        self.wait_until("document.querySelector('.photos img').naturalWidth > 0")
        self.assert_fits()
        self.assert_accessible()

    def test_map_filters_and_list(self):
        report(place=HERMANNPLATZ)
        done = report(place=ALEXANDERPLATZ)
        workflow.accept(done, by=workflow.external("Test"))
        workflow.resolve(done, by=workflow.external("Test"), note="Erledigt.")
        page = self.page
        page.goto(self.url("/karte"))
        self.wait_until("document.querySelectorAll('#public-map path.leaflet-interactive').length === 2", page)
        self.assertIn("2 Meldungen", page.inner_text("#map-status"))
        self.assert_fits()
        self.assert_accessible()
        page.select_option("#id_status", "done")
        page.get_by_role("button", name="Anzeigen").click()
        page.wait_for_url("**/karte?*status=done*")
        self.wait_until("document.querySelectorAll('#public-map path.leaflet-interactive').length === 1", page)
        page.get_by_role("link", name="Meldungen als Liste anzeigen").click()
        # The click returns once the new page's HTML is there, possibly before its stylesheet.
        page.wait_for_load_state("load")
        self.assertIn(done.public_id, page.inner_text("table"))
        self.assertEqual(page.locator("tbody tr").count(), 1)
        self.assert_fits()
        self.assert_accessible()

    def test_language_switch(self):
        self.page.goto(self.url("/karte"))
        self.assertEqual(self.page.inner_text("h1"), "Karte der Meldungen")
        self.page.get_by_role("button", name="English").click()
        self.wait_until("document.documentElement.lang === 'en'")
        self.assertEqual(self.page.inner_text("h1"), "Map of reports")
        self.page.goto(self.url("/melden"))
        self.assertEqual(self.page.inner_text("h1"), "Report a problem")


class ScreenshotTests(MapBrowserTestCase):
    """Screenshots for the README: run with STADTLOTSE_SCREENSHOTS=docs/screenshots to (re)write them."""

    def test_screenshots(self):
        target = os.environ.get("STADTLOTSE_SCREENSHOTS")
        if not target:
            self.skipTest("set STADTLOTSE_SCREENSHOTS to a directory to write the screenshots")
        target = Path(target)
        target.mkdir(parents=True, exist_ok=True)
        ticket = report(place=HERMANNPLATZ, photos=[upload()])
        run_jobs()  # the photo job makes the public version
        report("licht-laterne", ALEXANDERPLATZ, answers={"art": "aus"})
        pages = {
            "report-form.png": ("/melden", {"width": 1280, "height": 900}),
            "report-form-phone.png": ("/melden", SMALL_SCREEN),
            "ticket.png": (ticket.get_absolute_url(), {"width": 1280, "height": 900}),
            "map.png": ("/karte", {"width": 1280, "height": 900}),
            "list.png": ("/karte/liste", SMALL_SCREEN),
        }
        for name, (path, viewport) in pages.items():
            self.page.set_viewport_size(viewport)
            self.page.goto(self.url(path))
            self.page.wait_for_load_state("networkidle")
            self.page.screenshot(path=str(target / name), full_page=True)
            self.assertTrue((target / name).stat().st_size > 1000)
