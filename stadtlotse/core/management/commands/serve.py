"""Run the web server (gunicorn) and the background worker side by side; Ctrl-C stops both.

For one machine (a town, or the demo). Larger setups run gunicorn and `stadtlotse db_worker`
as separate services (see docs/deploy.md).
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils import timezone

from stadtlotse.core import jobs

RESTART_PAUSE_SECONDS = 2


class Command(BaseCommand):
    help = "Start gunicorn and the job worker; stop both on Ctrl-C or SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def requeue(self):
        """Give back the job a dead worker was running; it stays "running" forever otherwise."""
        try:
            requeued = jobs.requeue_stale(started_before=timezone.now())
        except DatabaseError as exc:
            # The worker probably died because the database is down; the next restart tries again.
            self.stderr.write(f"Could not requeue jobs: {exc}")
            connections.close_all()
            return
        if requeued:
            self.stderr.write(f"Requeued {requeued} job(s) the worker had not finished.")

    def handle(self, *args, host, port, web_workers, **options):
        # Nothing else runs jobs on this machine yet, so any job still marked running was
        # interrupted by a crash or a kill; give it back to the worker.
        requeued = jobs.requeue_stale(started_before=timezone.now())
        if requeued:
            self.stdout.write(f"Requeued {requeued} job(s) interrupted by the last stop.")
        # Periodic jobs re-queue themselves; this starts each cycle that is not running yet.
        jobs.start_periodic()
        commands = {
            "web": [
                sys.executable, "-m", "gunicorn", "stadtlotse.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
                # No gunicorn access log: core/logs.py writes one line per request, with its request id.
                "--graceful-timeout", "10",
            ],
            "worker": [sys.executable, "-m", "stadtlotse", "db_worker", "--interval", "1", "--no-startup-delay"],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(self.style.SUCCESS(
            f"Stadtlotse runs on http://{host}:{port} "
            f"(web pid {processes['web'].pid}, worker pid {processes['worker'].pid}). Ctrl-C stops it."
        ))
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None and not stopping:
                        # A crashed worker must not silently stop notifications and forwarding.
                        self.stderr.write(f"{name} exited with {process.returncode}; restarting.")
                        time.sleep(RESTART_PAUSE_SECONDS)
                        if name == "worker":
                            self.requeue()
                        processes[name] = subprocess.Popen(commands[name])
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped web server and worker.")
