"""Messages to reporters: written in the transaction of the change they report, sent by a job.

A reporter who asked for feedback hears about every public status change: by e-mail, or, when
they left only a phone number (or prefer the phone), through a callback task for the desk.
"""

import hashlib
import logging
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from stadtlotse.accounts.models import User
from stadtlotse.core import ratelimit
from stadtlotse.tickets import disclosure, workflow
from stadtlotse.tickets.models import Event, Ticket

from .models import Notification

logger = logging.getLogger(__name__)


def render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template, without HTML escaping: in a text mail "&amp;" would stand there as it is.

    Only for mail subjects and text bodies; their HTML twins are rendered (and escaped) as usual.
    """
    # The backend's template (Django's own engine, the only one configured) renders a Context.
    text: str = get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]
    return text


def render_message(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of emails/<template>-*.{txt,html} in the given language."""
    with translation.override(language):
        subject = " ".join(render_text(f"emails/{template}-subject.txt", context).split())
        text = render_text(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    return subject, text, html


def _context(ticket: Ticket, event: Event | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "event": event,
        # What the event says, as the reporter may read it and as a subscriber (the public) may.
        "note": disclosure.reporter_note(event) if event else "",
        "public_note": disclosure.public_note(event) if event else "",
        "site_url": settings.SITE_URL,
        "city": settings.STADTLOTSE["CITY_NAME"],
        "ticket_url": settings.SITE_URL + ticket.get_absolute_url(),
        "private_url": settings.SITE_URL + ticket.get_private_url(),
        **extra,
    }


def queue_email(ticket: Ticket, recipient: str, template: str, *, event: Event | None = None, language: str = "de",
                **extra: Any) -> Notification:
    """Write one e-mail notification and its sending job (call inside the change's transaction)."""
    subject, text, html = render_message(template, _context(ticket, event, **extra), language)
    notification = Notification.objects.create(
        ticket=ticket, event=event, channel=Notification.Channel.EMAIL, recipient=recipient,
        language=language, template=template, subject=subject, body_text=text, body_html=html,
    )
    from .tasks import send_notification

    send_notification.enqueue(notification.pk)
    return notification


def _queue_callback(ticket: Ticket, event: Event | None, template: str, **extra: Any) -> Notification:
    """The ticket's one open callback task, holding the latest message to read out.

    A phone-only reporter is called once about what is new, not once per status change: an open
    callback takes the new message instead of a second task being made. An unanswered question in
    it stays below the new message, so the caller still asks it.
    """
    contact = ticket.contact
    subject, text, _html = render_message(template, _context(ticket, event, **extra), ticket.language)
    pending = (ticket.notifications.select_for_update()
               .filter(channel=Notification.Channel.CALLBACK, status=Notification.Status.PENDING)
               .order_by("created_at", "id").first())
    if pending is not None:
        if pending.template == "question" and template != "question":
            # The question is rendered again from its event, so it is in the task once, below the news.
            _s, question, _h = render_message("question", _context(ticket, pending.event), ticket.language)
            text, template, event = f"{text.rstrip()}\n\n{question}", "question", pending.event
        pending.event, pending.template, pending.subject, pending.body_text = event, template, subject, text
        pending.recipient = contact.phone
        pending.save(update_fields=["event", "template", "subject", "body_text", "recipient"])
        return pending
    return Notification.objects.create(
        ticket=ticket, event=event, channel=Notification.Channel.CALLBACK, recipient=contact.phone,
        language=ticket.language, template=template, subject=subject, body_text=text,
    )


def _to_reporter(ticket: Ticket, event: Event, template: str, **extra: Any) -> Notification | None:
    contact = getattr(ticket, "contact", None)
    if contact is None:
        return None
    if contact.wants_callback:
        return _queue_callback(ticket, event, template, **extra)
    if contact.can_email:
        return queue_email(ticket, contact.email, template, event=event, language=ticket.language, **extra)
    return None


def received(ticket: Ticket) -> Notification | None:
    """Confirmation of receipt with the ticket id and the private link (e-mail only)."""
    contact = getattr(ticket, "contact", None)
    if contact is not None and contact.email and not contact.erased_at:
        # Sent even without "keep me informed": it carries the private link the reporter needs.
        return queue_email(ticket, contact.email, "received", language=ticket.language)
    return None


def followers(ticket: Ticket) -> QuerySet[Ticket]:
    """Tickets merged into `ticket`: their reporters hear about the surviving ticket too."""
    return ticket.duplicates.filter(status=Ticket.Status.DUPLICATE).select_related("contact").order_by("pk")[:500]


def _to_reporters(ticket: Ticket, event: Event, template: str) -> Notification | None:
    first = _to_reporter(ticket, event, template)
    # The reporters of merged reports are not the survivor's reporter: they read its events as the
    # public does, never its reporter's own words (the reason for reopening, often personal).
    note = disclosure.public_note(event)
    for duplicate in followers(ticket):
        _to_reporter(duplicate, event, template, survivor=ticket, note=note)
    return first


def status_changed(ticket: Ticket, event: Event) -> Notification | None:
    """Tell the reporter (and the reporters of merged duplicates); followers hear from subscriptions.py."""
    return _to_reporters(ticket, event, "status")


def public_note(ticket: Ticket, event: Event) -> Notification | None:
    return _to_reporters(ticket, event, "note")


def moderated(ticket: Ticket, event: Event) -> Notification | None:
    """The report or one of its photos was hidden from the public: the reporter hears why (e-mail only)."""
    contact = getattr(ticket, "contact", None)
    if contact is not None and contact.can_email:
        return queue_email(ticket, contact.email, "moderated", event=event, language=ticket.language)
    return None


def question_to_reporter(ticket: Ticket, event: Event) -> Notification:
    """Questions go to the reporter whether or not they asked for feedback: the desk needs the answer."""
    contact = ticket.contact
    if contact.email and contact.preferred == contact.Preferred.EMAIL or (contact.email and not contact.phone):
        return queue_email(ticket, contact.email, "question", event=event, language=ticket.language)
    return _queue_callback(ticket, event, "question")


def answer_recipients(ticket: Ticket, question: Event | None) -> list[str]:
    """Who hears that the reporter answered: whoever must act on the answer.

    The desk when the desk asked (or the ticket has no department); otherwise the department's
    assignee, or, when nobody is assigned, its members (the lead included), or its mailbox.
    """
    asker = question.actor_user if question is not None else None
    if ticket.department is None or (asker is not None and asker.is_desk
                                     and ticket.department_id not in asker.department_ids()):
        return [settings.STADTLOTSE["DESK_EMAIL"]]
    if ticket.assignee is not None and ticket.assignee.is_active and ticket.assignee.email:
        return [ticket.assignee.email]
    members = list(
        User.objects.filter(memberships__department=ticket.department, is_active=True).exclude(email="")
        .order_by("-memberships__is_lead", "username").values_list("email", flat=True)
    )
    return members or ([ticket.department.email] if ticket.department.email else [settings.STADTLOTSE["DESK_EMAIL"]])


def reporter_answered(ticket: Ticket, answer: Event, question: Event | None) -> list[Notification]:
    """Mail the reporter's answer, with the question and a link to the ticket, to whoever asked.

    The answer is internal: it goes only to staff addresses, read through disclosure.staff_note.
    """
    extra = {
        "answer": disclosure.staff_note(answer),
        "question": disclosure.staff_note(question) if question is not None else "",
        "backoffice_url": settings.SITE_URL + ticket.get_backoffice_url(),
    }
    return [
        queue_email(ticket, recipient, "answer-received", event=answer, language=settings.LANGUAGE_CODE, **extra)
        for recipient in answer_recipients(ticket, question)
    ]


# Mails to departments and the desk: their addresses are the city's own, and many a day is normal.
UNCAPPED_TEMPLATES = {"forward", "answer-received"}


def within_daily_cap(notification: Notification) -> bool:
    """Count one mail to the notification's mailbox today; False beyond MAILS_PER_ADDRESS_PER_DAY.

    Anyone can type an address into a form (subscribe, support, report), so without a cap the city
    could be made to flood it. Counted by mailbox ("+tag" removed), hashed: the cache holds no address.
    """
    if notification.template in UNCAPPED_TEMPLATES:
        return True
    digest = hashlib.sha256(ratelimit.mailbox(notification.recipient).encode()).hexdigest()[:32]
    rate = ratelimit.Rate(settings.STADTLOTSE["MAILS_PER_ADDRESS_PER_DAY"], 86400)
    return ratelimit.hit("mails-per-address", digest, rate).allowed


def send(notification: Notification) -> None:
    """Deliver one pending e-mail notification. Raises on failure so the job can retry."""
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "stadtlotse.localhost"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.recipient],
        headers={
            # A stable id lets a retry after a lost answer be recognised as the same message.
            "Message-ID": make_msgid(f"notification-{notification.pk}", domain=domain),
            # Tells auto-responders not to answer (RFC 3834), which prevents mail loops.
            "Auto-Submitted": "auto-generated",
            "X-Stadtlotse-Ticket": notification.ticket.public_id,
        },
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message.send(fail_silently=False)
    with transaction.atomic():
        _mark_sent(notification)


def _mark_sent(notification: Notification) -> None:
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    workflow.record(notification.ticket, Event.Kind.NOTIFICATION_SENT, by=workflow.SYSTEM,
                    data={"notification": notification.pk, "template": notification.template})


def give_up(notification: Notification, error: str) -> None:
    notification.status = Notification.Status.FAILED
    notification.last_error = error
    notification.save(update_fields=["status", "last_error", "attempts"])
    workflow.record(notification.ticket, Event.Kind.NOTIFICATION_FAILED, by=workflow.SYSTEM, note=error,
                    data={"notification": notification.pk, "template": notification.template})


@transaction.atomic
def complete_callback(notification: Notification, *, by: "User | workflow.Actor", note: str = "") -> bool:
    """The desk phoned the reporter. Returns False when the callback was already done (e.g. a double click)."""
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.channel != Notification.Channel.CALLBACK or notification.status != Notification.Status.PENDING:
        return False
    notification.status = Notification.Status.DONE
    notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "sent_at"])
    workflow.record(notification.ticket, Event.Kind.NOTIFICATION_SENT, by=by, note=note,
                    data={"notification": notification.pk, "callback": True})
    return True
