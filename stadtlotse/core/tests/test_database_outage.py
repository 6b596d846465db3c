"""PostgreSQL goes away under a running `stadtlotse serve` and comes back: the web answers 503 meanwhile,
the worker waits and resumes, and every report acknowledged before or after is stored with its jobs done.

A TCP relay between Stadtlotse and PostgreSQL plays the outage: stopping it refuses new connections and
cuts the open ones, as a stopped or unreachable database server does. PostgreSQL only (SQLite is a file).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

from django.db import connection
from django.test import SimpleTestCase

from stadtlotse.testing.smtp import free_port

OUTAGE_SECONDS = 12


class Relay:
    """Forwards TCP from a local port to PostgreSQL; stop() cuts everything, start() serves again."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, free_port()
        self.sockets, self.listener = [], None

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port listening.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []


class DatabaseOutageTests(SimpleTestCase):
    databases = {"default"}  # only to create this test's own database

    def setUp(self):
        if connection.vendor != "postgresql":
            raise unittest.SkipTest("needs PostgreSQL (DATABASE_URL)")
        db = connection.settings_dict
        name = db["NAME"] + "_outage"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        port = int(db["PORT"] or 5432)
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        direct = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{port}/{name}"
        self.relay = Relay(port)
        self.relay.start()
        self.addCleanup(lambda: self.relay.listener and self.relay.stop())
        self.web_port = free_port()
        data_dir = tempfile.mkdtemp(prefix="stadtlotse-dbout-")
        self.addCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        self.addCleanup(self.drop_database, name)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("STADTLOTSE_TEST", "REDIS_URL"))}
        base.update({"STADTLOTSE_DATA_DIR": data_dir, "SECRET_KEY": "o" * 50, "DEBUG": "false",
                     "SITE_URL": f"http://127.0.0.1:{self.web_port}", "STATIC_MANIFEST": "false",
                     "RATELIMIT_ENABLE": "false", "LOG_LEVEL": "WARNING", "STADTLOTSE_JOB_RETRY_BASE_SECONDS": "1",
                     "DB_CONN_MAX_AGE": "60"})
        base.pop("STADTLOTSE_ALLOW_INSECURE_KEY", None)
        base.pop("EMAIL_URL", None)
        self.direct_env = {**base, "DATABASE_URL": direct}
        manage = [sys.executable, "-m", "stadtlotse"]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=self.direct_env, check=True)
        subprocess.run([*manage, "shell", "--no-imports", "-c",
                        "from stadtlotse.catalog.loading import load_catalog; load_catalog()"],
                       env=self.direct_env, check=True)
        relayed = {**base, "DATABASE_URL": f"postgres://{user}@127.0.0.1:{self.relay.port}/{name}"}
        self.log = tempfile.TemporaryFile(mode="w+")
        self.serve = subprocess.Popen([*manage, "serve", "--port", str(self.web_port), "--web-workers", "1"],
                                      env=relayed, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self.stop_serve)
        self.wait_until(lambda: self.request("GET", "/healthz")[0] == 200, 60, "serve did not start")

    def drop_database(self, name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop_serve(self):
        os.killpg(self.serve.pid, signal.SIGINT)
        try:
            self.serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.serve.pid, signal.SIGKILL)
        self.log.close()

    def wait_until(self, condition, seconds, message):
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                self.log.seek(0)
                self.fail(f"{message}\n{self.log.read()[-3000:]}")
            time.sleep(0.3)

    def request(self, method, path, body=None, headers=None):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=20)
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheader("Location", ""), response.read().decode()
        except OSError:
            return None, "", ""

    def report(self, n):
        csrf = uuid.uuid4().hex
        body = "&".join(f"{k}={v}" for k, v in {
            "csrfmiddlewaretoken": csrf, "category": "licht-laterne", "shown_questions": "licht-laterne",
            "attribute[art]": "aus", "description": f"[outage-{n}]+Laterne+dunkel+seit+gestern.", "lat": "52.4869",
            "lon": "13.4247", "email": f"outage{n}@example.org", "wants_feedback": "on", "preferred": "email"}.items())
        return self.request("POST", "/melden", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
            "Idempotency-Key": f"outage-{n}"})

    def test_outage_answers_503_and_loses_nothing(self):
        acknowledged = []
        for n in range(3):
            status, location, _ = self.report(n)
            self.assertEqual(status, 302)
            acknowledged.append(location.split("/")[3])

        self.relay.stop()
        self.relay.listener = None
        started = time.monotonic()
        status, _, page = self.request("GET", "/")
        self.assertEqual(status, 503)
        self.assertIn("vorübergehend nicht erreichbar", page)
        self.assertEqual(self.report(100)[0], 503, "a report during the outage is refused, not acknowledged")
        self.assertEqual(self.request("GET", "/healthz")[0], 503)
        time.sleep(max(OUTAGE_SECONDS - (time.monotonic() - started), 0))
        self.relay.start()

        # The same report sent again after the outage, and new ones: all acknowledged once.
        for n in (100, 3, 4):
            self.wait_until(lambda n=n: self.report(n)[0] == 302, 30, f"report {n} not accepted after the outage")
            acknowledged.append(self.report(n)[1].split("/")[3])
        self.wait_until(lambda: self.request("GET", "/healthz")[0] == 200, 60, "not healthy again")

        check = subprocess.run([sys.executable, "-m", "stadtlotse", "shell", "--no-imports", "-c",
            "import json\n"
            "from django_tasks.base import TaskResultStatus as S\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "from stadtlotse.tickets.models import Ticket\n"
            "from stadtlotse.notifications.models import Notification\n"
            "from stadtlotse.connectors.models import Delivery\n"
            "print(json.dumps({'tickets': sorted(Ticket.objects.values_list('public_id', flat=True)),"
            " 'open_jobs': DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count(),"
            " 'failed_jobs': DBTaskResult.objects.failed().count(),"
            " 'receipts_sent': Notification.objects.filter(template='received', status='sent').count(),"
            " 'delivered': Delivery.objects.filter(status='delivered').count()}))"],
            env=self.direct_env, capture_output=True, text=True)

        def state():
            return json.loads(subprocess.run(check.args, env=self.direct_env, capture_output=True, text=True)
                              .stdout.strip().splitlines()[-1])
        self.wait_until(lambda: state()["open_jobs"] == 0, 60, "the worker did not resume")
        final = state()
        self.assertEqual(final["tickets"], sorted(set(acknowledged)))
        self.assertEqual(len(final["tickets"]), 6)
        self.assertEqual((final["receipts_sent"], final["delivered"], final["failed_jobs"]), (6, 6, 0))
