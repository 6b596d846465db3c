import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from django_tasks import task

from stadtlotse.catalog.models import Department
from stadtlotse.core import jobs

from . import dispatch, imap, open311_client
from .errors import DeliveryError
from .models import Delivery

logger = logging.getLogger(__name__)


@task()
def deliver(delivery_id: int) -> str:
    """Forward one ticket through its department's connector, retrying with backoff.

    No transaction is held while talking to the other system: on SQLite that would block every writer.
    """
    delivery = Delivery.objects.select_related("ticket", "department").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "skipped"
    delivery.attempts += 1
    try:
        dispatch.attempt(delivery)
        return "delivered"
    except Exception as exc:  # noqa: BLE001 - whatever went wrong outside, the ticket must still arrive
        error = f"{type(exc).__name__}: {exc}"[:1000]
        logger.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, error)
        final = not jobs.may_retry(delivery.attempts)
        with transaction.atomic():
            run_after = None if final else jobs.enqueue_retry(deliver, delivery.attempts, delivery_id)
            dispatch.record_failure(delivery, error, final=final, next_attempt_at=run_after)
        return "failed" if final else "retry"


def _next_poll() -> datetime:
    return timezone.now() + timedelta(seconds=settings.STADTLOTSE["CONNECTOR_POLL_SECONDS"])


@task()
def poll_department_systems() -> None:
    """Pull what the departments' systems report back (their Open311 back ends, the IMAP mailbox
    for replies), then queue the next round, so `serve` needs no separate poller processes."""
    try:
        if settings.STADTLOTSE["CONNECTOR_IMAP_URL"]:
            try:
                imap.poll()
            except (OSError, imap.imaplib.IMAP4.error) as exc:
                logger.warning("IMAP poll failed: %s", exc)
        departments = Department.objects.filter(connector=Department.Connector.OPEN311, is_active=True)
        for department in departments.order_by("name"):
            try:
                open311_client.poll(department)
            except DeliveryError as exc:  # unreachable, or an answer that makes no sense
                logger.warning("Open311 poll of %s failed: %s", department.slug, exc)
    finally:
        poll_department_systems.using(run_after=_next_poll()).enqueue()


def schedule_polling() -> bool:
    """Start the polling cycle unless switched off (STADTLOTSE_CONNECTOR_POLL_SECONDS=0) or already waiting."""
    if not settings.STADTLOTSE["CONNECTOR_POLL_SECONDS"]:
        return False
    return jobs.start_cycle(poll_department_systems, _next_poll())
