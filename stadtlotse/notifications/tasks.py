import logging

from django_tasks import task

from stadtlotse.core import jobs

from . import digest, notify
from .models import Notification

logger = logging.getLogger(__name__)


@task()
def send_notification(notification_id: int) -> str:
    """Send one e-mail; on failure try again later with backoff, and after the last attempt record the failure.

    No transaction is held while talking to the mail server: on SQLite that would block every writer.
    """
    notification = Notification.objects.select_related("ticket").filter(pk=notification_id).first()
    if notification is None or notification.status != Notification.Status.PENDING:
        return "skipped"
    if notification.attempts == 0 and not notify.within_daily_cap(notification):
        # Dropped without a word to whoever typed the address; the desk sees it on the ticket's history.
        logger.warning("notification %s dropped: its recipient had too many mails today", notification_id)
        notify.give_up(notification, "Not sent: this address already had the most mails allowed per day.")
        return "dropped"
    notification.attempts += 1
    try:
        notify.send(notification)
        return "sent"
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server means: try again later
        error = f"{type(exc).__name__}: {exc}"[:1000]
        logger.warning("notification %s attempt %s failed: %s", notification_id, notification.attempts, error)
        notification.last_error = error
        if jobs.may_retry(notification.attempts):
            notification.save(update_fields=["attempts", "last_error"])
            jobs.enqueue_retry(send_notification, notification.attempts, notification_id)
            return "retry"
        notify.give_up(notification, error)
        return "failed"


@task()
def daily_digest() -> int:
    """The digest job: sends today's digest and schedules tomorrow's, so one job keeps the cycle going."""
    try:
        return digest.send_digest()
    finally:
        daily_digest.using(run_after=digest.next_run()).enqueue()


def schedule_daily_digest() -> bool:
    """Queue the digest job unless one is already waiting (called when the server starts)."""
    return jobs.start_cycle(daily_digest, digest.next_run())
