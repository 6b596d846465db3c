"""The daily digest for staff: overdue tickets (escalated here) and follow-ups that are due.

The desk gets every overdue ticket and every due follow-up; each department's leads get their
department's overdue tickets. Sent straight by the job (staff mail, not the reporters' outbox).
"""

from datetime import datetime
from typing import Any


from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from stadtlotse.accounts.models import Membership
from stadtlotse.core import jobs
from stadtlotse.tickets import deadlines, workflow
from stadtlotse.tickets.models import Ticket, TicketQuerySet

from .notify import render_text

# A digest lists at most this many tickets per section and says how many more there are.
MAX_LISTED = 200


def overdue(now: datetime) -> TicketQuerySet:
    return Ticket.objects.overdue(now).select_related("department", "category").order_by("due_at", "id")


def follow_ups_due(now: datetime) -> TicketQuerySet:
    """Open tickets whose follow-up date is today or earlier."""
    return (
        Ticket.objects.open().filter(follow_up_at__lt=deadlines.end_of_local_day(now))
        .select_related("department", "category").order_by("follow_up_at", "id")
    )


def escalate_overdue(now: datetime, *, batch: int = 200) -> int:
    """Mark newly overdue tickets as escalated, one short transaction per ticket; returns how many."""
    count, last = 0, 0
    while True:
        # Each batch of ids read in full before writing: on SQLite a cursor left open across the
        # writes is a stale snapshot, and its first write after the server committed anything
        # fails at once with "database is locked" (busy timeout or not).
        pending = overdue(now).filter(escalated_at__isnull=True, pk__gt=last).order_by("pk")
        chunk = list(pending.values_list("pk", flat=True)[:batch])
        if not chunk:
            return count
        for ticket in Ticket.objects.filter(pk__in=chunk).order_by("pk"):
            # escalate() is its own transaction (IMMEDIATE on SQLite), re-reads under lock, and
            # does nothing for a ticket someone escalated or fixed meanwhile.
            if workflow.escalate(ticket, now=now):
                count += 1
        last = chunk[-1]


def _message(recipient: str, context: dict[str, Any]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_text("emails/digest-subject.txt", context).split())
        body = render_text("emails/digest-body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[recipient], headers={"Auto-Submitted": "auto-generated"})


def messages(now: datetime) -> list[tuple[str, EmailMessage]]:
    """The digest e-mails due now: (recipient, EmailMessage); none for a recipient with nothing to report."""
    base = {"site_url": settings.SITE_URL, "city": settings.STADTLOTSE["CITY_NAME"], "now": now}
    result: list[tuple[str, EmailMessage]] = []
    all_overdue, due = overdue(now), follow_ups_due(now)
    overdue_count, due_count = all_overdue.count(), due.count()
    if overdue_count or due_count:
        context = {**base, "overdue": all_overdue[:MAX_LISTED], "overdue_count": overdue_count,
                   "follow_ups": due[:MAX_LISTED], "follow_up_count": due_count, "department": None}
        result.append((settings.STADTLOTSE["DESK_EMAIL"], _message(settings.STADTLOTSE["DESK_EMAIL"], context)))
    leads = (
        Membership.objects.filter(is_lead=True, user__is_active=True).exclude(user__email="")
        .select_related("user", "department").order_by("department__name", "user__username")
    )
    for membership in leads:
        tickets = all_overdue.filter(department=membership.department)
        count = tickets.count()
        if not count:
            continue
        context = {**base, "overdue": tickets[:MAX_LISTED], "overdue_count": count, "follow_ups": [],
                   "follow_up_count": 0, "department": membership.department}
        result.append((membership.user.email, _message(membership.user.email, context)))
    return result


def send_digest(*, now: datetime | None = None) -> int:
    """Escalate what became overdue, then send the digest mails. Returns the number of mails sent."""
    now = now or timezone.now()
    escalate_overdue(now)
    sent = 0
    for _recipient, message in messages(now):
        message.send(fail_silently=False)
        sent += 1
    return sent


def next_run(now: datetime | None = None) -> datetime:
    """The next digest time: today's DIGEST_HOUR (city time) if still ahead, else tomorrow's."""
    return jobs.next_local_time(settings.STADTLOTSE["DIGEST_HOUR"], now=now)
