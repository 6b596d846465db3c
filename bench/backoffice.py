"""Back-office benchmark: the inbox and the ticket list with 100,000 open tickets, and a ticket page.

    .venv/bin/python bench/backoffice.py [--open 100000] [--database-url postgres://…] [--rounds 20]

Fills the database with bench/fill.py until it holds `--open` open tickets (fill.py's mix is mostly
closed tickets, so it tops up open ones by turning closed rows of the fill into open ones), builds
their search documents, then times the pages through Django's test client (server time: URL
routing, queries, template rendering; no network). Prints the median and 95th percentile per page.
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

import fill  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open tickets wanted (default 100000)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-backoffice"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--prepare-only", action="store_true", help="fill and index, do not time")
    return parser.parse_args()


def prepare(args):
    from django.db import transaction

    from stadtlotse.tickets import search
    from stadtlotse.tickets.models import Ticket

    open_now = Ticket.objects.open().count()
    if open_now < args.open:
        missing = args.open - open_now
        # fill.py makes ~18 % open tickets; fill enough rows, then open closed ones up to the target.
        fill.fill(argparse.Namespace(tickets=int(missing * 1.1), batch=5000, seed=open_now + 1))
        closed = list(Ticket.objects.closed().order_by("-id").values_list("id", flat=True)[: args.open - Ticket.objects.open().count()])
        statuses = ["forwarded", "accepted", "in_progress", "new"]
        with transaction.atomic():
            for i, status in enumerate(statuses):
                ids = closed[i::len(statuses)]
                for start in range(0, len(ids), 900):
                    Ticket.objects.filter(pk__in=ids[start:start + 900]).update(
                        status=status, resolved_at=None, duplicate_of=None,
                        **({"department": None} if status == "new" else {}))
    started = time.monotonic()
    unindexed = indexed_ids()
    todo = Ticket.objects.exclude(pk__in=unindexed) if unindexed else Ticket.objects.all()
    count = 0
    with transaction.atomic():
        for ticket in todo.order_by("pk").iterator(chunk_size=2000):
            search.reindex(ticket)
            count += 1
    if count:
        print(f"indexed {count:,} tickets for search in {time.monotonic() - started:.0f} s")
    steady_state()


def steady_state():
    """Statistics and visibility map as autovacuum keeps them in production (PostgreSQL).

    Right after a bulk fill or a migration that rewrote the table, PostgreSQL has no statistics
    for the new columns and cannot use index-only scans; a real database is vacuumed long since.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tickets_ticket")
            cursor.execute("VACUUM ANALYZE tickets_search")


def indexed_ids():
    from django.db import connection

    column = "ticket_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM tickets_search")
        return {row[0] for row in cursor.fetchall()}


def timed(client, url, rounds):
    client.get(url)  # warm caches and templates
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    args = parse_args()
    fill.setup_django(argparse.Namespace(data_dir=args.data_dir, database_url=args.database_url))
    prepare(args)
    if args.prepare_only:
        return
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from stadtlotse.accounts.models import User
    from stadtlotse.tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["testserver"]
    # No collectstatic for a benchmark: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    desk, _ = User.objects.get_or_create(username="bench-desk", defaults={"role": User.Role.DESK})
    client = Client()
    client.force_login(desk)
    busy = Ticket.objects.open().exclude(department=None).order_by("-id").first()
    pages = [
        ("desk overview (queues + inbox)", "/backoffice/"),
        ("ticket list: open, by urgency", "/backoffice/tickets?status=open&sort=urgency"),
        ("ticket list: overdue queue, by deadline", "/backoffice/tickets?queue=overdue&sort=deadline"),
        ("ticket list: page 100 of open", "/backoffice/tickets?status=open&page=100"),
        ("search: 'Sperrmüll' in open", "/backoffice/tickets?q=Sperrm%C3%BCll&status=open"),
        ("search: archive 'abgeholt'", "/backoffice/tickets?q=abgeholt&status=closed"),
        ("ticket detail", f"/backoffice/t/{busy.public_id}"),
    ]
    print(f"{connection.vendor}: {Ticket.objects.count():,} tickets, {Ticket.objects.open().count():,} open")
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8}")
    for label, url in pages:
        median, p95 = timed(client, url, args.rounds)
        print(f"{label:45} {median:10.1f} {p95:8.1f}")


if __name__ == "__main__":
    os.environ.setdefault("STADTLOTSE_ALLOW_INSECURE_KEY", "true")
    main()
