"""Benchmark the public map's GeoJSON endpoint on a filled database.

    .venv/bin/python bench/fill.py --tickets 1000000 --data-dir var/bench    # once
    .venv/bin/python bench/geojson.py --data-dir var/bench [--runs 50] [--database-url postgres://…]

Times the view (request → JSON response, in this process, as the web server would run it) for a
box around the whole city and for street-level boxes (about 500 m × 300 m) at random places in the
city, and prints the median and the 95th percentile in milliseconds, with the size of the answers.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402  (bench/fill.py)

CITY = (13.08, 52.33, 13.77, 52.68)  # Berlin, min_lon, min_lat, max_lon, max_lat
STREET = (0.0075, 0.0027)  # degrees of longitude and latitude: about 500 m × 300 m in Berlin


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def timed(view, factory, params):
    request = factory.get("/karte/daten.geojson", params)
    started = time.perf_counter()
    response = view(request)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:300]
    return elapsed, response


def summary(name, times, sizes):
    times = sorted(times)
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"{name:<28} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
          f"features {min(sizes)}–{max(sizes)}")
    return statistics.median(times), p95


def main(argv=None):
    args = parse_args(argv)
    fill.setup_django(args)  # settings, migrations (with the benchmarks' indexes), catalog
    import json

    from django.core.cache import cache
    from django.db import connection
    from django.test import RequestFactory

    from stadtlotse.publicweb.views import map_geojson
    from stadtlotse.tickets.models import Ticket

    rng = random.Random(args.seed)
    factory = RequestFactory()
    total = Ticket.objects.count()
    print(f"{connection.vendor}, {total:,} tickets, {args.runs} runs per case")

    def run(name, boxes, cold=True, **filters):
        """cold: the clustered answers' minute-long cache is emptied before every request, so each
        one is counted in the database (the first visitor of a box after a minute)."""
        for box in boxes[:3]:  # warm the database's and the process's caches
            timed(map_geojson, factory, {"bbox": ",".join(map(str, box)), **filters})
        times, sizes = [], []
        for i in range(args.runs):
            box = boxes[i % len(boxes)]
            if cold:
                cache.clear()
            elapsed, response = timed(map_geojson, factory, {"bbox": ",".join(map(str, box)), **filters})
            times.append(elapsed)
            sizes.append(len(json.loads(response.content)["features"]))
        return summary(name, times, sizes)

    streets = []
    for _ in range(args.runs):
        lon = rng.uniform(13.25, 13.55)
        lat = rng.uniform(52.42, 52.60)
        streets.append((round(lon, 5), round(lat, 5), round(lon + STREET[0], 5), round(lat + STREET[1], 5)))
    results = {
        "city": run("whole city", [CITY]),
        "city, cached": run("whole city, from the minute-long cache", [CITY], cold=False),
        "city, open only": run("whole city, status=open", [CITY], status="open"),
        "street": run("street level", streets),
    }
    return results


if __name__ == "__main__":
    main()
