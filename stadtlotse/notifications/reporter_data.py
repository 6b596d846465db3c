"""The messages sent to one reporter, for their data export and for erasing their contact data.

Answers the tickets app's hooks `reporter_messages` and `contact_erased` (registered in apps.py):
the tickets app knows the contact, this app knows what was sent to it.
"""

from typing import Any

from django.db.models import QuerySet

from stadtlotse.tickets.models import Contact

from .models import Notification


def _sent_to(contact: Contact) -> QuerySet[Notification]:
    addresses = [value for value in (contact.email, contact.phone) if value]
    return Notification.objects.filter(ticket_id=contact.ticket_id, recipient__in=addresses)


def messages_to(contact: Contact) -> list[dict[str, Any]]:
    """Every message to the contact's addresses about their ticket, oldest first, as plain data."""
    return [
        {"sent_to": n.recipient, "subject": n.subject, "text": n.body_text, "status": n.status,
         "created_at": n.created_at.isoformat()}
        for n in _sent_to(contact).order_by("created_at", "id")
    ]


def erase_messages_to(contact: Contact) -> int:
    """Before the contact data goes: cancel what was not sent yet, blank what was. Returns how many messages."""
    messages = _sent_to(contact)
    # A message not yet sent cannot go anywhere now; sent ones keep their subject as a record.
    messages.filter(status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED, last_error="contact data erased"
    )
    return messages.update(recipient="", body_text="", body_html="")
