"""The scaled set-up in small: two web processes and two job workers on one PostgreSQL and one Redis.

What must hold when a city runs several machines: every job runs exactly once (two workers claim
from the same queue), rate limits count across processes (a limit per process would multiply
with every machine), and a session made on one process is valid on the other (a load balancer
may send each request elsewhere). PostgreSQL and Redis only; skipped where either is missing.
"""

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.db import connection
from django.test import SimpleTestCase

from stadtlotse.testing.smtp import SMTPServer, free_port
from stadtlotse.testing.cases import missing_server

REDIS_URL = os.environ.get("STADTLOTSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
REPORTS = 24
PASSWORD = "Mehrere-Prozesse-2026!"


def redis_answers():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


class SeveralProcessesTests(SimpleTestCase):
    databases = {"default"}  # only to create this test's own database

    def setUp(self):
        if connection.vendor != "postgresql":
            raise unittest.SkipTest("needs PostgreSQL (DATABASE_URL)")
        if not redis_answers():
            missing_server(f"needs Redis at {REDIS_URL}")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        db = connection.settings_dict
        name = db["NAME"] + "_multi"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        self.addCleanup(self.drop_database, name)
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        data_dir = tempfile.mkdtemp(prefix="stadtlotse-multi-")
        self.addCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        self.smtp = SMTPServer()
        self.smtp.__enter__()
        self.addCleanup(self.smtp.__exit__, None, None, None)
        self.ports = [free_port(), free_port()]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STADTLOTSE_TEST", "REDIS_URL"))}
        env.pop("STADTLOTSE_ALLOW_INSECURE_KEY", None)
        env.update({
            "DATABASE_URL": f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            "REDIS_URL": REDIS_URL, "STADTLOTSE_DATA_DIR": data_dir, "SECRET_KEY": "m" * 50, "DEBUG": "false",
            "SITE_URL": f"http://127.0.0.1:{self.ports[0]}", "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_MANIFEST": "false", "LOG_LEVEL": "WARNING", "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            # Generous for reports (the jobs part sends many from one address), strict for logins.
            "STADTLOTSE_REPORT_RATE_PER_IP": "1000/600", "STADTLOTSE_REPORT_RATE_PER_EMAIL": "1000/600",
            "LOGIN_FAILURES_PER_ACCOUNT": "5/900", "STAFF_2FA_REQUIRED": "none",
        })
        self.env = env
        manage = [sys.executable, "-m", "stadtlotse"]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
        subprocess.run([*manage, "shell", "--no-imports", "-c",
                        "from stadtlotse.catalog.loading import load_catalog; load_catalog()\n"
                        "from stadtlotse.accounts.models import User\n"
                        f"User.objects.create_user('dora', password='{PASSWORD}', role='desk')\n"
                        f"User.objects.create_user('emil', password='{PASSWORD}', role='desk')"],
                       env=env, check=True)
        self.log = tempfile.TemporaryFile(mode="w+")
        self.processes = []
        for port in self.ports:
            self.start([sys.executable, "-m", "gunicorn", "stadtlotse.wsgi:application", "--bind", f"127.0.0.1:{port}",
                        "--workers", "1", "--threads", "2"])
        for _ in range(2):
            self.start([*manage, "db_worker", "--interval", "0.2", "--no-startup-delay"])
        for port in self.ports:
            self.wait_until(lambda port=port: self.request(port, "GET", "/healthz")[0] == 200, 60, "web did not start")

    def start(self, command):
        process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        self.addCleanup(self.stop, process)

    def stop(self, process):
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)

    def drop_database(self, name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def wait_until(self, condition, seconds, message):
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                self.log.seek(0)
                self.fail(f"{message}\n{self.log.read()[-3000:]}")
            time.sleep(0.3)

    def request(self, port, method, path, fields=None, cookies=None):
        """(status, Location, cookies set, body); fields are posted as a form with a CSRF token."""
        headers, body = {}, None
        cookies = dict(cookies or {})
        if fields is not None:
            csrf = cookies.setdefault("csrftoken", uuid.uuid4().hex)
            body = urlencode({"csrfmiddlewaretoken": csrf, **fields})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            jar = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
            return (response.status, response.getheader("Location", ""), {k: m.value for k, m in jar.items()},
                    response.read().decode())
        except OSError:
            return None, "", {}, ""

    def login(self, port, username, password, cookies=None):
        return self.request(port, "POST", "/konto/anmelden", {"username": username, "password": password}, cookies)

    def shell(self, code):
        result = subprocess.run([sys.executable, "-m", "stadtlotse", "shell", "--no-imports", "-c", code],
                                env=self.env, capture_output=True, text=True, check=True)
        return result.stdout.strip().splitlines()[-1]

    def test_jobs_once_limits_shared_sessions_portable(self):
        # Every report through one or the other web process; two workers take the jobs.
        for n in range(REPORTS):
            status, location, _, _ = self.request(self.ports[n % 2], "POST", "/melden", {
                "category": "licht-laterne", "shown_questions": "licht-laterne", "attribute[art]": "aus",
                "description": f"[multi-{n}] Laterne dunkel seit gestern.", "lat": "52.4869", "lon": "13.4247",
                "email": f"multi{n}@example.org", "wants_feedback": "on", "preferred": "email",
            })
            self.assertEqual(status, 302, f"report {n}")
        self.wait_until(lambda: self.shell(
            "from django_tasks_db.models import DBTaskResult\n"
            "print(DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count())") == "0",
            120, "the workers did not finish")
        self.assertEqual(self.shell(
            "from django_tasks_db.models import DBTaskResult\nprint(DBTaskResult.objects.failed().count())"), "0")
        # Exactly once: one receipt per reporter, one forward per ticket to the lighting department.
        receipts = Counter(r for recipients, _m in self.smtp.messages for r in recipients if r.startswith("multi"))
        self.assertEqual(receipts, Counter({f"multi{n}@example.org": 1 for n in range(REPORTS)}))
        forwards = [m["Subject"] for recipients, m in self.smtp.messages if "licht@stadtlotse.localhost" in recipients]
        self.assertEqual(len(forwards), REPORTS)
        self.assertEqual(len(set(forwards)), REPORTS, "each ticket forwarded once")

        # Rate limits: failed logins on either process count against the same account.
        for n in range(5):
            self.assertEqual(self.login(self.ports[n % 2], "dora", "falsch-123456")[0], 200)
        self.assertEqual(self.login(self.ports[0], "dora", PASSWORD)[0], 429)
        self.assertEqual(self.login(self.ports[1], "dora", PASSWORD)[0], 429)

        # Sessions: logged in on one process, recognised on the other.
        status, location, cookies, _ = self.login(self.ports[0], "emil", PASSWORD)
        self.assertEqual((status, location), (302, "/backoffice/"))
        jar = {"sessionid": cookies["sessionid"], "csrftoken": cookies.get("csrftoken", "")}
        status, _, _, page = self.request(self.ports[1], "GET", "/backoffice/", cookies=jar)
        self.assertEqual(status, 200)
        self.assertIn("emil", page.lower())
