"""Forwarding a ticket to its department's connector.

`queue_forward` is called inside workflow.forward()'s transaction; the job `deliver` does the
talking to the outside and records every attempt as an internal Event on the ticket.
"""

from django.db import transaction
from django.utils import timezone

from stadtlotse.catalog.models import Department
from stadtlotse.tickets.models import Event

from .models import Delivery


class DeliveryError(Exception):
    """The connector could not deliver; the job will try again."""


def queue_forward(ticket, department, event):
    delivery = Delivery.objects.create(ticket=ticket, department=department, event=event,
                                       connector=department.connector)
    from .tasks import deliver

    deliver.enqueue(delivery.pk)
    return delivery


def _deliver_by_email(delivery):
    """The department's mail: ticket id in the subject so replies can be matched."""
    from stadtlotse.notifications import notify

    department = delivery.department
    if not department.email:
        raise DeliveryError("department has no e-mail address")
    with transaction.atomic():
        notification = notify.queue_email(delivery.ticket, department.email, "forward", event=delivery.event,
                                          department=department)
    return f"mail:{notification.pk}"


def _deliver_to_portal(delivery):
    """Portal departments work in the back office; a heads-up mail goes to their address if they have one."""
    if delivery.department.email:
        return _deliver_by_email(delivery)
    return ""


CONNECTORS = {
    Department.Connector.PORTAL: _deliver_to_portal,
    Department.Connector.EMAIL: _deliver_by_email,
}


def attempt(delivery):
    """Try once. Returns True when delivered; raises DeliveryError (or any error) otherwise."""
    from stadtlotse.tickets import workflow

    connector = CONNECTORS.get(delivery.connector)
    if connector is None:
        raise DeliveryError(f"connector {delivery.connector!r} is not available in this installation")
    reference = connector(delivery)
    with transaction.atomic():
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.external_id = reference or delivery.external_id
        delivery.save(update_fields=["status", "delivered_at", "external_id", "attempts", "last_error"])
        workflow.record(delivery.ticket, Event.Kind.DELIVERY, by=workflow.SYSTEM, department=delivery.department,
                        data={"delivery": delivery.pk, "attempt": delivery.attempts, "result": "delivered",
                              "connector": delivery.connector, "reference": reference})
    return True


def record_failure(delivery, error, *, final):
    from stadtlotse.tickets import workflow

    with transaction.atomic():
        delivery.last_error = error
        if final:
            delivery.status = Delivery.Status.FAILED
        delivery.save(update_fields=["status", "attempts", "last_error"])
        workflow.record(delivery.ticket, Event.Kind.DELIVERY, by=workflow.SYSTEM, department=delivery.department,
                        note=error, data={"delivery": delivery.pk, "attempt": delivery.attempts,
                                          "result": "failed" if final else "retry", "connector": delivery.connector})
