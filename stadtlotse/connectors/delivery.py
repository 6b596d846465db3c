"""Forwarding a ticket to its department's connector.

`queue_forward` is called inside workflow.forward()'s transaction; the job `deliver` does the
talking to the outside and records every attempt as an internal Event on the ticket. After the last
attempt the delivery is `failed` and waits in the desk's "delivery failed" queue for `retry`.

Exactly once: every delivery carries a `key` that the connectors send along (webhook
Idempotency-Key header, the mail's Message-ID), so a target that saw an attempt whose answer was
lost can recognise the repeat; the Open311 connector looks its earlier request up by our ticket id
before posting again.
"""

from django.db import transaction
from django.utils import timezone

from stadtlotse.catalog.models import Department
from stadtlotse.notifications import notify
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event

from .models import Delivery


class DeliveryError(Exception):
    """The connector could not deliver; the job will try again."""


def queue_forward(ticket, department, event):
    delivery = Delivery.objects.create(ticket=ticket, department=department, event=event,
                                       connector=department.connector, next_attempt_at=timezone.now())
    from .tasks import deliver

    deliver.enqueue(delivery.pk)
    return delivery


def _deliver_by_email(delivery):
    from . import mail_out

    return mail_out.send_forward(delivery)


def _deliver_to_portal(delivery):
    """Portal departments work in the back office; a heads-up mail goes to their address if they have one."""
    department = delivery.department
    if not department.email:
        return ""
    with transaction.atomic():
        notification = notify.queue_email(delivery.ticket, department.email, "forward", event=delivery.event,
                                          department=department)
    return f"mail:{notification.pk}"


def _deliver_by_webhook(delivery):
    from . import webhook

    return webhook.post_forward(delivery)


def _deliver_by_open311(delivery):
    from . import open311_client

    return open311_client.post_request(delivery)


CONNECTORS = {
    Department.Connector.PORTAL: _deliver_to_portal,
    Department.Connector.EMAIL: _deliver_by_email,
    Department.Connector.WEBHOOK: _deliver_by_webhook,
    Department.Connector.OPEN311: _deliver_by_open311,
}


def attempt(delivery):
    """Try once. Returns True when delivered; raises DeliveryError (or any error) otherwise."""
    connector = CONNECTORS.get(delivery.connector)
    if connector is None:
        raise DeliveryError(f"connector {delivery.connector!r} is not available in this installation")
    reference = connector(delivery)
    with transaction.atomic():
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.external_id = reference or delivery.external_id
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "external_id", "attempts",
                                     "last_error", "token"])
        ticket = delivery.ticket
        if delivery.connector == Department.Connector.OPEN311 and reference:
            # Status updates from the back end name the ticket by this id.
            ticket.external_system = delivery.department.slug
            ticket.external_id = reference
            ticket.save(update_fields=["external_system", "external_id"])
        workflow.record(ticket, Event.Kind.DELIVERY, by=workflow.SYSTEM, department=delivery.department,
                        data={"delivery": delivery.pk, "attempt": delivery.attempts, "result": "delivered",
                              "connector": delivery.connector, "reference": reference})
    return True


def record_failure(delivery, error, *, final, next_attempt_at=None):
    with transaction.atomic():
        delivery.last_error = error
        delivery.next_attempt_at = None if final else next_attempt_at
        if final:
            delivery.status = Delivery.Status.FAILED
        delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "token"])
        data = {"delivery": delivery.pk, "attempt": delivery.attempts, "result": "failed" if final else "retry",
                "connector": delivery.connector}
        if next_attempt_at and not final:
            data["next_attempt"] = next_attempt_at.isoformat(timespec="seconds")
        workflow.record(delivery.ticket, Event.Kind.DELIVERY, by=workflow.SYSTEM, department=delivery.department,
                        note=error, data=data)


@transaction.atomic
def retry(delivery, *, by):
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
    from .tasks import deliver

    deliver.enqueue(delivery.pk)
    return True
