"""Crash test: reports keep coming while the web processes and the worker are killed with SIGKILL.

    .venv/bin/python bench/crash.py [--reports 300] [--clients 8] [--seconds 600] [--database-url postgres://…]

Starts `stadtlotse serve` (gunicorn with two workers, and the job worker) on a fresh database in a
temporary directory, on loopback only. Concurrent clients send reports through the web form —
about a third with a photo, each with its own Idempotency-Key header — and retry every report
with the same key until they get a ticket id back (connection refused or cut, 5xx). Meanwhile
a killer sends SIGKILL at random moments to a gunicorn worker, the gunicorn master or the job
worker; `serve` restarts what died. When every report has an id, the worker gets time to finish
the queue, and then the database is checked:

Some clients hang up right after sending (--drop-rate), before the answer, and send again: the
case the Idempotency-Key exists for. With --without-key the check shows the duplicates it prevents.

- every report that got an id back exists, with its contact and (if sent) its photo files;
- no report exists twice, though many were sent twice or more;
- every background job finished successfully: every receipt mail and every forwarding
  (street lights go to their department by e-mail) was sent — none lost.

Exit status 0 when all of that holds; a JSON summary on the last line of the output.
"""

import argparse
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stadtlotse.testing.smtp import free_port  # noqa: E402

HERMANNPLATZ = (52.4869, 13.4247)
CONFIRMATION = re.compile(r"/melden/danke/(SL-\d{4}-\d+)/")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=3.0, help="mean seconds between two kills")
    parser.add_argument("--seconds", type=float, default=600, help="give up after this long")
    parser.add_argument("--database-url", default="", help="PostgreSQL (empty: SQLite); the database is emptied")
    parser.add_argument("--keep", action="store_true", help="keep the data directory for inspection")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="seconds each client waits between two reports (so a fast machine still sees kills)")
    parser.add_argument("--drop-rate", type=float, default=0.2,
                        help="share of reports whose first sending hangs up before the answer, like a phone losing signal")
    parser.add_argument("--without-key", action="store_true",
                        help="send no Idempotency-Key (shows the duplicates the key prevents)")
    return parser.parse_args(argv)


def jpeg(seed):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (seed % 256, (seed * 7) % 256, 90)).save(out, "JPEG")
    return out.getvalue()


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client(threading.Thread):
    """Sends its share of reports, each until acknowledged, like an app on a flaky connection."""

    def __init__(self, number, port, todo, results, deadline, with_key=True, drop_rate=0.0, pace=0.0):
        super().__init__(daemon=True)
        self.with_key, self.drop_rate, self.pace = with_key, drop_rate, pace
        self.rng = random.Random(number)
        self.number, self.port, self.todo, self.results, self.deadline = number, port, todo, results, deadline
        self.csrf = uuid.uuid4().hex  # the CSRF cookie is ours to choose; the form field must match it
        self.attempts = 0

    def run(self):
        while time.monotonic() < self.deadline:
            try:
                report = self.todo.pop()
            except IndexError:
                return
            self.send(report)
            time.sleep(self.pace)

    def send(self, report):
        fields = {
            "csrfmiddlewaretoken": self.csrf, "category": "licht-laterne", "shown_questions": "licht-laterne",
            "attribute[art]": "aus", "description": f"[{report['key']}] Die Laterne vor dem Haus leuchtet nicht.",
            "lat": f"{HERMANNPLATZ[0] + random.uniform(-0.01, 0.01):.5f}",  # noqa: S311 - test data
            "lon": f"{HERMANNPLATZ[1] + random.uniform(-0.01, 0.01):.5f}",  # noqa: S311
            "name": "Crash Test", "email": report["email"], "wants_feedback": "on", "preferred": "email",
        }
        files = {"photos": ("laterne.jpg", report["photo"])} if report["photo"] else {}
        body, content_type = multipart(fields, files)
        headers = {"Content-Type": content_type, "Idempotency-Key": report["key"], "Cookie": f"csrftoken={self.csrf}",
                   "Referer": f"http://127.0.0.1:{self.port}/melden", "Accept-Language": "de"}
        if not self.with_key:
            del headers["Idempotency-Key"]
        drop = self.rng.random() < self.drop_rate
        while time.monotonic() < self.deadline:
            self.attempts += 1
            report["sent"] += 1
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("POST", "/melden", body=body, headers=headers)
                if drop:
                    # The whole report went out, the answer never arrives: the server may well have stored it.
                    drop = False
                    connection.close()
                    time.sleep(0.3)
                    continue
                response = connection.getresponse()
                response.read()
                location = response.getheader("Location", "")
                connection.close()
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
                continue
            match = CONFIRMATION.search(location) if response.status == 302 else None
            if match:
                report["public_id"] = match.group(1)
                self.results.append(report)
                return
            if response.status < 500:
                raise AssertionError(f"report {report['key']} refused with {response.status}")
            time.sleep(0.2)


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def killer(serve_pid, stop, kills, mean):
    """SIGKILL one of: a gunicorn worker, the gunicorn master, the job worker; at random moments."""
    rng = random.Random(4711)
    while not stop.wait(rng.expovariate(1 / mean)):
        direct = children(serve_pid)
        master = [p for p in direct if "gunicorn" in command_line(p)]
        worker = [p for p in direct if "db_worker" in command_line(p)]
        web_workers = [c for m in master for c in children(m)]
        targets = [("web worker", web_workers), ("web master", master), ("job worker", worker)]
        name, pids = rng.choices(targets, weights=[5, 1, 3])[0]
        if pids:
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append(name)
            except ProcessLookupError:
                pass


VERIFY = r"""
import json, os, re
from collections import Counter
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from stadtlotse.connectors.models import Delivery
from stadtlotse.notifications.models import Notification
from stadtlotse.tickets.models import Ticket

acked = json.load(open(os.environ["CRASH_RESULTS"]))
problems = []
tickets = {t.public_id: t for t in Ticket.objects.filter(description__startswith="[crash-")
           .select_related("contact").prefetch_related("attachments")}
markers = Counter(re.match(r"\[(crash-[^\]]+)\]", t.description).group(1) for t in tickets.values())
duplicates = {key: n for key, n in markers.items() if n > 1}
if duplicates:
    problems.append(f"{len(duplicates)} reports stored more than once: {list(duplicates)[:5]}")
for report in acked:
    ticket = tickets.get(report["public_id"])
    if ticket is None:
        problems.append(f"{report['public_id']} was acknowledged but does not exist")
        continue
    if not ticket.description.startswith(f"[{report['key']}]"):
        problems.append(f"{report['public_id']} holds another report")
    if getattr(ticket, "contact", None) is None or ticket.contact.email != report["email"]:
        problems.append(f"{report['public_id']} lost its contact")
    if report["photo"]:
        attachments = list(ticket.attachments.all())
        if len(attachments) != 1 or not all(os.path.exists(f.path) for a in attachments
                                            for f in (a.original, a.public_version, a.thumbnail)):
            problems.append(f"{report['public_id']} lost its photo")
ours = Ticket.objects.filter(description__startswith="[crash-")
from django.utils import timezone
from django_tasks_db.models import get_date_max
# The daily digest waits for tomorrow morning: scheduled, not lost.
later = DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__gt=timezone.now()).exclude(run_after=get_date_max())
unfinished = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exclude(pk__in=later.values("pk"))
for job in unfinished[:5]:
    problems.append(f"job {job.task_path} is {job.status}")
if unfinished.count() > 5:
    problems.append(f"... {unfinished.count()} unfinished jobs in all")
receipts = Notification.objects.filter(ticket__in=ours, template="received")
deliveries = Delivery.objects.filter(ticket__in=ours)
if receipts.count() != ours.count() or receipts.exclude(status=Notification.Status.SENT).exists():
    problems.append(f"receipts: {receipts.filter(status=Notification.Status.SENT).count()} sent of {ours.count()} tickets")
if deliveries.count() != ours.count() or deliveries.exclude(status=Delivery.Status.DELIVERED).exists():
    problems.append(f"forwardings: {deliveries.filter(status=Delivery.Status.DELIVERED).count()} delivered of {ours.count()} tickets")
print(json.dumps({"tickets": ours.count(), "jobs": DBTaskResult.objects.count(), "problems": problems}))
"""


def main(argv=None):
    args = parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="stadtlotse-crash-"))
    port = free_port()
    env = {**os.environ, "STADTLOTSE_DATA_DIR": str(data_dir), "SECRET_KEY": "crash-" + "k" * 50, "DEBUG": "false",
           "SITE_URL": f"http://127.0.0.1:{port}", "STATIC_MANIFEST": "false", "RATELIMIT_ENABLE": "false",
           "LOG_LEVEL": "WARNING", "STADTLOTSE_JOB_RETRY_BASE_SECONDS": "1", "DJANGO_SETTINGS_MODULE": "stadtlotse.settings"}
    for name in ("EMAIL_URL", "EMAIL_HOST", "REDIS_URL", "STADTLOTSE_ALLOW_INSECURE_KEY"):
        env.pop(name, None)  # mails go to files in the data directory
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    manage = [sys.executable, "-m", "stadtlotse"]
    if args.database_url:
        subprocess.run([*manage, "flush", "--no-input"], env=env, check=False, capture_output=True)
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([*manage, "shell", "--no-imports", "-c", "from stadtlotse.catalog.loading import load_catalog; load_catalog()"],
                   env=env, check=True)
    run = uuid.uuid4().hex[:8]
    todo = [{"key": f"crash-{run}-{n}", "email": f"crash{n}@example.org", "photo": jpeg(n) if n % 3 == 0 else None,
             "sent": 0, "public_id": None} for n in range(args.reports)]
    reports = list(todo)
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115 - closed at the end
    serve = subprocess.Popen([*manage, "serve", "--port", str(port), "--web-workers", "2"], env=env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    deadline = started + args.seconds
    results, kills, stop = [], [], threading.Event()
    try:
        while time.monotonic() < started + 60:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        killing = threading.Thread(target=killer, args=(serve.pid, stop, kills, args.kill_every), daemon=True)
        killing.start()
        clients = [Client(n, port, todo, results, deadline, not args.without_key, args.drop_rate, args.pace)
                   for n in range(args.clients)]
        sending_started = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        sending_seconds = time.monotonic() - sending_started
        stop.set()
        killing.join()
        # Let the worker finish: every job done, or the deadline.
        drain_started = time.monotonic()
        while time.monotonic() < deadline:
            left = subprocess.run([*manage, "shell", "--no-imports", "-c",
                                   "from django_tasks_db.models import DBTaskResult\n"
                                   "from django_tasks.base import TaskResultStatus as S\n"
                                   "print(DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count())"],
                                  env=env, capture_output=True, text=True).stdout.strip().splitlines()
            if left and left[-1] == "0":
                break
            time.sleep(1)
        drain_seconds = time.monotonic() - drain_started
    finally:
        stop.set()
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    results_file = data_dir / "acked.json"
    results_file.write_text(json.dumps([{k: (bool(v) if k == "photo" else v) for k, v in r.items()} for r in results]))
    verified = subprocess.run([*manage, "shell", "--no-imports", "-c", VERIFY], env={**env, "CRASH_RESULTS": str(results_file)},
                              capture_output=True, text=True)
    try:
        check = json.loads(verified.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        check = {"problems": [f"verification failed: {verified.stderr[-2000:]}"]}
    unacked = [r["key"] for r in reports if r["public_id"] is None]
    if unacked:
        check["problems"].append(f"{len(unacked)} reports never got an id back before the deadline")
    summary = {
        "database": "postgresql" if args.database_url else "sqlite", "reports": args.reports, "clients": args.clients,
        "acknowledged": len(results), "sent_more_than_once": sum(r["sent"] > 1 for r in reports),
        "requests": sum(r["sent"] for r in reports), "kills": {name: kills.count(name) for name in sorted(set(kills))},
        "sending_seconds": round(sending_seconds, 1), "drain_seconds": round(drain_seconds, 1),
        "with_photo": sum(bool(r["photo"]) for r in reports), **check,
    }
    if args.keep or check["problems"]:
        summary["data_dir"] = str(data_dir)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(summary))
    return 0 if not check["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
