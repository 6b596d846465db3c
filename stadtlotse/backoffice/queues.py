"""The desk's queues: named filters over tickets, counted together in one query for the overview."""


from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stadtlotse.tickets import deadlines
from stadtlotse.tickets.models import Ticket

S = Ticket.Status


def conditions(now: datetime) -> dict[str, tuple[Promise, Q]]:
    """Queue name → (label, Q). A ticket may sit in several queues."""
    return {
        # An answered ticket back in `new` is not brand new: it sits in "answer received" instead.
        "new": (_("new"), Q(status=S.NEW, department__isnull=True, forwarded_at__isnull=True, answered_at__isnull=True)),
        "answered": (_("answer received"), Q(status__in=Ticket.OPEN_STATUSES, answered_at__isnull=False)),
        "returned": (_("returned by a department"),
                     # Only hand_back() puts a forwarded ticket back to `new` without a department.
                     Q(status=S.NEW, department__isnull=True, forwarded_at__isnull=False)),
        "moderation": (_("awaiting moderation"), Q(publication=Ticket.Publication.PENDING)),
        "overdue": (_("overdue"), Ticket.overdue_condition(now)),
        "follow_up": (_("follow-up due today"),
                      Q(status__in=Ticket.OPEN_STATUSES, follow_up_at__lt=deadlines.end_of_local_day(now))),
        "waiting": (_("waiting for the reporter"), Q(status=S.NEEDS_INFO)),
    }


def choices() -> list[tuple[str, Promise]]:
    return [(name, label) for name, (label, _q) in conditions(timezone.now()).items()]


def counts(tickets: QuerySet[Ticket], now: datetime | None = None) -> dict[str, int]:
    """How many of `tickets` are in each queue."""
    now = now or timezone.now()
    # One count per queue, not one pass with six filters: each count is answered from an index
    # (status, publication, due date), so the closed bulk of a city's million is never read and
    # 100,000 open tickets are counted without reading their rows.
    return {name: tickets.filter(q).count() for name, (_label, q) in conditions(now).items()}


def apply(tickets: QuerySet[Ticket], name: str, now: datetime | None = None) -> QuerySet[Ticket]:
    label_q = conditions(now or timezone.now()).get(name)
    return tickets.filter(label_q[1]) if label_q else tickets
