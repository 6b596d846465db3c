"""Fill a database with N tickets for the map benchmark only: ticket rows, no timeline events.

    .venv/bin/python bench/fill_map.py --tickets 1000000 --data-dir var/bench-map

The lead's bench/fill.py writes each ticket's events as well and ran at about 250 tickets/s on the
shared benchmark machine (over an hour for a million); the map reads only ticket rows, so this
writes just those, with fill.py's own district sampling and status mix, in a few minutes.
"""

import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fill  # noqa: E402  (bench/fill.py: settings, districts, status mix)


def fill_tickets(args):
    from django.db import transaction
    from django.utils import timezone

    from stadtlotse.catalog.models import Category, Department
    from stadtlotse.tickets.models import Ticket, TicketSequence

    rng = random.Random(args.seed)
    sample = fill.point_sampler(rng)
    categories = list(Category.objects.reportable())
    departments = list(Department.objects.all())
    statuses, weights = zip(*fill.STATUS_MIX)
    now = timezone.now()
    progress = fill.Progress(args.tickets, "tickets")
    sequence, _created = TicketSequence.objects.get_or_create(prefix="SB", year=2000)
    number = sequence.last_number
    written = 0
    while written < args.tickets:
        size = min(args.batch, args.tickets - written)
        rows = []
        for _ in range(size):
            number += 1
            created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
            area, lat, lon = sample()
            status = rng.choices(statuses, weights)[0]
            closed = status in Ticket.CLOSED_STATUSES
            updated = min(now, created + timedelta(hours=rng.randint(1, 24 * 20)))
            rows.append(Ticket(
                # Their own id prefix and year: they never collide with real tickets' ids.
                public_id=f"SB-2000-{number:07d}", category=rng.choice(categories), description="Benchmark",
                lat=lat, lon=lon, area=area, status=status,
                department=None if status == "new" else rng.choice(departments),
                publication="published" if rng.random() < 0.9 else rng.choice(["pending", "hidden"]),
                created_at=created, updated_at=updated, resolved_at=updated if closed else None,
            ))
        with transaction.atomic():
            Ticket.objects.bulk_create(rows, batch_size=1000)
            TicketSequence.objects.filter(pk=sequence.pk).update(last_number=number)
        written += size
        progress.add(size)


def main(argv=None):
    args = fill.parse_args(argv)
    fill.setup_django(args)
    fill_tickets(args)


if __name__ == "__main__":
    main()
