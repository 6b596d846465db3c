"""The e-mail connector, outbound: the department's mail for a forwarded ticket, and bounces.

The mail is German (the department's working language), plain text and HTML, with the photos
attached (linked when they are too big), a map link, `[SL-2026-0042]` in the subject and a reply
address that carries the ticket id too, so either finds the ticket when the department answers.
"""

import logging
from typing import TYPE_CHECKING
from email.message import EmailMessage
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from stadtlotse.notifications.notify import render_message
from stadtlotse.tickets.models import Ticket

from .errors import DeliveryError
from .models import Delivery
from .reply import keywords, reply_address
from .webhook import media_urls

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024  # all photos together; larger ones are linked instead


def _domain() -> str:
    return settings.STADTLOTSE["CONNECTOR_REPLY_ADDRESS"].rpartition("@")[2] or "stadtlotse.localhost"


def keywords_help() -> list[tuple[str, "_StrOrPromise"]]:
    """The keywords for the department's mail, in the order of the workflow."""
    order = list(Ticket.Status.values)
    return [(word, Ticket.Status(code).label) for word, code in sorted(keywords(), key=lambda k: order.index(k[1]))]


def send_forward(delivery: Delivery) -> str:
    """Send the department its mail. The Message-ID is the delivery's key, the same on every attempt."""
    ticket, department = delivery.ticket, delivery.department
    if not department.email:
        raise DeliveryError("department has no e-mail address")
    attachments, linked, total = [], [], 0
    photos = list(ticket.attachments.filter(is_hidden=False).order_by("created_at", "id"))
    for photo, url in zip(photos, media_urls(ticket), strict=True):
        if photo.original and total + photo.size <= MAX_ATTACHMENT_BYTES:
            with photo.original.open("rb") as handle:
                attachments.append((f"{ticket.public_id}-{photo.pk}.{photo.original.name.rsplit('.', 1)[-1]}",
                                    handle.read(), photo.content_type))
            total += photo.size
        else:
            linked.append(url)
    context = {
        "ticket": ticket, "department": department, "site_url": settings.SITE_URL,
        "city": settings.STADTLOTSE["CITY_NAME"], "reply_to": reply_address(ticket),
        "keywords": keywords_help(), "linked_photos": linked, "attached_count": len(attachments),
    }
    subject, text, html = render_message("connector-forward", context, "de")
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[department.email], reply_to=[reply_address(ticket)],
        headers={
            # The same on every attempt: a mail sent twice after a lost SMTP answer is recognisably one.
            "Message-ID": f"<forward-{delivery.key}@{_domain()}>",
            "X-Stadtlotse-Ticket": ticket.public_id,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    for name, content, content_type in attachments:
        message.attach(name, content, content_type)
    message.send(fail_silently=False)
    message_id: str = message.extra_headers["Message-ID"]
    return message_id[:100]


def send_bounce(original: EmailMessage, recipient: str, reason: str) -> None:
    """Tell the sender of a reply why it was not applied. Marked auto-replied so no loop can start.

    Neither subject nor text of the original is quoted: a bounce must not carry a forger's words.
    """
    context = {"reason": reason, "city": settings.STADTLOTSE["CITY_NAME"]}
    bounce_subject, text, html = render_message("connector-bounce", context, "de")
    headers = {"Auto-Submitted": "auto-replied", "Message-ID": make_msgid("bounce", domain=_domain())}
    if original.get("Message-ID"):
        headers["In-Reply-To"] = original["Message-ID"]
        headers["References"] = original["Message-ID"]
    message = EmailMultiAlternatives(subject=bounce_subject, body=text, to=[recipient], headers=headers)
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
