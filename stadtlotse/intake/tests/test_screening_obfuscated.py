"""Contact data written so that a plain pattern misses it, and the reporter naming themselves (issue 13).

Two labelled sets: `screening_obfuscated_tuning.jsonl`, on which the patterns were tuned, and
`screening_obfuscated_heldout.jsonl`, written before any tuning and not changed since (its hash is
checked below), on which the figures in docs/abuse.md are measured.
"""

import csv
import hashlib
import json
import os
import time
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase
from django.utils import translation

from stadtlotse.testing.cases import StadtlotseTestCase, category, report
from stadtlotse.intake import screening
from stadtlotse.intake.screening import PERSONAL_DATA
from stadtlotse.tickets.models import Ticket

DATA = Path(__file__).parent / "data"
TUNING_SET = DATA / "screening_obfuscated_tuning.jsonl"
HELD_OUT_SET = DATA / "screening_obfuscated_heldout.jsonl"
HELD_OUT_SHA256 = "551b9143602cb210910b92524b554ca2f3984f44a737ae344ee226cf43ff20a3"
# Real reports beside the checkout (../shared); the unverified-licence ones are read here, never copied.
SHARED_REPORTS = Path(os.environ.get("STADTLOTSE_SHARED_DIR", Path(__file__).resolve().parents[4] / "shared")) \
    / "data" / "reports"


def reasons(text):
    return {flag.reason for flag in screening.screen(text)}


def rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class ObfuscatedContactDataTests(SimpleTestCase):
    def test_the_forms_from_the_issue_are_personal_data(self):
        for text, reason in (
            ("Rückfragen an name＠example.org bitte", "email"),                                  # full-width @
            ("Kontakt: jana punkt weber bei example punkt org", "email"),
            ("erreichbar at gmx dot de", "email"),
            ("Schreiben Sie an tom.meyer (at) web (dot) de", "email"),
            ("Mail: renate[ät]posteo[punkt]de", "email"),
            ("E-Mail schmidt @ t-online . de", "email"),
            ("Rückruf bitte: 0 1 7 0 - 1 2 3 4 5 6 7", "phone"),                                 # spaced digits
            ("Tel: 0l70 l234567", "phone"),                                                      # l for 1
            ("Tel. O30 5551234", "phone"),                                                       # O for 0
            ("Handy 0170.555.12.34", "phone"),                                                   # dotted groups
            ("Telefonnummer: ０３０ ５５５ １２３４", "phone"),                                       # full-width
            ("Meine Nummer ist null eins sieben null, eins zwei drei, vier fünf sechs sieben", "phone"),
            ("call zero one five one two three four five six seven eight", "phone"),
            ("Rückruf: plus vier neun eins sieben null eins zwei drei vier fünf sechs sieben", "phone"),
            ("Meine Handynummer ist 0151 eins zwei drei vier fünf sechs sieben", "phone"),
            ("Meine Handynummer: 0176 fünf fünf fünf 1234", "phone"),
            ("meine Nummer ist 555 12 34, bitte abends", "phone"),                             # no area code
            ("Mein Name ist Paul Wendt und vor dem Haus liegt Müll.", "own_name"),
            ("Ich heiße Andrea Lang, die Mülltonnen brennen wieder.", "own_name"),
            ("ich heisse Petra, am Kanal liegt ein Schwan.", "own_name"),
            ("My name is Sarah Connor, the bench is broken.", "own_name"),
            ("Ich bin Maria aus dem Nachbarhaus, hier liegt Glas.", "own_name"),
            ("Bitte beseitigen. Mit freundlichen Grüßen Antje Willner", "own_name"),
            ("Danke! Viele Grüße, Frau Geyer", "own_name"),
            ("Ich wohne in der Gartenstraße 12 und vor dem Haus liegt Müll.", "own_address"),
            ("ich wohne in der Oranienstr.127 10999 Berlin", "own_address"),
            ("wohnhaft Dorfstraße 3a, Laub auf dem Radweg", "own_address"),
            ("Meine Adresse: Kiefholzstraße 220, 12437 Berlin", "own_address"),
        ):
            with self.subTest(text=text):
                self.assertIn(reason, reasons(text))
                self.assertIn(PERSONAL_DATA, screening.kinds(screening.screen(text)))

    def test_ordinary_reports_naming_the_place_of_the_problem_are_not_personal_data(self):
        for text in (
            "Vor der Hauptstraße 12 liegt Sperrmüll.", "Die Straßenlaterne vor dem Haus Oppelner Straße 28 leuchtet nicht.",
            "Ich wohne gegenüber und sehe jeden Abend, wie hier Müll abgeladen wird.",
            "Ich wohne seit 19 Jahren hier, so schlimm war es noch nie.",
            "Ich wohne in der Nähe. Vor der Bergstraße 5 liegt Glas.",
            "Hallo, ich bin Anwohnerin und bitte um Reinigung des Spielplatzes.",
            "Ich heiße den neuen Radweg willkommen, aber die Markierung an der Yorckstraße 60 fehlt.",
            "Mein Name ist nicht wichtig, aber der Spielplatz ist voller Scherben.",
            "Eins, zwei, drei Einkaufswagen stehen im Kanal.", "Zwischen null und sechs Uhr ist es laut.",
            "Es liegen 1 2 3 4 Säcke.", "Haus 4, drei Säcke Müll.", "Meine Hausnummer ist 12, davor liegt Glas.", "Am 03.04.2024 um 14:30 lag dort Sperrmüll.", "Seit dem 01.12. 2023 steht er dort.",
            "Punkt 22 Uhr gehen alle Laternen aus.", "Die Firma bei der Ecke stellt Paletten auf den Gehweg.",
            "Ein Ast liegt auf der Fahrbahn at the corner.", "Mit freundlichen Grüßen und vielen Dank!",
            "Die Öffnungszeiten 8 - 12 und 14 - 18 Uhr stehen nicht am Recyclinghof.",
        ):
            with self.subTest(text=text):
                self.assertNotIn(PERSONAL_DATA, screening.kinds(screening.screen(text)))

    def test_the_contact_view_reads_numbers_and_addresses_as_meant(self):
        for text, view in (
            ("name＠example．org", "name@example.org"), ("0l70 l234567", "0170 1234567"), ("O176", "0176"),
            ("null eins sieben null, eins zwei", "017012"), ("plus vier neun eins sieben", "+4917"),
            ("0 1 7 0 - 1 2 3", "0170123"), ("0170.555.12.34", "01705551234"), ("0176 / 98 76", "0176/98 76"),
            ("Oder", "Oder"), ("lOl", "lOl"), ("eins, zwei, drei", "eins, zwei, drei"), ("03.04.2024", "03.04.2024"),
        ):
            with self.subTest(text=text):
                self.assertEqual(screening.contact_view(text), view)

    def test_the_desk_reads_the_new_reasons_in_german(self):
        with translation.override("de"):
            self.assertEqual(screening.describe({"kind": PERSONAL_DATA, "reason": "own_name"}),
                             "persönliche Daten: ein Name, den die meldende Person als ihren eigenen angibt")
            self.assertEqual(screening.describe({"kind": PERSONAL_DATA, "reason": "own_address"}),
                             "persönliche Daten: eine Adresse, die die meldende Person als ihre Wohnadresse angibt")

    def test_long_hostile_runs_are_screened_quickly(self):
        # Before the patterns were bounded, each of these took about half a second.
        for text in ("a." * 2500, "0l" * 2500, "x-" * 2500, "012." * 1250, "a . " * 1250, "null " * 1000):
            with self.subTest(text=text[:10]):
                started = time.perf_counter()
                screening.screen(text)
                self.assertLess(time.perf_counter() - started, 0.25)


class ObfuscatedLabelledSetTests(SimpleTestCase):
    def test_the_held_out_set_is_the_one_written_before_tuning(self):
        self.assertEqual(hashlib.sha256(HELD_OUT_SET.read_bytes()).hexdigest(), HELD_OUT_SHA256)

    def test_both_sets_are_labelled_and_mixed(self):
        for path in (TUNING_SET, HELD_OUT_SET):
            with self.subTest(path=path.name):
                labelled = rows(path)
                self.assertGreaterEqual(sum(1 for row in labelled if row["labels"] == [PERSONAL_DATA]), 40)
                self.assertGreaterEqual(sum(1 for row in labelled if not row["labels"]), 40)
        tuning_texts = {row["text"] for row in rows(TUNING_SET)}
        overlap = [row["text"] for row in rows(HELD_OUT_SET) if row["text"] in tuning_texts]
        self.assertEqual(overlap, ["Vor der Hauptstraße 12 liegt Sperrmüll."])  # the issue's own example

    def test_recall_and_precision_on_both_sets(self):
        # Held-out: the figure that counts; tuning: what the patterns were fitted to, so a higher bar.
        for path, least in ((HELD_OUT_SET, 0.90), (TUNING_SET, 0.95)):
            with self.subTest(path=path.name):
                result = screening.measure(rows(path))
                figures = result["kinds"][PERSONAL_DATA]
                self.assertGreaterEqual(figures["recall"], least)
                self.assertGreaterEqual(figures["precision"], 0.95)
                self.assertLessEqual(result["clean"]["rate"], 0.05)


@skipUnless((SHARED_REPORTS / "unverified-licence").is_dir(),
            "needs ../shared/data/reports (real report texts kept outside the repository; STADTLOTSE_SHARED_DIR)")
class RealReportsTests(SimpleTestCase):
    """Real, unlabelled reports of Berlin, Munich and Konstanz: nearly all are ordinary, so few may be flagged."""

    def texts(self):
        berlin = json.loads((SHARED_REPORTS / "berlin-ordnungsamt-online-2017-2024.json").read_text(encoding="utf-8"))
        yield "berlin", [r.get("sachverhalt") or "" for r in berlin["records"]]
        for name, column in (("muenchen-open311-mach-muenchen-besser-2021-2025.csv", "description"),
                             ("konstanz-maengelmelder-2022-2026.csv", "text_raw")):
            with (SHARED_REPORTS / "unverified-licence" / name).open(encoding="utf-8", newline="") as file:
                yield name, [row.get(column) or "" for row in csv.DictReader(file)]

    def test_at_most_one_report_in_a_hundred_is_flagged_for_personal_data(self):
        for name, texts in self.texts():
            texts = [" ".join(t.split()) for t in texts if len(t.strip()) >= 10]
            flagged = sum(1 for t in texts if PERSONAL_DATA in screening.kinds(screening.personal_data_flags(t)))
            with self.subTest(collection=name, flagged=flagged, texts=len(texts)):
                self.assertLessEqual(flagged / len(texts), 0.01)


class IntakeOfObfuscatedContactDataTests(StadtlotseTestCase):
    def test_obfuscated_contact_data_in_a_direct_category_waits_for_moderation(self):
        self.assertFalse(category("strasse-schlagloch").needs_moderation)
        for description in ("Schlagloch vor Haus 4. Rückfragen an name＠example.org",
                            "Schlagloch vor Haus 4, Rückruf 0l70 l234567",
                            "Mein Name ist Paul Wendt, vor Haus 4 ist ein Schlagloch."):
            with self.subTest(description=description):
                ticket = report("strasse-schlagloch", description=description)
                self.assertEqual(ticket.publication, Ticket.Publication.PENDING)
                self.assertEqual(screening.kinds(ticket.flags), {PERSONAL_DATA})

    def test_the_problem_address_in_a_direct_category_is_still_published(self):
        ticket = report("strasse-schlagloch", description="Vor der Hauptstraße 12 ist ein tiefes Schlagloch.")
        self.assertEqual((ticket.publication, ticket.flags), (Ticket.Publication.PUBLISHED, []))

    def test_contact_data_in_the_address_field_waits_for_moderation(self):
        # Red-team pass: only the description was screened, but the address is published too (ticket
        # page, Open311 "address"), so "Hermannplatz 5, Tel. 0176 5551234" went out in a direct category.
        for address in ("Hermannplatz 5, Tel. 0176 5551234", "Hermannplatz 5, bei rita＠example.org",
                        "Mein Name ist Paul Wendt, Hermannplatz 5"):
            with self.subTest(address=address):
                ticket = report("strasse-schlagloch", description="Tiefes Schlagloch auf der Fahrbahn.",
                                address=address)
                self.assertEqual(ticket.publication, Ticket.Publication.PENDING)
                self.assertEqual(screening.kinds(ticket.flags), {PERSONAL_DATA})
        for address in ("Karl-Marx-Straße 12, 12043 Berlin", "Am Tempelhofer Berg 7d, Hinterhaus, 3. OG links",
                        "Straße des 17. Juni 135"):
            with self.subTest(address=address):
                ticket = report("strasse-schlagloch", description="Tiefes Schlagloch auf der Fahrbahn.",
                                address=address)
                self.assertEqual((ticket.publication, ticket.flags), (Ticket.Publication.PUBLISHED, []))
