"""Contact retention benchmark: the daily erasure job on a filled database.

    .venv/bin/python bench/retention.py [--tickets 20000] [--database-url postgres://…]

Fills a fresh database with bench/fill.py (two years of tickets, most closed), gives every ticket a
contact (name, e-mail, phone), then times `privacy.erase_expired_contacts()` twice: the first run
erases the backlog (every ticket closed more than 90 days ago), the second is the steady state of
the daily job, which finds nothing new to erase. Prints erasures per second and both times.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fill  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-retention"))
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    fill_args = fill.parse_args(["--tickets", str(args.tickets), "--data-dir", args.data_dir]
                                + (["--database-url", args.database_url] if args.database_url else []))
    fill.setup_django(fill_args)
    from django.db import transaction

    from stadtlotse.tickets import privacy
    from stadtlotse.tickets.models import Contact, Ticket

    if not Ticket.objects.exists():
        fill.fill(fill_args)
    with transaction.atomic():
        have = set(Contact.objects.values_list("ticket_id", flat=True))
        Contact.objects.bulk_create(
            [Contact(ticket_id=pk, name=f"Person {pk}", email=f"person{pk}@example.org", phone=f"030 {pk:08d}")
             for pk in Ticket.objects.values_list("pk", flat=True) if pk not in have],
            batch_size=2000,
        )
    total = Contact.objects.count()
    due = privacy.erase_expired_contacts(commit=False)
    print(f"{Ticket.objects.count():,} tickets, {total:,} contacts, {due:,} due for erasure")
    started = time.perf_counter()
    erased = privacy.erase_expired_contacts()
    backlog = time.perf_counter() - started
    print(f"backlog: erased {erased:,} in {backlog:.1f} s ({erased / max(backlog, 1e-9):.0f} per second)")
    started = time.perf_counter()
    again = privacy.erase_expired_contacts()
    print(f"steady state (daily run, nothing new): {again} erased in {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
