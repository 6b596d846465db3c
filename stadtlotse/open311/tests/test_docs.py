"""Every curl example in docs/open311.md runs against a live server and gets the answer the page promises."""

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from django.test import LiveServerTestCase, override_settings

from stadtlotse.accounts.models import ApiKey
from stadtlotse.catalog.loading import load_catalog
from stadtlotse.catalog.models import Department
from stadtlotse.testing.cases import report
from stadtlotse.open311.keys import ensure_demo_key
from stadtlotse.routing import areas
from stadtlotse.tickets.models import Ticket

DOC = Path(__file__).resolve().parents[3] / "docs" / "open311.md"
BLOCK = re.compile(r"(?:<!-- expect: (\d{3}) -->\n)?```sh\n(.*?)```", re.S)
# Prints the HTTP status after the body, without changing the commands as the page shows them.
CURL_WITH_STATUS = "curl() { command curl -w '\\n%{http_code}' \"$@\"; }\n"


def examples():
    return [(int(expect) if expect else None, code) for expect, code in BLOCK.findall(DOC.read_text("utf-8"))
            if "curl " in code]


@override_settings(RATELIMIT_ENABLE=False)
class DocumentedExamplesTests(LiveServerTestCase):
    host = "127.0.0.1"

    def setUp(self):
        areas.reset()
        load_catalog()
        self.addCleanup(areas.reset)
        _key, self.key, _created = ensure_demo_key()
        waste = Department.objects.get(slug="abfallwirtschaft")
        department_key, self.department_key = ApiKey.issue("SAP der BSR", "Abfallwirtschaft")
        department_key.department = waste
        department_key.save()
        self.ticket = report("abfall-sperrmuell")  # forwarded to the waste department on receipt

    def run_example(self, code):
        env = {"STADTLOTSE": self.live_server_url, "KEY": self.key, "DEPARTMENT_KEY": self.department_key,
               "TICKET": self.ticket.public_id, "PATH": "/usr/bin:/bin"}
        result = subprocess.run(["bash", "-c", CURL_WITH_STATUS + code], env=env, capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        body, _newline, status = result.stdout.rpartition("\n")
        return int(status), body

    def test_every_example(self):
        found = examples()
        self.assertGreaterEqual(len(found), 7)
        for expect, code in found:
            with self.subTest(example=code.splitlines()[0]):
                status, body = self.run_example(code)
                self.assertEqual(status, expect or (201 if "-X POST" in code else 200), body[:500])
                if ".json" in code.split("?")[0]:
                    data = json.loads(body)
                    self.assertTrue(data)
                else:
                    tree = ET.fromstring(body.encode())
                    if expect:
                        self.assertEqual(tree.tag, "errors")
        # The documented effects happened: a new report, and the department's update closed the ticket.
        self.assertEqual(Ticket.objects.count(), 2)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Ticket.Status.DONE)
        self.assertEqual(self.ticket.events.filter(actor_name="SAP der BSR").count(), 1)
