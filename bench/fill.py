"""Fill a Stadtlotse database with N realistic tickets, fast, for the benchmarks.

    .venv/bin/python bench/fill.py --tickets 1000000 [--data-dir var/bench] [--database-url postgres://…]

Tickets are spread over two years and over Berlin's districts (points drawn inside the real
polygons), across all reportable categories, in a realistic mix of statuses: most closed, a
tenth open, nine in ten published. Each ticket gets its "received" event, closed ones a public
status change with a note, so timelines and Open311 update feeds have real rows to read.
Rows are written with bulk inserts in batches inside transactions (not through intake.submit(),
which would take hours for a million); ticket ids continue the real sequence so intake works
afterwards. Runs again on a filled database add more tickets. The new tickets are then put in
the search index by `stadtlotse reindex --after <the last id before>`, the command a city runs
after a bulk import, with its progress line.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="how many tickets to add (default 100000)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"),
                        help="SQLite database folder (ignored with --database-url)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL instead of SQLite")
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-index", action="store_true",
                        help="leave the new tickets out of the search index (run `stadtlotse reindex --after ID` later)")
    return parser.parse_args(argv)


def setup_django(args):
    os.environ.setdefault("STADTLOTSE_ALLOW_INSECURE_KEY", "true")
    os.environ["STADTLOTSE_DATA_DIR"] = args.data_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtlotse.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from stadtlotse.demo import seed as demo

    demo.seed_catalog()


class Progress:
    """One line that updates in place: done/total, rate and time left."""

    def __init__(self, total, label):
        self.total, self.label, self.started, self.done = total, label, time.monotonic(), 0

    def add(self, n):
        self.done += n
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed else 0
        left = (self.total - self.done) / rate if rate else 0
        end = "\n" if self.done >= self.total else ""
        sys.stderr.write(f"\r{self.label}: {self.done:,}/{self.total:,}  {rate:,.0f}/s  {left:,.0f} s left   {end}")
        sys.stderr.flush()


def point_sampler(rng):
    """Random points inside the districts, each with its district, weighted by district area."""
    from shapely.geometry import Point
    from shapely.prepared import prep

    from stadtlotse.catalog.models import Area
    from stadtlotse.catalog.geometry import shape_from_geojson

    areas = [(area, shape_from_geojson(area.geometry)) for area in Area.objects.filter(children__isnull=True)]
    if not areas:
        raise SystemExit("No districts in the database.")
    weights = [shape.area for _area, shape in areas]
    prepared = [(area, shape.bounds, prep(shape)) for area, shape in areas]

    def sample():
        area, (minx, miny, maxx, maxy), shape = rng.choices(prepared, weights)[0]
        while True:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shape.contains(Point(x, y)):
                return area, round(y, 6), round(x, 6)

    return sample


STATUS_MIX = [("done", 70), ("rejected", 8), ("duplicate", 4), ("new", 3), ("forwarded", 5),
              ("accepted", 3), ("in_progress", 6), ("needs_info", 1)]
NOTES = {
    "done": ["Erledigt, danke für den Hinweis.", "Der Sperrmüll wurde abgeholt.", "Die Leuchte ist repariert."],
    "rejected": ["Privatgelände, bitte an die Hausverwaltung wenden."],
    "duplicate": ["Bereits gemeldet."],
}


def _insert_sql(model, columns):
    from django.db import connection

    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES ({placeholders})"


class Rows:
    """Rows for one model as plain value lists: the column defaults adapted once, then per-row values.

    Building model instances and adapting every field through the ORM costs more than the insert
    itself; a million tickets would take an hour that way.
    """

    def __init__(self, model, connection):
        # Generated columns (Ticket.urgency) are computed by the database and cannot be inserted.
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        self.defaults = {}
        for field in self.fields:
            default = field.get_default() if field.has_default() or field.null else ""
            self.defaults[field.attname] = field.get_db_prep_save(default, connection)
        self.sql = _insert_sql(model, [f.column for f in self.fields])
        self.adapt_datetime = connection.ops.adapt_datetimefield_value

        self.template = [self.defaults[field.attname] for field in self.fields]
        self.position = {field.attname: i for i, field in enumerate(self.fields)}
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        # SQLite stores naive UTC text; str() of a naive datetime is what Django's adapter writes.
        self.text_datetimes = connection.vendor == "sqlite"

    def row(self, **values):
        row = list(self.template)
        position = self.position
        for name, value in values.items():
            if value is not None and hasattr(value, "tzinfo"):
                value = str(value.replace(tzinfo=None)) if self.text_datetimes else value
            row[position[name]] = value
        return row


def write(cursor, rows_of, rows):
    """Insert rows: COPY on PostgreSQL (several times faster than INSERTs), executemany elsewhere."""
    from django.db import connection

    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in rows_of.columns)
        with cursor.cursor.copy(f"COPY {quote(rows_of.table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(rows_of.sql, rows)


def speed_up(connection):
    """SQLite only: a bulk load needs no crash safety (run it again) but a big page cache for the indexes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")  # 400 MB
            cursor.execute("PRAGMA temp_store=MEMORY")


def fill(args):
    import secrets

    from django.db import connection, transaction
    from django.utils import timezone

    from stadtlotse.catalog.models import Category, Department
    from stadtlotse.demo.seed import load_reports
    from stadtlotse.tickets.models import Event, Ticket, TicketSequence

    rng = random.Random(args.seed)
    sample = point_sampler(rng)
    # Rejection sampling in the polygons costs ~0.1 ms a point: draw a pool once, pick from it.
    pool = [sample() for _ in range(min(args.tickets, 100_000))]
    speed_up(connection)
    # UTC throughout: naive-UTC text for SQLite is then a plain str().
    from datetime import UTC
    categories = [c.pk for c in Category.objects.reportable()]
    departments = list(Department.objects.values_list("pk", flat=True))
    texts = [r["text"] for r in load_reports() if len(r.get("text", "")) >= 10] or ["Müll liegt auf dem Gehweg."]
    statuses, weights = zip(*STATUS_MIX)
    channels = ["web", "web", "web", "app", "email", "phone"]
    now = timezone.now().astimezone(UTC)
    prefix = "SL"
    tickets, events = Rows(Ticket, connection), Rows(Event, connection)
    progress = Progress(args.tickets, "tickets")
    written = 0
    while written < args.tickets:
        size = min(args.batch, args.tickets - written)
        batch = []
        for _ in range(size):
            created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
            area, lat, lon = rng.choice(pool)
            status = rng.choices(statuses, weights)[0]
            updated = min(now, created + timedelta(hours=rng.randint(1, 24 * 20)))
            batch.append({
                "channel": rng.choice(channels), "category_id": rng.choice(categories),
                "description": rng.choice(texts), "lat": lat, "lon": lon, "area_id": area.pk, "status": status,
                "department_id": None if status == "new" else rng.choice(departments),
                "publication": "published" if rng.random() < 0.9 else rng.choice(["pending", "hidden"]),
                "created_at": created, "updated_at": updated,
                "due_at": created + timedelta(days=rng.choice([3, 5, 10])),
                "resolved_at": updated if status in Ticket.CLOSED_STATUSES else None,
                "access_token": secrets.token_urlsafe(24),
            })
        with transaction.atomic():
            # Number the batch from the real per-year sequences, locked like intake does.
            for year in sorted({t["created_at"].year for t in batch}):
                sequence, _ = TicketSequence.objects.select_for_update().get_or_create(prefix=prefix, year=year)
                of_year = [t for t in batch if t["created_at"].year == year]
                for i, ticket in enumerate(of_year, start=sequence.last_number + 1):
                    ticket["public_id"] = f"{prefix}-{year}-{i:04d}"
                sequence.last_number += len(of_year)
                sequence.save(update_fields=["last_number"])
            public_ids = [t["public_id"] for t in batch]
            event_rows = []
            with connection.cursor() as cursor:
                write(cursor, tickets, [tickets.row(**t) for t in batch])
                ids = dict(Ticket.objects.filter(public_id__in=public_ids).values_list("public_id", "id"))
                for t in batch:
                    ticket_id = ids[t["public_id"]]
                    event_rows.append(events.row(ticket_id=ticket_id, kind="created", visibility="public",
                                                 actor_kind="reporter", status_to="new", created_at=t["created_at"]))
                    if t["status"] in NOTES:
                        event_rows.append(events.row(
                            ticket_id=ticket_id, kind="status_changed", visibility="public", actor_kind="user",
                            department_id=t["department_id"], status_from="in_progress", status_to=t["status"],
                            note=rng.choice(NOTES[t["status"]]), created_at=t["updated_at"]))
                write(cursor, events, event_rows)
        written += size
        progress.add(size)
    return written


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    setup_django(args)
    from django.core.management import call_command
    from django.db.models import Max

    from stadtlotse.tickets.models import Ticket

    started = time.monotonic()
    before = Ticket.objects.aggregate(last=Max("pk"))["last"] or 0
    n = fill(args)
    if not args.no_index:
        call_command("reindex", "--after", str(before), stdout=sys.stdout, stderr=sys.stderr)

    print(f"Added {n:,} tickets in {time.monotonic() - started:.0f} s; the database now holds "
          f"{Ticket.objects.count():,}.")


if __name__ == "__main__":
    main()
