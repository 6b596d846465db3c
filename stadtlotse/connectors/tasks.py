import logging

from django.db import transaction

from django_tasks import task

from stadtlotse.core import jobs

from . import delivery as deliveries
from .models import Delivery

logger = logging.getLogger(__name__)


@task()
def deliver(delivery_id):
    """Forward one ticket through its department's connector, retrying with backoff.

    No transaction is held while talking to the other system: on SQLite that would block every writer.
    """
    delivery = Delivery.objects.select_related("ticket", "department").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "skipped"
    delivery.attempts += 1
    try:
        deliveries.attempt(delivery)
        return "delivered"
    except Exception as exc:  # noqa: BLE001 - whatever went wrong outside, the ticket must still arrive
        error = f"{type(exc).__name__}: {exc}"[:1000]
        logger.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, error)
        final = not jobs.may_retry(delivery.attempts)
        with transaction.atomic():
            run_after = None if final else jobs.enqueue_retry(deliver, delivery.attempts, delivery_id)
            deliveries.record_failure(delivery, error, final=final, next_attempt_at=run_after)
        return "failed" if final else "retry"

