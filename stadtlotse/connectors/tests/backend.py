"""A second Stadtlotse as the city's Open311 back end: a real gunicorn process with its own SQLite database.

`with Backend() as city:` migrates a fresh database in a temporary directory, loads the demo catalog
and an API key, and serves it on a free port; `city.stop()` / `city.start()` take it down and bring
it back (same database), and `city.run(code)` runs Python inside the back end (its own workflow),
as the city's staff would change a ticket there.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from stadtlotse.testing.smtp import free_port

API_KEY = "backend-open311-key-for-tests"
SETUP = """
from stadtlotse.catalog.loading import load_catalog
from stadtlotse.open311.keys import ensure_demo_key
load_catalog()
ensure_demo_key()
"""


class Backend:
    def __init__(self):
        self.port = free_port()
        self.root = None
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self):
        return f"{self.url}/open311/v2/"

    def env(self):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("DATABASE_URL", "STADTLOTSE_TEST", "DJANGO_SETTINGS"))}
        env.update({
            "STADTLOTSE_DATA_DIR": str(self.root), "SECRET_KEY": "backend-" + "x" * 48, "DEBUG": "false",
            "SITE_URL": self.url, "ALLOWED_HOSTS": "127.0.0.1", "EMAIL_URL": "console://",
            "STADTLOTSE_DEMO_API_KEY": API_KEY, "STADTLOTSE_OPEN311_KEY_RATE": "100000/60",
            "STADTLOTSE_OPEN311_RATE_PER_IP": "100000/60", "STATIC_MANIFEST": "false", "LOG_LEVEL": "WARNING",
            # Every forwarded ticket carries the test reporter's address, and tests forward the same
            # text again: neither is abuse here.
            "STADTLOTSE_REPORT_RATE_PER_EMAIL": "100000/60", "STADTLOTSE_SCREEN_REPEAT_HOURS": "0",
        })
        env.pop("STADTLOTSE_ALLOW_INSECURE_KEY", None)
        return env

    def manage(self, *args):
        return subprocess.run([sys.executable, "-m", "stadtlotse", *args], env=self.env(), check=True,
                              capture_output=True, text=True, timeout=300).stdout

    def run(self, code):
        """Python inside the back end (its models and workflow), e.g. a member of its staff accepting a ticket."""
        return self.manage("shell", "-c", code)

    def __enter__(self):
        self.root = Path(tempfile.mkdtemp(prefix="stadtlotse-backend-"))
        self.manage("migrate", "--no-input", "-v0")
        self.run(SETUP)
        self.start()
        return self

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "stadtlotse.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--timeout", "60", "--log-level", "warning"],
            env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("back end did not start: " + self.process.stderr.read().decode())
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("back end did not answer within 30 s")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stderr.close()
            self.process = None

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
