"""The weekly summary for department leads: their backlog, what is overdue, and the trend against the week before."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from stadtlotse.accounts.models import Membership
from stadtlotse.core import jobs
from stadtlotse.notifications.notify import render_text
from stadtlotse.tickets.models import Ticket

from .figures import RESOLVED, Filter


@dataclass
class Week:
    department: object
    start: object
    end: object
    backlog: int
    overdue: int
    received: int
    received_before: int
    resolved: int
    resolved_before: int

    @property
    def received_change(self):
        return self.received - self.received_before

    @property
    def resolved_change(self):
        return self.resolved - self.resolved_before


def _resolved(department, start, end):
    since, until = Filter(start, end).bounds()
    return Ticket.objects.filter(department=department, status__in=RESOLVED, resolved_at__gte=since,
                                 resolved_at__lt=until).count()


def week_of(department, *, now):
    """The figures for the seven local days before `now`'s day, and the seven before those."""
    end = timezone.localdate(now) - timedelta(days=1)
    start = end - timedelta(days=6)
    before_start, before_end = start - timedelta(days=7), start - timedelta(days=1)
    open_tickets = Ticket.objects.open().filter(department=department)
    return Week(
        department=department, start=start, end=end, backlog=open_tickets.count(),
        overdue=Ticket.objects.overdue(now).filter(department=department).count(),
        received=Filter(start, end, department=department).tickets().count(),
        received_before=Filter(before_start, before_end, department=department).tickets().count(),
        resolved=_resolved(department, start, end), resolved_before=_resolved(department, before_start, before_end),
    )


def messages(now):
    """One e-mail per active department lead with an address: [(recipient, EmailMessage)]."""
    leads = (Membership.objects.filter(is_lead=True, user__is_active=True, department__is_active=True)
             .exclude(user__email="").select_related("user", "department").order_by("department__name", "user__pk"))
    weeks, out = {}, []
    for membership in leads:
        week = weeks.get(membership.department_id) or week_of(membership.department, now=now)
        weeks[membership.department_id] = week
        context = {"week": week, "site_url": settings.SITE_URL, "city": settings.STADTLOTSE["CITY_NAME"]}
        with translation.override(settings.LANGUAGE_CODE):
            subject = " ".join(render_text("emails/weekly-summary-subject.txt", context).split())
            body = render_text("emails/weekly-summary-body.txt", context)
        out.append((membership.user.email, EmailMessage(subject=subject, body=body, to=[membership.user.email],
                                                        headers={"Auto-Submitted": "auto-generated"})))
    return out


def send_weekly_summary(*, now=None):
    """Send the summaries; returns how many were sent."""
    sent = 0
    for _recipient, message in messages(now or timezone.now()):
        message.send(fail_silently=False)
        sent += 1
    return sent


def next_run(now=None):
    """The next WEEKLY_SUMMARY_WEEKDAY at DIGEST_HOUR, city time, after `now`."""
    return jobs.next_local_time(settings.STADTLOTSE["DIGEST_HOUR"],
                                weekday=settings.STADTLOTSE["WEEKLY_SUMMARY_WEEKDAY"], now=now)
