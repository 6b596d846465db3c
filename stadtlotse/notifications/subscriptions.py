"""Residents following a published ticket by e-mail: double opt-in, an unsubscribe link in every mail.

A subscriber is not the reporter: their mails link the public ticket page, never the private link.
"""

from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtlotse.tickets.models import Event, Ticket

from . import notify
from .models import Notification, Subscription

# A second "subscribe" for the same unconfirmed address within this time sends no second mail.
RESEND_AFTER = timedelta(minutes=15)
MAX_EMAIL_CHARS = 254
# Mails per status change at most (a popular ticket with its merged duplicates); bounded like followers().
MAX_FOLLOWERS = 2000


def check_email(email: str | None) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": _("Please enter your e-mail address.")})
    try:
        if len(email) > MAX_EMAIL_CHARS:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("This e-mail address is not valid.")}) from None
    return email


class Links(TypedDict):
    confirm_url: str
    unsubscribe_url: str


def _links(subscription: Subscription) -> Links:
    return {
        "confirm_url": settings.SITE_URL + reverse("publicweb:subscription_confirm", args=[subscription.token]),
        "unsubscribe_url": settings.SITE_URL + reverse("publicweb:unsubscribe", args=[subscription.token]),
    }


@transaction.atomic
def subscribe(ticket: Ticket, email: str | None, *, language: str | None = "de",
              now: datetime | None = None) -> Subscription:
    """Ask to follow a published ticket. Queues the confirmation mail; returns the Subscription.

    Subscribing again with a confirmed address changes nothing; an unconfirmed one gets the mail again
    (at most every RESEND_AFTER). Raises ValidationError({"email": ...}) for a bad address or a ticket
    that is not public.
    """
    email = check_email(email)
    if not ticket.is_published:
        raise ValidationError({"email": _("Only published reports can be followed.")})
    now = now or timezone.now()
    language = "en" if (language or "").startswith("en") else "de"
    subscription, created = Subscription.objects.get_or_create(
        ticket=ticket, email__iexact=email, defaults={"email": email, "language": language, "created_at": now},
    )
    if subscription.confirmed_at:
        return subscription
    if created or subscription.mailed_at is None or now - subscription.mailed_at >= RESEND_AFTER:
        subscription.mailed_at = now
        subscription.save(update_fields=["mailed_at"])
        notify.queue_email(ticket, subscription.email, "subscribe-confirm", language=subscription.language,
                           **_links(subscription))
    return subscription


def confirm(subscription: Subscription, now: datetime | None = None) -> Subscription:
    """The address owner clicked the link in the confirmation mail."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now or timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(subscription: Subscription) -> None:
    """Stop all mails about this ticket to this address; the address is deleted."""
    subscription.delete()


def status_changed(ticket: Ticket, event: Event) -> list[Notification]:
    """Queue a mail to every confirmed subscriber of a published ticket (call inside the change's transaction)."""
    if not ticket.is_published:
        return []
    # Subscribers of reports merged into this one follow it too, as their reporters do
    # (tickets/merge.py); undoing the merge ends that, since it goes through `duplicate_of`.
    followers = Q(ticket__duplicate_of=ticket, ticket__status=Ticket.Status.DUPLICATE)
    subscribed = (
        Subscription.objects.filter(Q(ticket=ticket) | followers, confirmed_at__isnull=False)
        .order_by("pk")[:MAX_FOLLOWERS]
    )
    notifications: list[Notification] = []
    seen: set[str] = set()
    for subscription in subscribed:
        if subscription.email.lower() in seen:
            continue
        seen.add(subscription.email.lower())
        notifications.append(notify.queue_email(
            ticket, subscription.email, "subscriber-status", event=event, language=subscription.language,
            **_links(subscription),
        ))
    return notifications
