"""`make audit` (bin/audit): finds a known vulnerability in a local advisory export, and stops at
once with a clear message when no advisories can be reached, instead of passing or hanging."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from django.test import SimpleTestCase

from stadtlotse.testing.smtp import free_port

AUDIT = Path(__file__).resolve().parents[3] / "bin" / "audit"
# A made-up advisory against the defusedxml release pinned in pyproject.toml.
ADVISORY = {
    "schema_version": "1.6.0", "id": "STADTLOTSE-TEST-1", "summary": "Made-up advisory for the audit test",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "DefusedXML"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}]}],
}


def audit(**env):
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(AUDIT)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "AUDIT_TIMEOUT": "2", **env})
    return result, time.monotonic() - started


class AuditTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="stadtlotse-osv-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def test_a_known_vulnerability_in_a_local_export_fails_the_audit(self):
        archive = self.folder / "all.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("STADTLOTSE-TEST-1.json", json.dumps(ADVISORY))
            zf.writestr("OTHER-1.json", json.dumps({**ADVISORY, "id": "OTHER-1", "affected": [
                {"package": {"ecosystem": "PyPI", "name": "defusedxml"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.1"}]}]}]}))
        result, _seconds = audit(AUDIT_DB=str(archive))
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("STADTLOTSE-TEST-1", result.stdout)
        self.assertNotIn("OTHER-1", result.stdout)  # fixed long before the installed release

    def test_an_export_without_matching_advisories_passes(self):
        (self.folder / "OTHER-1.json").write_text(json.dumps({**ADVISORY, "affected": [
            {"package": {"ecosystem": "PyPI", "name": "not-installed-here"}, "versions": ["1.0"]}]}))
        result, _seconds = audit(AUDIT_DB=str(self.folder))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_no_service_listening_stops_at_once(self):
        result, seconds = audit(AUDIT_OSV_URL=f"http://127.0.0.1:{free_port()}/v1/query")
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot be reached", result.stderr)
        self.assertIn("Nothing was checked", result.stderr)
        self.assertLess(seconds, 30)

    def test_a_service_that_never_answers_does_not_hang_the_audit(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            result, seconds = audit(AUDIT_OSV_URL=f"http://127.0.0.1:{silent.getsockname()[1]}/v1/query")
        self.assertEqual(result.returncode, 2)
        self.assertIn("timed out", result.stderr)
        self.assertLess(seconds, 30)
