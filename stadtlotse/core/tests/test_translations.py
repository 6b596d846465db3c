"""German comes first: every translatable string in code and templates has a German translation."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[2]
PO_FILE = PACKAGE / "locale" / "de" / "LC_MESSAGES" / "django.po"


def read_po(path):
    """{(context, msgid): translated?} for a .po file, read by polib (fuzzy and empty count as untranslated)."""
    return {(entry.msgctxt, entry.msgid): entry.translated() for entry in polib.pofile(str(path)) if not entry.obsolete}


class TranslationTests(SimpleTestCase):
    def test_every_string_has_a_german_translation(self):
        if not shutil.which("xgettext"):
            self.fail("xgettext is missing: install Debian's gettext package (make test does).")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "stadtlotse"
            shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
            subprocess.run(
                [sys.executable, "-m", "stadtlotse", "makemessages", "-l", "de", "--no-location", "-v0"],
                cwd=copy, check=True, timeout=120,
                env={**os.environ, "STADTLOTSE_ALLOW_INSECURE_KEY": "true"},
            )
            current = read_po(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")
        committed = read_po(PO_FILE)
        missing = sorted(msgid for (context, msgid) in current if not committed.get((context, msgid)))
        self.assertEqual(missing, [], "untranslated strings: run makemessages and translate them in django.po")

    def test_the_reader_counts_fuzzy_empty_and_half_translated_plurals_as_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "django.po"
            path.write_text(
                'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                'msgid "Done"\nmsgstr "Erledigt"\n\n'
                '#, fuzzy\nmsgid "Open"\nmsgstr "Offen"\n\n'
                'msgid "Empty"\nmsgstr ""\n\n'
                'msgid "one report"\nmsgid_plural "%d reports"\nmsgstr[0] "eine Meldung"\nmsgstr[1] ""\n\n'
                'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n'
                'msgid "a \\"quoted\\" "\n"word"\nmsgstr "ein „zitiertes“ Wort"\n',
                encoding="utf-8",
            )
            entries = read_po(path)
        self.assertEqual(entries, {
            (None, "Done"): True, (None, "Open"): False, (None, "Empty"): False,
            (None, "one report"): False, ("month", "May"): True, (None, 'a "quoted" word'): True,
        })
