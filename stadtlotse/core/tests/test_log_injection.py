"""A request cannot write a forged line into the plain log: control characters arrive escaped."""

import io
import logging

from django.conf import settings

from stadtlotse.core import logs
from stadtlotse.testing.cases import StadtlotseTestCase

FORGED = "2026-12-04 01:00:00,000 INFO stadtlotse.request [abc] \"GET /backoffice/\" 200 1.0ms"


class PlainLogTests(StadtlotseTestCase):
    def setUp(self):
        # The handler and formatter the settings configure for LOG_FORMAT=plain, writing to a buffer.
        self.output = io.StringIO()
        handler = logging.StreamHandler(self.output)
        plain = settings.LOGGING["formatters"]["plain"]
        formatter_class = plain.get("()", "logging.Formatter")
        module, _dot, name = formatter_class.rpartition(".")
        handler.setFormatter(getattr(__import__(module, fromlist=[name]), name)(plain["format"]))
        handler.addFilter(logs.RequestIdFilter())
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)

    def lines(self):
        return self.output.getvalue().splitlines()

    def test_a_newline_in_the_path_does_not_start_a_line(self):
        response = self.client.get("/%0a" + FORGED.replace(" ", "%20"))
        self.assertEqual(response.status_code, 404)
        lines = [line for line in self.lines() if "stadtlotse.request" in line]
        self.assertEqual(len(lines), 1, self.output.getvalue())
        self.assertIn(f"\"GET /\\n{FORGED}", lines[0])
        self.assertFalse(any(line.startswith("2026-12-04 01:00:00") for line in self.lines()))

    def test_other_control_characters_are_escaped(self):
        self.client.get("/%0d%1b[31m%7f%c2%85%e2%80%a8x")
        (line,) = [line for line in self.lines() if "stadtlotse.request" in line]
        self.assertIn("/\\r\\x1b[31m\\x7f\\x85\\u2028x", line)
        self.assertNotRegex(line, "[\x00-\x1f\x7f-\x9f\u2028\u2029]")

    def test_any_logged_header_is_escaped(self):
        # Library and Django lines carry values from requests too (a user agent, a referrer, a host).
        logging.getLogger("django.security").warning("User agent %s, referrer %s", "curl\r\nFORGED", "x\ny")
        self.assertEqual(len(self.lines()), 1)
        self.assertIn("User agent curl\\r\\nFORGED, referrer x\\ny", self.lines()[0])

    def test_a_traceback_keeps_its_lines_but_cannot_start_one(self):
        try:
            raise ValueError(f"bad value\n{FORGED}")
        except ValueError:
            logging.getLogger("stadtlotse").exception("failed on %s", "a\nb")
        first, *rest = self.lines()
        self.assertIn("failed on a\\nb", first)
        self.assertIn("Traceback", self.output.getvalue())
        self.assertGreater(len(rest), 2)
        self.assertTrue(all(line.startswith("    ") for line in rest), rest)

    def test_json_lines_stay_one_object_per_line(self):
        with self.assertLogs("stadtlotse.request", "INFO") as captured:
            self.client.get("/%0aforged")
        line = logs.JsonFormatter().format(captured.records[0])
        self.assertEqual(len(line.splitlines()), 1)
