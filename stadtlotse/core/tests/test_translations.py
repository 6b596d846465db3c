"""German comes first: every translatable string in code and templates has a German translation."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[2]
PO_FILE = PACKAGE / "locale" / "de" / "LC_MESSAGES" / "django.po"


def read_po(path):
    """{msgid: translated?} for a .po file (enough of the format for xgettext's output)."""
    entries, msgid, msgstr, current, fuzzy, flags = {}, None, None, None, False, ""

    def flush():
        if msgid:
            entries[msgid] = bool(msgstr) and not fuzzy

    for raw in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            msgid, msgstr, current, fuzzy = None, None, None, False
        elif line.startswith("#,"):
            flags = line
            fuzzy = "fuzzy" in flags
        elif line.startswith("msgid "):
            msgid, current = eval(line[6:]), "id"  # noqa: S307 - a quoted string literal from our own .po file
        elif line.startswith("msgid_plural"):
            current = "plural"
        elif line.startswith("msgstr"):
            msgstr, current = eval(line.split(" ", 1)[1]), "str"  # noqa: S307
        elif line.startswith('"'):
            text = eval(line)  # noqa: S307
            if current == "id":
                msgid += text
            elif current == "str":
                msgstr = (msgstr or "") + text
    return entries


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
        missing = sorted(msgid for msgid in current if not committed.get(msgid))
        self.assertEqual(missing, [], "untranslated strings: run makemessages and translate them in django.po")
