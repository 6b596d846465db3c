"""The crash test of bench/crash.py in small: reports while web and worker are SIGKILLed; nothing is lost or doubled.

The full run (300 to 2,000 reports) is a benchmark; see docs/performance.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django.test import SimpleTestCase

CRASH = Path(__file__).resolve().parents[3] / "bench" / "crash.py"


class CrashTests(SimpleTestCase):
    databases = {"default"}  # only to create the crash test's own PostgreSQL database

    def crash(self, *args):
        env = {key: value for key, value in os.environ.items() if not key.startswith("STADTLOTSE_TEST")}
        # --pace: at least ~6 s of sending, so even a fast machine sees several kills (the killer's clock is seeded).
        command = [sys.executable, str(CRASH), "--reports", "50", "--clients", "6", "--kill-every", "0.8",
                   "--pace", "0.7", "--seconds", "150", *args]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        return result.returncode, summary

    def drop(self, name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def test_reports_survive_kills_exactly_once(self):
        args = []
        if connection.vendor == "postgresql":
            # Its own database next to the test database, emptied by the crash test.
            name = connection.settings_dict["NAME"] + "_crash"
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
            self.addCleanup(self.drop, name)
            db = connection.settings_dict
            args = ["--database-url", f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"]
        status, summary = self.crash(*args)
        self.assertEqual(summary["problems"], [], summary)
        self.assertEqual(status, 0)
        self.assertEqual(summary["acknowledged"], 50)
        self.assertGreaterEqual(sum(summary["kills"].values()), 3, summary)
        self.assertGreater(summary["sent_more_than_once"], 0, "some reports were sent again after a kill or a hang-up")
