from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from stadtlotse.core import jobs

# Local hour (city time) of the daily erasure: at night, when nobody is working on tickets.
RETENTION_HOUR = 3


def next_retention_run(now=None):
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=RETENTION_HOUR, minute=0, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


@task()
def erase_expired_contacts():
    """The nightly retention job: erases contact data of tickets closed long enough ago, deletes web
    reports whose sender never confirmed them (intake/confirmation.py), and queues tomorrow's run."""
    from stadtlotse.intake import confirmation

    from . import privacy

    try:
        confirmation.expire(commit=True)
        return privacy.erase_expired_contacts()
    finally:
        erase_expired_contacts.using(run_after=next_retention_run()).enqueue()


def schedule_retention():
    """Queue the retention job unless one is already waiting (called when the server starts)."""
    return jobs.start_cycle(erase_expired_contacts, next_retention_run())
