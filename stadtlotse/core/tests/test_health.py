"""/healthz, the per-request log line with its request id, and the 503 page when the database is down."""

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from django.db import OperationalError
from django.test import Client, SimpleTestCase, override_settings
from django.urls import path
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stadtlotse.core import logs
from stadtlotse.testing.smtp import free_port
from stadtlotse.testing.cases import StadtlotseTestCase, report
from stadtlotse.notifications.tasks import schedule_daily_digest


def stadtlotse_settings(**changes):
    from django.conf import settings

    return override_settings(STADTLOTSE={**settings.STADTLOTSE, **changes})


class HealthzTests(StadtlotseTestCase):
    def get(self):
        response = self.client.get("/healthz")
        return response, response.json()

    def test_healthy_installation(self):
        report()  # a job is due right now: no lag yet
        response, body = self.get()
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(set(body["checks"]), {"database", "cache", "jobs", "disk"})
        self.assertTrue(all(check["ok"] for check in body["checks"].values()))
        self.assertLess(body["checks"]["jobs"]["oldest_ready_seconds"], 60)
        self.assertGreater(body["checks"]["disk"]["free_mb"], 0)
        self.assertEqual(response["Cache-Control"], "max-age=0, no-cache, no-store, must-revalidate, private")

    def test_a_job_waiting_too_long_means_the_worker_is_missing(self):
        report()
        DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
        response, body = self.get()
        self.assertEqual(response.status_code, 503)
        jobs = body["checks"]["jobs"]
        self.assertEqual((jobs["ok"], jobs["limit_seconds"]), (False, 300))
        self.assertGreaterEqual(jobs["oldest_ready_seconds"], 600)
        self.assertIn("worker", jobs["error"])
        with stadtlotse_settings(HEALTH_MAX_JOB_LAG_SECONDS=3600):
            self.assertEqual(self.get()[0].status_code, 200)

    def test_jobs_scheduled_for_later_are_not_lag(self):
        schedule_daily_digest()  # runs tomorrow morning
        DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(days=2))
        response, body = self.get()
        self.assertEqual(body["checks"]["jobs"]["oldest_ready_seconds"], 0, body)
        self.assertEqual(response.status_code, 200)

    def test_almost_full_disk(self):
        with stadtlotse_settings(HEALTH_MIN_FREE_DISK_MB=10**12):
            response, body = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(body["checks"]["disk"]["ok"], False)
        self.assertIn("almost full", body["checks"]["disk"]["error"])


class RequestLogTests(StadtlotseTestCase):
    def test_one_line_per_request_with_its_id_in_the_header(self):
        with self.assertLogs("stadtlotse.request", "INFO") as captured:
            response = self.client.get("/melden", headers={"accept-language": "de"})
        self.assertEqual(len(captured.records), 1)
        record = captured.records[0]
        self.assertEqual(record.request_id, response["X-Request-ID"])
        self.assertRegex(record.request_id, r"^[0-9a-f]{32}$")
        self.assertEqual((record.method, record.path, record.status), ("GET", "/melden", response.status_code))
        self.assertEqual(record.view, "publicweb:report")
        self.assertIsNone(record.user_id)
        line = json.loads(logs.JsonFormatter().format(record))
        self.assertEqual(line["request_id"], record.request_id)
        self.assertEqual((line["status"], line["logger"], line["level"]), (response.status_code, "stadtlotse.request", "INFO"))
        self.assertIsInstance(line["duration_ms"], float)

    def test_the_proxys_request_id_is_kept_but_not_anything(self):
        with self.assertLogs("stadtlotse.request", "INFO"):
            kept = self.client.get("/healthz", headers={"x-request-id": "nginx-4f2a9c0d1e"})
            replaced = self.client.get("/healthz", headers={"x-request-id": "x\" injected=1 <script>"})
        self.assertEqual(kept["X-Request-ID"], "nginx-4f2a9c0d1e")
        self.assertRegex(replaced["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_private_link_tokens_never_reach_the_log(self):
        ticket = report()
        url = reverse("publicweb:private", args=[ticket.public_id, ticket.access_token])
        with self.assertLogs("stadtlotse.request", "INFO") as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertNotIn(ticket.access_token, "\n".join(captured.output))
        self.assertEqual(captured.records[0].path, f"/t/{ticket.public_id}/[hidden]")

    def test_other_lines_of_a_request_carry_its_id(self):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
        token = logs.request_id_var.set("abc123")
        try:
            logs.RequestIdFilter().filter(record)
        finally:
            logs.request_id_var.reset(token)
        self.assertEqual(record.request_id, "abc123")


def _raises(error):
    def view(request):
        raise error
    return view


urlpatterns = [
    path("bug", _raises(ValueError("secret detail"))),
    path("locked", _raises(OperationalError("database is locked"))),
    path("bad-sql", _raises(OperationalError("no such column: secret_column"))),
    path("open311/locked", _raises(OperationalError("connection refused"))),
]
handler500 = "stadtlotse.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
class ErrorPageTests(SimpleTestCase):
    def get(self, path):
        return Client(raise_request_exception=False).get(path)

    def test_a_bug_is_a_plain_500_without_details(self):
        with self.assertLogs("django.request", "ERROR"):
            response = self.get("/bug")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Ein Fehler ist aufgetreten", status_code=500)
        self.assertContains(response, "An error occurred", status_code=500)
        self.assertNotContains(response, "secret detail", status_code=500)
        self.assertFalse(response.has_header("Retry-After"))

    def test_an_unreachable_database_is_503_a_broken_query_is_not(self):
        with self.assertLogs("django.request", "ERROR"):
            locked, bad = self.get("/locked"), self.get("/bad-sql")
            api = self.get("/open311/locked")
        self.assertEqual((locked.status_code, locked["Retry-After"]), (503, "30"))
        self.assertContains(locked, "vorübergehend nicht erreichbar", status_code=503)
        self.assertEqual(bad.status_code, 500)
        self.assertNotContains(bad, "secret_column", status_code=500)
        self.assertEqual(api.json(), [{"code": 503, "description": "Service temporarily unavailable, please retry later."}])


class DatabaseOutageTests(SimpleTestCase):
    """A real gunicorn whose database does not answer (nothing listens on its port)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.port = free_port()
        env = {**os.environ, "DATABASE_URL": f"postgres://stadtlotse@127.0.0.1:{free_port()}/stadtlotse",
               "SECRET_KEY": "s" * 50, "DEBUG": "false", "LOG_FORMAT": "json", "STATIC_MANIFEST": "false",
               "STADTLOTSE_DATA_DIR": tempfile.mkdtemp(prefix="stadtlotse-outage-")}
        cls.addClassCleanup(shutil.rmtree, env["STADTLOTSE_DATA_DIR"], ignore_errors=True)
        env.pop("REDIS_URL", None)
        cls.log = tempfile.TemporaryFile(mode="w+")
        cls.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "stadtlotse.wsgi:application", "--bind", f"127.0.0.1:{cls.port}",
             "--workers", "1"], env=env, stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                cls.fetch("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    cls.server.kill()
                    raise
                time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=20)
        cls.log.close()
        super().tearDownClass()

    def log_lines(self, request_id, *, until):
        """The server's JSON log lines for `request_id`, read until `until(lines)` holds (at most 10 s)."""
        # The server process writes on its own schedule: wait for the line itself, not a fixed time.
        deadline = time.monotonic() + 10
        while True:
            self.log.seek(0)
            lines = [json.loads(line) for line in self.log if line.startswith("{")]
            ours = [line for line in lines if line.get("request_id") == request_id]
            if until(ours) or time.monotonic() > deadline:
                return ours
            time.sleep(0.05)

    @classmethod
    def fetch(cls, path, **headers):
        request = urllib.request.Request(f"http://127.0.0.1:{cls.port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def test_pages_answer_503_in_german_and_english_without_a_stack_trace(self):
        for path in ("/", "/melden", "/t/SL-2026-0042", "/karte/liste"):
            with self.subTest(path):
                status, headers, body = self.fetch(path, **{"Accept-Language": "en"})
                self.assertEqual(status, 503)
                self.assertEqual(headers["Retry-After"], "30")
                self.assertIn("Stadtlotse ist vorübergehend nicht erreichbar", body)
                self.assertIn("Stadtlotse is temporarily unavailable", body)
                for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1"):
                    self.assertNotIn(leak, body)

    def test_open311_gets_an_error_list(self):
        status, headers, body = self.fetch("/open311/v2/services.json")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body), [{"code": 503, "description": "Service temporarily unavailable, please retry later."}])

    def test_healthz_names_the_database(self):
        status, _headers, body = self.fetch("/healthz")
        self.assertEqual(status, 503)
        checks = json.loads(body)["checks"]
        self.assertFalse(checks["database"]["ok"])
        self.assertIn("OperationalError", checks["database"]["error"])
        self.assertEqual(checks["jobs"]["error"], "not checked: the database is unavailable")

    def test_the_log_has_one_json_line_per_request_with_its_id(self):
        _status, headers, _body = self.fetch("/melden")
        ours = self.log_lines(headers["X-Request-ID"], until=lambda ours: any(
            line["logger"] == "stadtlotse.request" for line in ours))
        request_lines = [line for line in ours if line["logger"] == "stadtlotse.request"]
        self.assertEqual(len(request_lines), 1, ours)
        self.assertEqual((request_lines[0]["status"], request_lines[0]["path"]), (503, "/melden"))
        # The failure itself is logged with its traceback for the operator, under the same request id.
        self.assertTrue(any(line["level"] == "ERROR" and "OperationalError" in line.get("exception", "") for line in ours))
