"""Rebuild the full-text search index: all tickets, those changed since a date, or given ids."""

import time
from argparse import ArgumentParser
from datetime import datetime, time as clock
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from stadtlotse.tickets import search
from stadtlotse.tickets.models import Event, Ticket


class Progress:
    """One line on the terminal, rewritten in place: done/total, rate and time left."""

    def __init__(self, total: int, out: Any) -> None:
        self.total, self.out, self.done, self.started = total, out, 0, time.monotonic()

    def __call__(self, done: int, last_id: int) -> None:
        self.done += done
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        self.out.write(f"\r{self.done:,}/{self.total:,} tickets  {rate:,.0f}/s  {left:,.0f} s left  "
                       f"(last id {last_id})   ", style_func=str, ending="")
        self.out.flush()


def _since(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, clock.min)
    if moment is None:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM).") % {"value": value})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = ("Rebuild the full-text search index of all tickets, of those changed since --since, or of the "
            "given ticket ids; in short batches, so the server keeps running. Safe to run again or to "
            "continue with --after.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("ids", nargs="*", metavar="TICKET_ID", help="only these tickets (e.g. SL-2026-0042)")
        parser.add_argument("--since", help="only tickets changed since this date (YYYY-MM-DD[THH:MM], city time)")
        parser.add_argument("--after", type=int, default=0,
                            help="continue an interrupted run after this database id (printed on interruption)")
        parser.add_argument("--batch", type=int, default=500, help="tickets per transaction (default 500)")
        parser.add_argument("--dry-run", action="store_true", help="only count the tickets that would be indexed")

    def handle(self, *args: Any, ids: list[str], since: str | None, after: int, batch: int, dry_run: bool,
               **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            tickets = self.tickets(ids=ids, since=since, after=after, batch=batch)
        total = tickets.filter(pk__gt=after).count()
        if dry_run:
            self.stdout.write(f"Would reindex {total:,} ticket(s).")
            return
        # Progress only for a person watching; cron mail and logs get the summary line alone.
        progress = Progress(total, self.stderr) if self.stderr.isatty() and total else None
        last = [after]

        def done(count: int, last_id: int) -> None:
            last[0] = last_id
            if progress:
                progress(count, last_id)

        started = time.monotonic()
        try:
            count = search.reindex_all(tickets, batch=batch, after=after, progress=done)
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; every ticket up to id {last[0]} is indexed. "
                               f"Continue with --after {last[0]}.") from None
        if progress:
            self.stderr.write("", style_func=str)  # end the progress line
        elapsed = time.monotonic() - started
        self.stdout.write(f"Reindexed {count:,} ticket(s) in {elapsed:.1f} s.")

    def tickets(self, *, ids: list[str], since: str | None, after: int, batch: int) -> QuerySet[Ticket]:
        if batch < 1:
            raise CommandError(_("--batch must be at least 1."))
        if after < 0:
            raise CommandError(_("--after must not be negative."))
        tickets = Ticket.objects.all()
        if ids:
            found = set(Ticket.objects.filter(public_id__in=ids).values_list("public_id", flat=True))
            if missing := [public_id for public_id in ids if public_id not in found]:
                raise CommandError(_("No ticket with the id %(ids)s.") % {"ids": ", ".join(missing)})
            tickets = tickets.filter(public_id__in=ids)
        if since:
            moment = _since(since)
            # A note changes the document without touching updated_at: its event counts too.
            noted = Event.objects.filter(created_at__gte=moment).values("ticket_id")
            tickets = tickets.filter(Q(updated_at__gte=moment) | Q(pk__in=noted))
        return tickets
