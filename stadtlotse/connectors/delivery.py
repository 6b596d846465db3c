"""Forwarding a ticket to its department's connector.

`queue_forward` is called inside workflow.forward()'s transaction; the job `tasks.deliver` does the
talking to the outside (one attempt: dispatch.py) and records every attempt as an internal Event on
the ticket. After the last attempt the delivery is `failed` and waits in the desk's "delivery
failed" queue for `retry`.

Exactly once: every delivery carries a `key` that the connectors send along (webhook
Idempotency-Key header, the mail's Message-ID), so a target that saw an attempt whose answer was
lost can recognise the repeat; the Open311 connector looks its earlier request up by our ticket id
before posting again.
"""

from django.db import transaction
from django.utils import timezone

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Department
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

from .errors import DeliveryError  # noqa: F401 - kept importable from here for callers outside the app
from .models import Delivery
from .tasks import deliver


def queue_forward(ticket: Ticket, department: Department, event: Event) -> Delivery:
    """The tickets app's "forwarded" hook: a delivery, and its job queued in the same transaction."""
    delivery = Delivery.objects.create(ticket=ticket, department=department, event=event,
                                       connector=department.connector, next_attempt_at=timezone.now())
    deliver.enqueue(delivery.pk)
    return delivery


@transaction.atomic
def retry(delivery: Delivery, *, by: User) -> bool:
    """The desk's retry button: one more attempt now for a delivery that gave up.

    Returns False when there is nothing to retry (already retried, delivered, or the ticket moved on).
    """
    delivery = Delivery.objects.select_for_update().select_related("ticket", "department").get(pk=delivery.pk)
    if delivery.status != Delivery.Status.FAILED or delivery.ticket.department_id != delivery.department_id:
        return False
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    workflow.record(delivery.ticket, Event.Kind.DELIVERY, by=by, department=delivery.department,
                    data={"delivery": delivery.pk, "result": "retry requested", "connector": delivery.connector})
    deliver.enqueue(delivery.pk)
    return True
