"""One attempt to forward a ticket through its department's connector, chosen from a table.

The job `tasks.deliver` calls `attempt`, and `record_failure` when it fails; each connector module
raises errors.DeliveryError and never imports this one, so every import here is at module level.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from stadtlotse.catalog.models import Department
from stadtlotse.notifications import notify
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event

from . import mail_out, open311_client, webhook
from .errors import DeliveryError
from .models import Delivery


def deliver_to_portal(delivery: Delivery) -> str:
    """Portal departments work in the back office; a heads-up mail goes to their address if they have one."""
    department = delivery.department
    if not department.email:
        return ""
    with transaction.atomic():
        notification = notify.queue_email(delivery.ticket, department.email, "forward", event=delivery.event,
                                          department=department)
    return f"mail:{notification.pk}"


# Connector → the function that forwards once and returns the target's reference (or "").
CONNECTORS: dict[str, Callable[[Delivery], str]] = {
    Department.Connector.PORTAL: deliver_to_portal,
    Department.Connector.EMAIL: mail_out.send_forward,
    Department.Connector.WEBHOOK: webhook.post_forward,
    Department.Connector.OPEN311: open311_client.post_request,
}


def attempt(delivery: Delivery) -> bool:
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


def record_failure(delivery: Delivery, error: str, *, final: bool, next_attempt_at: datetime | None = None) -> None:
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
