"""The reporter's personal data: what is kept, handed out on request, and erased on schedule (DSGVO).

    erase_contact(ticket, by=workflow.REPORTER, reason="reporter")   # "delete my data" on the private page
    erase_expired_contacts()                                         # daily job: closed > N days ago
    export(ticket)                                                   # "download my data" (JSON)

Erasing blanks name, e-mail and phone on the Contact row and the copies the system made of them
(the recipient and text of messages sent to the reporter), and records an Event. The ticket itself,
its category, place, status and times stay, so statistics do not change.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import hooks, workflow
from .models import Contact, Event, Ticket

if TYPE_CHECKING:
    from stadtlotse.accounts.models import User

BATCH = 500


@transaction.atomic
def erase_contact(ticket: Ticket, *, by: "User | workflow.Actor", reason: str,
                  now: datetime | None = None) -> Event | None:
    """Erase the reporter's contact data of one ticket. Returns the Event, or None if there was nothing to erase."""
    now = now or timezone.now()
    workflow.lock(ticket)
    contact = Contact.objects.select_for_update().filter(ticket=ticket).first()
    if contact is None or contact.erased_at:
        return None
    # Before the addresses go: the messages sent to them are found by address.
    erased_messages = sum(hooks.call("contact_erased", contact))
    contact.name = contact.email = contact.phone = ""
    contact.wants_feedback = False
    contact.erased_at = now
    contact.save(update_fields=["name", "email", "phone", "wants_feedback", "erased_at"])
    event: Event = workflow.record(ticket, Event.Kind.CONTACT_ERASED, by=by, at=now,
                                   data={"reason": reason, "messages": erased_messages})
    return event


def expired_contacts(*, now: datetime | None = None, days: int | None = None) -> QuerySet[Contact]:
    """Contacts not yet erased of tickets closed more than `days` (CONTACT_RETENTION_DAYS) ago."""
    now = now or timezone.now()
    days = settings.STADTLOTSE["CONTACT_RETENTION_DAYS"] if days is None else days
    return Contact.objects.filter(
        erased_at__isnull=True,
        ticket__status__in=Ticket.CLOSED_STATUSES,
        ticket__resolved_at__lt=now - timedelta(days=days),
    ).order_by("pk")


def erase_expired_contacts(*, now: datetime | None = None, days: int | None = None, commit: bool = True) -> int:
    """Erase the contact data of tickets closed long enough ago. Returns how many (would be) erased.

    One short transaction per ticket, in batches, so the job never holds the write lock for long.
    """
    now = now or timezone.now()
    days = settings.STADTLOTSE["CONTACT_RETENTION_DAYS"] if days is None else days
    if not commit:
        return expired_contacts(now=now, days=days).count()
    erased = 0
    last = 0
    while True:
        batch = list(expired_contacts(now=now, days=days).filter(pk__gt=last).select_related("ticket")[:BATCH])
        if not batch:
            return erased
        for contact in batch:
            last = contact.pk
            if erase_contact(contact.ticket, by=workflow.SYSTEM, now=now,
                             reason=f"retention: closed more than {days} days ago"):
                erased += 1


def export(ticket: Ticket) -> dict[str, Any]:
    """Everything stored about the reporter of this ticket and their report, for "download my data"."""
    contact = Contact.objects.filter(ticket=ticket).first()
    contact_data: dict[str, Any] | None = None
    if contact is not None:
        contact_data = {
            "name": contact.name, "email": contact.email, "phone": contact.phone,
            "wants_feedback": contact.wants_feedback, "preferred_contact": contact.preferred,
            "consent_at": contact.consent_at.isoformat() if contact.consent_at else None,
            "erased_at": contact.erased_at.isoformat() if contact.erased_at else None,
        }
    messages: list[dict[str, Any]] = []
    if contact is not None and not contact.erased_at:
        messages = [message for messages in hooks.call("reporter_messages", contact) for message in messages]
    conversation = ticket.events.filter(kind__in=(Event.Kind.MESSAGE_FROM_REPORTER, Event.Kind.MESSAGE_TO_REPORTER))
    return {
        "ticket": ticket.public_id,
        "received_at": ticket.created_at.isoformat(),
        "channel": ticket.channel,
        "category": ticket.category.name,
        "description": ticket.description,
        "address": ticket.address,
        "lat": ticket.lat,
        "lon": ticket.lon,
        "answers": ticket.attributes,
        "status": ticket.status,
        "photos": ticket.attachments.count(),
        "contact": contact_data,
        "messages_to_you": messages,
        "conversation": [
            {"kind": e.kind, "text": e.note, "at": e.created_at.isoformat()}
            for e in conversation.order_by("created_at", "id")
        ],
        "retention": {
            "contact_erased_days_after_closing": settings.STADTLOTSE["CONTACT_RETENTION_DAYS"],
            "closed_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
        },
    }
