"""The ticket id's shape, defined once in tickets/ids.py and used by URLs, forms, search and mail."""

import re

from django.test import SimpleTestCase

from stadtlotse.tickets import ids


class TicketIdTests(SimpleTestCase):
    def test_the_strict_forms_agree_on_what_an_id_is(self):
        url = re.compile(rf"^{ids.URL_PATTERN}$")
        for text, is_id in [("SL-2026-0042", True), ("sl-2026-123456789", True), ("BERLIN-1999-0001", True),
                            ("SL-2026-42", False), ("SL 2026 0042", False), ("SL-26-0042", False),
                            ("SL-2026-1234567890", False), ("<script>", False), ("", False)]:
            with self.subTest(text=text):
                self.assertIs(bool(url.match(text)), is_id)
                self.assertIs(bool(re.match(ids.EXACT, text)), is_id)
                self.assertIs(bool(ids.SEARCH.match(f"  {text} ")), is_id)

    def test_an_id_is_found_inside_text(self):
        match = ids.IN_TEXT.search("Re: Ihre Meldung SL-2026-0042 (Sperrmüll)")
        self.assertEqual(match.group(1), "SL-2026-0042")
        self.assertIsNone(ids.IN_TEXT.search("Bestellnummer XSL-2026-00421Z"))

    def test_what_residents_type_is_read_as_the_id_they_meant(self):
        for typed in ("SL-2026-0042", "sl 2026 42", "  Sl2026-042 ", "sl-2026-0042"):
            with self.subTest(typed=typed):
                self.assertEqual(ids.parse_typed(typed), "SL-2026-0042")
        self.assertEqual(ids.parse_typed("sl 2026 123456"), "SL-2026-123456")
        for typed in ("", "2026-0042", "SL-0042", "SL-2026-", "SL-2026-0042; DROP"):
            with self.subTest(typed=typed):
                self.assertIsNone(ids.parse_typed(typed))

    def test_the_id_intake_hands_out_matches_the_strict_form(self):
        self.assertEqual(ids.format_id("SL", 2026, 42), "SL-2026-0042")
        self.assertEqual(ids.format_id("SL", 2026, 123456), "SL-2026-123456")
        self.assertRegex(ids.format_id("HAMM", 2027, 1), ids.EXACT)
        self.assertEqual(ids.parse_typed(ids.format_id("SL", 2026, 7)), "SL-2026-0007")
