"""Intake throughput over HTTP with concurrent clients, against a floor measured in the same run.

    .venv/bin/python bench/intake.py [--data-dir var/bench] [--database-url postgres://…] [--clients 16] [--seconds 20]

Starts gunicorn as `stadtlotse serve` does (2 processes × 4 threads) on loopback, serving the
project plus /bench/floor (bench/floor_wsgi.py), rate limits off. Then --clients threads send
requests for --seconds per scenario, each over its own keep-alive connection:

- floor: POST /bench/floor, a bare view inserting one row;
- web form: POST /melden, a complete report (street light, routed straight to its department)
  through the form, screening, duplicate check, routing and the jobs, answered with the redirect
  to the confirmation page;
- Open311: POST /open311/v2/requests.json with the demo key, the same intake.

Prints median and 95th percentile latency, requests per second, and each scenario's throughput as
a share of the floor's. No job worker runs: jobs are queued in the report's transaction and wait.
"""

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402  (bench/fill.py)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8931)
    return parser.parse_args()


PLACES = [(52.4869, 13.4247), (52.5219, 13.4132), (52.5363, 13.2040), (52.4559, 13.3247), (52.5450, 13.3580)]
WORDS = ["Laterne", "dunkel", "seit", "gestern", "Abend", "Ecke", "Hausnummer", "flackert", "Gehweg", "Einfahrt"]


def report_fields(rng, n):
    lat, lon = rng.choice(PLACES)
    words = " ".join(rng.choice(WORDS) for _ in range(8))
    return {"category": "licht-laterne", "shown_questions": "licht-laterne", "attribute[art]": "aus",
            "description": f"Bericht {n}: {words}.", "lat": f"{lat + rng.uniform(-0.01, 0.01):.5f}",
            "lon": f"{lon + rng.uniform(-0.01, 0.01):.5f}", "email": f"bench{n}@example.org",
            "wants_feedback": "on", "preferred": "email"}


def scenarios(api_key):
    def floor(rng, n):
        return "POST", "/bench/floor", urlencode({"description": f"floor {n}"}), {}, (201,)

    def web(rng, n):
        csrf = uuid.uuid4().hex
        body = urlencode({"csrfmiddlewaretoken": csrf, **report_fields(rng, n)})
        return "POST", "/melden", body, {"Cookie": f"csrftoken={csrf}"}, (302,)

    def open311(rng, n):
        fields = report_fields(rng, n)
        body = urlencode({"api_key": api_key, "service_code": "licht-laterne", "lat": fields["lat"],
                          "long": fields["lon"], "description": fields["description"], "email": fields["email"],
                          "attribute[art]": "aus"})
        return "POST", "/open311/v2/requests.json", body, {}, (201, 200)

    return {"floor": floor, "web form": web, "Open311": open311}


def run_scenario(port, make, clients, seconds):
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    def client(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            method, path, body, headers, ok = make(rng, n)
            headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if status in ok else errors).append(elapsed if status in ok else status)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    latencies.sort()
    return {
        "n": len(latencies), "errors": errors[:5], "error_count": len(errors),
        "median": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan"),
        "per_second": len(latencies) / duration,
    }


def main():
    args = parse_args()
    os.environ["RATELIMIT_ENABLE"] = "false"
    fill.setup_django(args)
    from django.db import connection

    from stadtlotse.open311.keys import ensure_demo_key
    from stadtlotse.tickets.models import Ticket

    _key, api_key, _created = ensure_demo_key()
    total = Ticket.objects.count()
    vendor = connection.vendor
    connection.close()
    env = {**os.environ, "RATELIMIT_ENABLE": "false", "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false",
           "SECRET_KEY": "b" * 50, "LOG_LEVEL": "WARNING", "REQUEST_LOG_LEVEL": "WARNING",
           "SITE_URL": f"http://127.0.0.1:{args.port}", "STATIC_MANIFEST": "false"}
    env.pop("STADTLOTSE_ALLOW_INSECURE_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "floor_wsgi:application", "--chdir", str(ROOT / "bench"),
         "--bind", f"127.0.0.1:{args.port}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
        env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
        print(f"{vendor}, {total:,} tickets; {args.clients} clients, {args.seconds:.0f} s per scenario")
        print(f"{'scenario':12} {'requests':>9} {'median ms':>10} {'p95 ms':>8} {'per s':>8} {'of floor':>9}")
        floor_rate = None
        for name, make in scenarios(api_key).items():
            result = run_scenario(args.port, make, args.clients, args.seconds)
            floor_rate = floor_rate or result["per_second"]
            share = result["per_second"] / floor_rate * 100 if floor_rate else 0
            print(f"{name:12} {result['n']:9,} {result['median']:10.1f} {result['p95']:8.1f} "
                  f"{result['per_second']:8.1f} {share:8.0f} %")
            if result["error_count"]:
                print(f"  {result['error_count']} failed, e.g. {result['errors']}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
