"""Eight refused (429) reports with three 40 MP PNGs each, sent at once, while the home page is fetched.

    .venv/bin/python bench/public_doors_server.py

Starts gunicorn as `stadtlotse serve` does (2 processes x 4 threads) on 127.0.0.1 with a fresh SQLite
database in a temporary directory and REPORT_RATE_PER_IP=1/600, sends one report (allowed), then the
eight at once, and prints how long they took and the home page's slowest answer meanwhile. Stops the
server at the end.
"""

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from stadtlotse.testing.smtp import free_port  # noqa: E402

ROOT = str(Path(__file__).resolve().parent.parent)
TIMEOUT = 60
FORM = {"category": "abfall-sperrmuell", "shown_questions": "abfall-sperrmuell", "attribute[menge]": "klein",
        "description": "Ein altes Sofa und zwei Matratzen stehen seit Tagen am Gehweg.",
        "lat": "52.4869", "lon": "13.4247", "email": "", "preferred": "email"}


def post(base, files=None):
    session = requests.Session()
    page = session.get(base + "/melden", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(base + "/melden", data={**FORM, "csrfmiddlewaretoken": token}, files=files,
                        headers={"Referer": base + "/melden"}, allow_redirects=False, timeout=TIMEOUT)


def home_page_seconds(base):
    started = time.monotonic()
    requests.get(base + "/", timeout=TIMEOUT)
    return time.monotonic() - started


def prepare(data, port):
    """The environment of a fresh installation in `data`: migrated, with the catalog."""
    env = {**os.environ, "STADTLOTSE_DATA_DIR": data, "STADTLOTSE_ALLOW_INSECURE_KEY": "true",
           "STATIC_MANIFEST": "false", "STADTLOTSE_REPORT_RATE_PER_IP": "1/600", "LOG_LEVEL": "WARNING",
           "SITE_URL": f"http://127.0.0.1:{port}"}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "-m", "stadtlotse", *command], env=env, cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = "
                    "'stadtlotse.settings'; django.setup(); from stadtlotse.catalog.loading import load_catalog; "
                    "load_catalog()"], env=env, cwd=ROOT, check=True)
    return env


def main():
    data, port = tempfile.mkdtemp(prefix="stadtlotse-bench-doors-"), free_port()
    env = prepare(data, port)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "stadtlotse.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
                              env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        out = io.BytesIO()
        Image.new("RGB", (8000, 5000), (120, 130, 140)).save(out, "PNG")
        content = out.getvalue()
        print("first report:", post(base).status_code)
        print(f"home page alone: max {max(home_page_seconds(base) for _ in range(5)):.3f} s")
        statuses = []

        def refused_report():
            files = [("photos", (f"{i}.png", content, "image/png")) for i in range(3)]
            statuses.append(post(base, files).status_code)

        threads = [threading.Thread(target=refused_report) for _ in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        latencies = []
        while any(thread.is_alive() for thread in threads):
            latencies.append(home_page_seconds(base))
        for thread in threads:
            thread.join()
        print(f"8 at once: statuses {sorted(statuses)}, {time.monotonic() - started:.2f} s")
        print(f"home page meanwhile: max {max(latencies, default=0):.3f} s over {len(latencies)} requests")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
