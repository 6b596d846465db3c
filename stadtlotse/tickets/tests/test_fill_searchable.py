"""bench/fill.py leaves its tickets searchable: it ends with `stadtlotse reindex` for what it added.
A real run of the script on its own SQLite database (migrations included, so it is marked slow)."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]


class FillIsSearchableTests(SimpleTestCase):
    def test_filled_tickets_are_in_the_search_index(self):
        data_dir = tempfile.mkdtemp(prefix="stadtlotse-fill-")
        self.addCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("STADTLOTSE_TEST")}
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "fill.py"), "--tickets", "60", "--batch", "25",
             "--data-dir", data_dir],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Reindexed 60 ticket(s)", result.stdout)
        self.assertNotIn("tickets  ", result.stderr)  # no progress line without a terminal
        with sqlite3.connect(Path(data_dir) / "stadtlotse.sqlite3") as db:
            tickets = db.execute("SELECT COUNT(*) FROM tickets_ticket").fetchone()[0]
            documents = db.execute("SELECT COUNT(*) FROM tickets_search").fetchone()[0]
        self.assertEqual((tickets, documents), (60, 60))
