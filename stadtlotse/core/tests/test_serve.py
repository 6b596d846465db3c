"""`stadtlotse serve` (what `make run` ends with): gunicorn and the worker start, serve, and stop on Ctrl-C."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from django.test import SimpleTestCase

from stadtlotse.testing.smtp import free_port


class ServeTests(SimpleTestCase):
    def test_serves_pages_and_stops_everything_on_ctrl_c(self):
        data_dir = tempfile.mkdtemp(prefix="stadtlotse-serve-")
        port = free_port()
        env = {**os.environ, "STADTLOTSE_DATA_DIR": data_dir, "SECRET_KEY": "s" * 50, "DATABASE_URL": "",
               "SITE_URL": f"http://127.0.0.1:{port}", "STATIC_MANIFEST": "false", "EMAIL_URL": "console://"}
        env.pop("DATABASE_URL")
        manage = [sys.executable, "-m", "stadtlotse"]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=180)
        server = subprocess.Popen([*manage, "serve", "--port", str(port), "--web-workers", "1"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True)
        try:
            body = self.wait_for(f"http://127.0.0.1:{port}/healthz")
            self.assertIn('"ok"', body)
            children = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
            self.assertGreaterEqual(len(children), 3, "serve, gunicorn (master + worker) and db_worker")
        finally:
            # Ctrl-C in a terminal sends SIGINT to the whole foreground process group.
            os.killpg(server.pid, signal.SIGINT)
            output, _ = server.communicate(timeout=30)
        self.assertEqual(server.returncode, 0, output)
        self.assertIn("Stopped web server and worker.", output)
        time.sleep(0.5)
        left = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
        self.assertEqual(left, [], "every process that serve started has ended")

    def wait_for(self, url, seconds=60):
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                    return response.read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
