"""Analytics benchmark: building the daily figures, and the dashboard read from them and from the tickets.

    .venv/bin/python bench/analytics.py [--tickets 100000] [--database-url postgres://…] [--rounds 5]

Fills the database with bench/fill.py up to `--tickets`, gives each ticket with a department the
department the routing rules choose for its category and district (fill.py picks one at random),
adds a forwarding event (by the system or by the desk) to each, so the forwarding figures have rows,
then times: a full `aggregate_figures` run, an incremental run after 1,000 tickets changed, and the
dashboard page (server time through Django's test client: queries, charts, rendering) for the last
30 days and the last 365 days, read from the daily figures and, for comparison, straight from the
tickets. Prints median and maximum per case.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-analytics"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-direct", action="store_true", help="do not time the dashboard without aggregates")
    parser.add_argument("--skip-build", action="store_true", help="do not time building the daily figures")
    return parser.parse_args()


def prepare(args):
    from django.db import connection, transaction

    from stadtlotse.tickets.models import Event, Ticket

    have = Ticket.objects.count()
    if have < args.tickets:
        fill.fill(argparse.Namespace(tickets=args.tickets - have, batch=5000, seed=have + 1))
    if not Event.objects.filter(kind="forwarded").exists():
        started = time.monotonic()
        # fill.py draws departments at random; a city's routing gives each category and district its
        # department, which is what makes the daily figures compact. Route the filled tickets like that.
        from stadtlotse.catalog.models import Area, Category
        from stadtlotse.routing.departments import choose_department

        with transaction.atomic():
            for category in Category.objects.all():
                for area in Area.objects.all():
                    department = choose_department(category, area)
                    if department:
                        Ticket.objects.filter(category=category, area=area, department__isnull=False).update(
                            department=department)
        print(f"routed the filled tickets by the routing rules in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        table, events = Ticket._meta.db_table, Event._meta.db_table
        # One forwarding per ticket with a department, a second after receipt; four in five by the system
        # (direct categories), the rest by the desk.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {events} (ticket_id, kind, visibility, actor_kind, actor_name, department_id, "
                f"status_from, status_to, note, data, created_at) "
                f"SELECT id, 'forwarded', 'public', CASE WHEN id % 5 = 0 THEN 'user' ELSE 'system' END, '', "
                f"department_id, 'new', 'forwarded', '', '{{}}', created_at FROM {table} "
                f"WHERE department_id IS NOT NULL")
        print(f"added forwarding events in {time.monotonic() - started:.1f} s")


def timed(fn, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main():
    args = parse_args()
    fill.setup_django(args)
    from django.core.management import call_command
    from django.db.models import F
    from django.test import Client
    from django.utils import timezone

    from stadtlotse.accounts.models import User
    from stadtlotse.analytics import aggregates
    from stadtlotse.analytics.models import DailyFigure
    from stadtlotse.tickets.models import Ticket

    prepare(args)
    print(f"{Ticket.objects.count():,} tickets")

    if not args.skip_build or not DailyFigure.objects.exists():
        started = time.monotonic()
        call_command("aggregate_figures", "--full", verbosity=0)
        print(f"aggregate_figures --full: {time.monotonic() - started:.1f} s, {DailyFigure.objects.count():,} rows")

        # A busy quarter of an hour: 1,000 changes to tickets received in the last 30 days.
        since = timezone.now() - timedelta(days=30)
        ids = list(Ticket.objects.filter(created_at__gte=since).order_by("?").values_list("pk", flat=True)[:1000])
        Ticket.objects.filter(pk__in=ids).update(updated_at=timezone.now() + timedelta(seconds=1))
        started = time.monotonic()
        days, _rows = aggregates.refresh()
        print(f"incremental refresh after 1,000 changed tickets of the last 30 days: {days} days in "
              f"{time.monotonic() - started:.1f} s")
        Ticket.objects.filter(pk__in=ids).update(updated_at=F("created_at"))

    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    # No collectstatic for a benchmark: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    desk, _ = User.objects.get_or_create(username="bench-desk", defaults={"role": User.Role.DESK})
    client = Client()
    client.force_login(desk)
    today = timezone.localdate()
    cases = [("30 days, per day", {"start": today - timedelta(days=29), "end": today, "unit": "day"}),
             ("365 days, per month", {"start": today - timedelta(days=364), "end": today, "unit": "month"})]

    def page(params):
        response = client.get("/backoffice/auswertung", params)
        assert response.status_code == 200, response.status_code

    for label, params in cases:
        median, worst = timed(lambda: page(params), args.rounds)
        print(f"dashboard from daily figures, {label}: median {median:.0f} ms, max {worst:.0f} ms")
    if not args.skip_direct:
        from unittest import mock

        with mock.patch("stadtlotse.analytics.aggregates.last_computed", return_value=None):
            for label, params in cases:
                median, worst = timed(lambda: page(params), max(1, args.rounds // 2))
                print(f"dashboard from the tickets, {label}: median {median:.0f} ms, max {worst:.0f} ms")


if __name__ == "__main__":
    main()
