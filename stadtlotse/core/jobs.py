"""Background jobs: enqueue and retry with backoff.

Jobs are rows in the database (django-tasks' database backend), so enqueueing inside a
transaction.atomic() block commits or rolls back together with the change that needs the job.
"""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks.base import Task


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with ±25 % jitter, so a recovering server is not hit by every retry at once."""
    base = settings.STADTLOTSE["JOB_RETRY_BASE_SECONDS"] * (2 ** max(attempt - 1, 0))
    base = min(base, settings.STADTLOTSE["JOB_RETRY_MAX_SECONDS"])
    return timedelta(seconds=base * random.uniform(0.75, 1.25))  # noqa: S311 - jitter, not security


def may_retry(attempt: int) -> bool:
    return bool(attempt < settings.STADTLOTSE["JOB_MAX_ATTEMPTS"])


def enqueue_retry(task: Task[..., Any], attempt: int, *args: Any) -> datetime:
    """Run `task(*args)` again later; returns when it will run."""
    run_after = timezone.now() + retry_delay(attempt)
    task.using(run_after=run_after).enqueue(*args)
    return run_after


def requeue_stale(*, started_before: datetime) -> int:
    """Put jobs back in the queue that a worker claimed before `started_before` and never finished.

    A worker killed mid-job (power loss, SIGKILL, OOM) leaves its job marked as running forever.
    Our jobs check their own state before acting, so running one again is safe. Returns the count.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=started_before).update(
        status=TaskResultStatus.READY, started_at=None
    )


def start_cycle(task: Task[[], Any], run_after: datetime) -> bool:
    """Queue a self-repeating job (digest, retention, refresh, polling) unless one already waits.

    Called when the server starts; each run queues its own successor, so the cycle keeps going.
    Returns whether it queued one.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists():
        return False
    task.using(run_after=run_after).enqueue()
    return True


def next_local_time(hour: int, *, weekday: int | None = None, now: datetime | None = None) -> datetime:
    """The next moment at `hour` o'clock city time after `now` (on `weekday`, 0 = Monday, if given):
    when the periodic jobs (digest, retention, weekly summary) run next."""
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if weekday is None:
        return at if at > local else at + timedelta(days=1)
    at += timedelta(days=(weekday - at.weekday()) % 7)
    return at if at > local else at + timedelta(days=7)


# The self-repeating jobs, each registered by its own app in AppConfig.ready(): `serve` starts
# them all without importing the apps above core.
_periodic: dict[str, Callable[[], object]] = {}


def register_periodic(name: str, schedule: Callable[[], object]) -> None:
    """`schedule()` queues the job's first run unless one waits already (see start_cycle)."""
    _periodic[name] = schedule


def start_periodic() -> list[str]:
    """Start every registered cycle that is not running yet (e.g. on a fresh install). Returns their names."""
    for schedule in _periodic.values():
        schedule()
    return sorted(_periodic)
