from datetime import datetime

from django_tasks import task

from stadtlotse.core import jobs

from . import hooks, privacy

# Local hour (city time) of the daily erasure: at night, when nobody is working on tickets.
RETENTION_HOUR = 3


def next_retention_run(now: datetime | None = None) -> datetime:
    return jobs.next_local_time(RETENTION_HOUR, now=now)


@task()
def erase_expired_contacts() -> int:
    """The nightly retention job: erases contact data of tickets closed long enough ago, deletes web
    reports whose sender never confirmed them (intake/confirmation.py), and queues tomorrow's run."""
    try:
        hooks.call("nightly_retention")
        return privacy.erase_expired_contacts()
    finally:
        erase_expired_contacts.using(run_after=next_retention_run()).enqueue()


def schedule_retention() -> bool:
    """Queue the retention job unless one is already waiting (called when the server starts)."""
    return jobs.start_cycle(erase_expired_contacts, next_retention_run())
