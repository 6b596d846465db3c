"""Connector queries on a filled database: the desk's failed-delivery queue and status look-ups by external id.

    .venv/bin/python bench/fill.py --tickets 100000 --data-dir var/bench
    .venv/bin/python bench/connectors.py --data-dir var/bench [--database-url postgres://…]

Adds one delivery per forwarded-or-later ticket (0.5 % of them failed, each with the back end's
id), then times, best of 5: the failed queue's first page and count, finding 500 tickets by the
ids an Open311 back end uses, and the duplicate check for 1,000 incoming updates.
Figures go to docs/performance.md.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402  (bench/fill.py)


def best_of(function, rounds=5):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def add_deliveries():
    from django.db import transaction

    from stadtlotse.connectors.models import Delivery
    from stadtlotse.tickets.models import Ticket

    if Delivery.objects.exists():
        return Delivery.objects.count()
    rows = Ticket.objects.exclude(department=None).values_list("pk", "department_id", "created_at").order_by("pk")
    batch, total = [], 0
    for number, (pk, department_id, created_at) in enumerate(rows.iterator(chunk_size=5000)):
        failed = number % 200 == 0
        batch.append(Delivery(
            ticket_id=pk, department_id=department_id, connector="open311", created_at=created_at,
            status=Delivery.Status.FAILED if failed else Delivery.Status.DELIVERED,
            attempts=16 if failed else 1, external_id=f"EXT-{pk}", last_error="URLError: timed out" if failed else "",
        ))
        if len(batch) == 5000:
            with transaction.atomic():
                Delivery.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    with transaction.atomic():
        Delivery.objects.bulk_create(batch)
    return total + len(batch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    fill.setup_django(args)  # settings, migrations (with the benchmarks' indexes), catalog

    from django.core.paginator import Paginator

    from stadtlotse.backoffice.deliveries import failed_deliveries
    from stadtlotse.catalog.models import Department
    from stadtlotse.connectors import open311_client
    from stadtlotse.connectors.models import Delivery, InboundUpdate
    from stadtlotse.tickets.models import Ticket

    started = time.perf_counter()
    deliveries = add_deliveries()
    print(f"tickets: {Ticket.objects.count()}, deliveries: {deliveries} ({time.perf_counter() - started:.1f} s)")

    def queue_page():
        page = Paginator(failed_deliveries(), 50).get_page(1)
        list(page.object_list)
        return page.paginator.count

    print(f"failed queue: {queue_page()} failed; first page + count: {best_of(queue_page):.1f} ms")

    department = (Department.objects.filter(deliveries__isnull=False).order_by("pk").first())
    ids = list(Delivery.objects.filter(department=department).order_by("-pk").values_list("external_id", flat=True)[:500])
    found = open311_client._tickets_by_external_id(department, ids)
    print(f"500 tickets by external id: {len(found)} found in "
          f"{best_of(lambda: open311_client._tickets_by_external_id(department, ids)):.1f} ms")

    keys = [f"update:{n}" for n in range(1000)]

    def duplicate_checks():
        for key in keys:
            InboundUpdate.objects.filter(department=department, source="open311", key=key).exists()

    print(f"1000 duplicate checks: {best_of(duplicate_checks, 3):.1f} ms")


if __name__ == "__main__":
    main()
