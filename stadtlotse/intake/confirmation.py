"""Optional e-mail confirmation of web reports from unknown senders, as FixMyStreet does.

With STADTLOTSE_CONFIRM_UNKNOWN_SENDERS on, a web report whose e-mail address has never been
confirmed is stored at once (nothing is lost) but `awaiting_confirmation`: not routed, not
announced, not in the desk's views, not public. The sender gets a mail with a signed link; `confirm()`
then does what `intake.submit()` would have done. `expire()` deletes what stays unconfirmed for
STADTLOTSE_CONFIRM_EXPIRY_DAYS.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from stadtlotse.catalog.models import Category
from stadtlotse.notifications import notify
from stadtlotse.routing.departments import choose_department
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Contact, Ticket

SALT = "stadtlotse.intake.confirm-report"


def needs_confirmation(*, channel, contact, by):
    """A resident's web report with an e-mail address that no confirmed report has used before."""
    if not settings.STADTLOTSE["CONFIRM_UNKNOWN_SENDERS"] or by is not None or channel != Ticket.Channel.WEB:
        return False
    email = (contact.email or "").strip()
    if not email:
        return False
    known = Contact.objects.filter(email__in={email, email.lower()}, ticket__awaiting_confirmation=False)
    return not known.exists()


def confirm_url(ticket):
    token = signing.dumps(ticket.pk, salt=SALT)
    return settings.SITE_URL + reverse("publicweb:confirm_report", args=[token])


def ticket_for(token):
    """The ticket behind a confirmation token, or None when the token is bad or too old."""
    max_age = timedelta(days=settings.STADTLOTSE["CONFIRM_EXPIRY_DAYS"])
    try:
        pk = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return Ticket.objects.select_related("category").filter(pk=pk).first()


def ask(ticket):
    """Queue the confirmation mail (inside submit's transaction)."""
    return notify.queue_email(ticket, ticket.contact.email, "confirm-report", language=ticket.language,
                              confirm_url=confirm_url(ticket), days=settings.STADTLOTSE["CONFIRM_EXPIRY_DAYS"])


@transaction.atomic
def confirm(ticket, *, now=None):
    """Let the report in: route it and send the receipt, as submit() does. False if it was confirmed already."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket.awaiting_confirmation:
        return False
    ticket.awaiting_confirmation = False
    hold = ticket.category.needs_moderation or bool(ticket.flags)
    ticket.publication = Ticket.Publication.PENDING if hold else Ticket.Publication.PUBLISHED
    ticket.updated_at = now or timezone.now()
    ticket.save(update_fields=["awaiting_confirmation", "publication", "updated_at"])
    if ticket.category.routing_mode == Category.RoutingMode.DIRECT:
        department = choose_department(ticket.category, ticket.area)
        if department is not None:
            workflow.forward(ticket, department, by=workflow.SYSTEM, notify=False)
    notify.received(ticket)
    return True


def expire(*, now=None, commit=False):
    """Delete reports unconfirmed for longer than CONFIRM_EXPIRY_DAYS (with their photos). Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.STADTLOTSE["CONFIRM_EXPIRY_DAYS"])
    stale = Ticket.objects.filter(awaiting_confirmation=True, created_at__lt=cutoff).order_by("pk")
    count = stale.count()
    if commit:
        for ticket in stale.prefetch_related("attachments").iterator(chunk_size=200):
            with transaction.atomic():
                files = [f for a in ticket.attachments.all() for f in (a.original, a.public_version, a.thumbnail) if f]
                ticket.delete()
                for file in files:
                    transaction.on_commit(lambda f=file: f.storage.delete(f.name))
    return count
