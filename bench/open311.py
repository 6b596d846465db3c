"""Open311 benchmark: POST requests throughput against a floor, GET requests latency with many tickets.

    .venv/bin/python bench/open311.py [--tickets 1000000] [--posts 300] [--gets 50] [--database-url postgres://…]

Fills the benchmark database to --tickets with bench/fill.py (once; later runs reuse it), then
measures in this process through Django's full request handling (middleware, URL routing, views,
transactions; no network):

- POST requests.json: reports through intake.submit() — validation, district lookup, routing,
  ticket, contact, events, delivery and notification jobs, all in one transaction;
- the floor: a bare Django view that inserts one row in a transaction, measured in the same run;
- GET requests.json with page_size=1000 (1000 results from the default 90-day window), plain and
  with extensions=true, and GET servicerequestupdates.json for a one-day window.

Rate limits are switched off (RATELIMIT_ENABLE=false), as for any load test.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402  (bench/fill.py)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=300, help="POSTs per side (intake and floor)")
    parser.add_argument("--gets", type=int, default=50, help="GET requests per measured query")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(call, n):
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def floor_urlconf():
    """The project's URLs plus /bench/floor: a view that inserts one row, nothing else."""
    import types

    from django.db import connection, transaction
    from django.http import HttpResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
                       if connection.vendor == "sqlite" else
                       "CREATE TABLE IF NOT EXISTS bench_floor (id SERIAL PRIMARY KEY, body TEXT NOT NULL)")

    @csrf_exempt
    def floor(request):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor (body) VALUES (%s)", [request.POST.get("description", "")])
        return HttpResponse("[]", content_type="application/json", status=201)

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path("bench/floor", floor), path("", include("stadtlotse.urls"))]
    sys.modules["bench_urls"] = module
    return "bench_urls"


def main():
    args = parse_args()
    os.environ["RATELIMIT_ENABLE"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's in-process client
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    fill.setup_django(args)
    from django.test import Client, override_settings

    from stadtlotse.open311.keys import ensure_demo_key
    from stadtlotse.tickets.models import Ticket

    have = Ticket.objects.count()
    if have < args.tickets:
        print(f"Filling the benchmark database from {have:,} to {args.tickets:,} tickets …")
        fill.fill(argparse.Namespace(tickets=args.tickets - have, batch=5000, seed=have + 1))
    total = Ticket.objects.count()
    _key, plain, _created = ensure_demo_key()
    client = Client()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Database: {database}, {total:,} tickets.")

    def report(i):
        response = client.post("/open311/v2/requests.json", {
            "api_key": plain, "service_code": "abfall-sperrmuell", "lat": f"{52.4869 + (i % 50) * 0.0001:.6f}",
            "long": "13.4247", "attribute[menge]": "mittel", "email": f"bench{i}@example.org",
            "description": f"Benchmark: ein altes Sofa am Gehweg, Nummer {i}.",
        })
        assert response.status_code == 201, response.content

    with override_settings(ROOT_URLCONF=floor_urlconf()):
        def floor(i):
            response = client.post("/bench/floor", {"description": f"Benchmark {i}"})
            assert response.status_code == 201

        timed(floor, 20)  # warm-up: URL resolution, connections, the district index
        timed(report, 20)
        floor_ms = timed(floor, args.posts)
        post_ms = timed(report, args.posts)

    def get(path, **params):
        def call(_i):
            response = client.get(path, params)
            assert response.status_code == 200, response.content[:300]
        return call

    import json

    page = json.loads(client.get("/open311/v2/requests.json", {"page_size": 1000}).content)
    results = {
        "GET requests.json (1000 results)": timed(get("/open311/v2/requests.json", page_size=1000), args.gets),
        "GET requests.json (1000, extensions=true)": timed(
            get("/open311/v2/requests.json", page_size=1000, extensions="true"), args.gets),
        "GET requests.xml (1000 results)": timed(get("/open311/v2/requests.xml", page_size=1000), args.gets),
        "GET servicerequestupdates.json (1 day)": timed(get("/open311/v2/servicerequestupdates.json"), args.gets),
    }

    floor_rate = 1000 / statistics.mean(floor_ms)
    post_rate = 1000 / statistics.mean(post_ms)
    print()
    print(f"| measurement ({database}, {total:,} tickets) | median ms | p95 ms | per second |")
    print("|---|---|---|---|")
    print(f"| floor: bare view inserting one row | {statistics.median(floor_ms):.1f} | "
          f"{percentile(floor_ms, 95):.1f} | {floor_rate:.0f} |")
    print(f"| POST requests.json (full intake) | {statistics.median(post_ms):.1f} | "
          f"{percentile(post_ms, 95):.1f} | {post_rate:.0f} ({post_rate / floor_rate:.0%} of the floor) |")
    for label, times in results.items():
        print(f"| {label} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} | "
              f"{1000 / statistics.mean(times):.0f} |")
    print(f"\n(GET returned {len(page)} results per page.)")


if __name__ == "__main__":
    main()
