from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from stadtlotse.core import jobs

from . import aggregates, summary


def _next_run():
    return timezone.now() + timedelta(minutes=settings.STADTLOTSE["ANALYTICS_REFRESH_MINUTES"])


@task()
def refresh_figures():
    """Rebuild the changed days, then schedule the next run: one job keeps the cycle going."""
    try:
        days, _rows = aggregates.refresh()
        return days
    finally:
        refresh_figures.using(run_after=_next_run()).enqueue()


def schedule_refresh():
    """Queue the refresh job unless one is already waiting (called when the server starts)."""
    return jobs.start_cycle(refresh_figures, _next_run())


@task()
def weekly_summary():
    """Send this week's summaries and schedule next week's."""
    try:
        return summary.send_weekly_summary()
    finally:
        weekly_summary.using(run_after=summary.next_run()).enqueue()


def schedule_weekly_summary():
    return jobs.start_cycle(weekly_summary, summary.next_run())
