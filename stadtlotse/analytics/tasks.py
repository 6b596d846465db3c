from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task


def _next_run():
    return timezone.now() + timedelta(minutes=settings.STADTLOTSE["ANALYTICS_REFRESH_MINUTES"])


@task()
def refresh_figures():
    """Rebuild the changed days, then schedule the next run: one job keeps the cycle going."""
    from . import aggregates

    try:
        days, _rows = aggregates.refresh()
        return days
    finally:
        refresh_figures.using(run_after=_next_run()).enqueue()


def schedule_refresh():
    """Queue the refresh job unless one is already waiting (called when the server starts)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=refresh_figures.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    refresh_figures.using(run_after=_next_run()).enqueue()
    return True


@task()
def weekly_summary():
    """Send this week's summaries and schedule next week's."""
    from . import summary

    try:
        return summary.send_weekly_summary()
    finally:
        weekly_summary.using(run_after=summary.next_run()).enqueue()


def schedule_weekly_summary():
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from . import summary

    waiting = DBTaskResult.objects.filter(task_path=weekly_summary.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    weekly_summary.using(run_after=summary.next_run()).enqueue()
    return True
