"""The webhook connector: a signed JSON document out, signed status updates in.

Signature (both directions): hex HMAC-SHA256 with the department's secret over
"<timestamp>.<body>", sent as `X-Stadtlotse-Signature: sha256=<hex>` next to
`X-Stadtlotse-Timestamp: <unix seconds>`. Schema and examples: docs/connectors/webhook.md.
"""

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from stadtlotse.catalog.models import Department
from stadtlotse.tickets.models import Ticket

from . import http, status
from .errors import DeliveryError
from .models import Delivery

logger = logging.getLogger(__name__)

SCHEMA_OUT = "stadtlotse.forward.v1"
SCHEMA_IN = "stadtlotse.status.v1"
TIMESTAMP_HEADER = "X-Stadtlotse-Timestamp"
SIGNATURE_HEADER = "X-Stadtlotse-Signature"
MAX_BODY_BYTES = 64 * 1024
# The status document is one flat object; a few levels leave room, 30,000 would exhaust the stack.
MAX_DEPTH = 4
INBOUND_STATUSES = {Ticket.Status.ACCEPTED, Ticket.Status.IN_PROGRESS, Ticket.Status.DONE, Ticket.Status.REJECTED}
INBOUND_FIELDS = {"schema", "event_id", "ticket_id", "status", "note", "public"}


class SignatureError(Exception):
    """The request is not signed with the department's secret, or too old; the message says which."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None) -> None:
    """Raise SignatureError unless `signature` is ours over timestamp and body and the timestamp is fresh."""
    if not secret:
        raise SignatureError("department has no webhook secret")
    if not timestamp or not signature:
        raise SignatureError("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp is not a number") from None
    if abs((now if now is not None else time.time()) - sent_at) > settings.STADTLOTSE["WEBHOOK_TOLERANCE_SECONDS"]:
        raise SignatureError("timestamp too old or in the future")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise SignatureError("signature does not match")


def document(delivery: Delivery) -> dict[str, Any]:
    """The forwarded ticket as JSON-ready data (schema stadtlotse.forward.v1). No reporter contact data."""
    ticket = delivery.ticket
    site = settings.SITE_URL
    return {
        "schema": SCHEMA_OUT,
        "delivery_id": str(delivery.key),
        "department": delivery.department.slug,
        "ticket": {
            "id": ticket.public_id,
            "url": site + ticket.get_absolute_url(),
            "backoffice_url": site + ticket.get_backoffice_url(),
            "created_at": ticket.created_at.isoformat(),
            "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
            "status": ticket.status,
            "priority": ticket.priority,
            "category": {"code": ticket.category.service_code, "name": ticket.category.name},
            "description": ticket.description,
            "attributes": ticket.attributes,
            "location": {
                "lat": ticket.lat, "lon": ticket.lon, "address": ticket.address,
                "district": ticket.area.name if ticket.area is not None else None,
            },
            "media_urls": media_urls(ticket),
        },
    }


def media_urls(ticket: Ticket) -> list[str]:
    """Links to the photos staff may see (the back-office URL needs a login)."""
    return [
        settings.SITE_URL + reverse("backoffice:attachment", args=[ticket.public_id, attachment.pk])
        for attachment in ticket.attachments.filter(is_hidden=False).order_by("created_at", "id")
    ]


def post_forward(delivery: Delivery) -> str:
    """POST the document; 2xx means delivered. The Idempotency-Key lets the target drop a repeat."""
    config = delivery.department.connector_settings
    url, secret = config.get("url"), config.get("secret")
    if not url or not secret:
        raise DeliveryError("webhook URL or secret missing in the department's connector settings")
    body = json.dumps(document(delivery), ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(delivery.key),
               **signed_headers(secret, body)}
    code, answer = http.request("POST", url, body=body, headers=headers)
    if not 200 <= code < 300:
        raise DeliveryError(f"webhook answered HTTP {code}")
    try:
        reference = json.loads(answer or b"{}").get("external_id") or ""
    except (ValueError, AttributeError):
        reference = ""
    return str(reference)[:100]


class InboundError(Exception):
    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


def receive(department: Department, *, body: bytes, timestamp: str | None, signature: str | None) -> status.Outcome:
    """Check and apply one signed status update. Returns the Outcome; raises InboundError (HTTP code) otherwise."""
    try:
        verify(department.connector_settings.get("secret", ""), timestamp, signature, body)
    except SignatureError as exc:
        logger.warning("webhook from %s refused: %s", department.slug, exc)
        raise InboundError(_("Signature invalid or expired."), 401) from exc
    data = parse_status(body)
    event_id, ticket_id = data["event_id"], data["ticket_id"]
    ticket = status.find_ticket(ticket_id)
    if ticket is None:
        raise InboundError(_("Unknown ticket %(id)s.") % {"id": ticket_id[:40]}, 404)
    try:
        return status.apply_update(ticket, source=status.WEBHOOK, sender=f"webhook: {department.slug}", key=event_id,
                                   department=department, move_name=status.move_to(data["status"]),
                                   note=data["note"], public=data["public"])
    except status.UpdateRefused as exc:
        logger.warning("webhook update for %s from %s refused: %s", ticket.public_id, department.slug, exc)
        raise InboundError(str(exc), 409) from exc


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in the JSON text, counted without parsing (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in body.decode("utf-8", "replace"):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def parse_status(body: bytes) -> dict[str, Any]:
    """The status document with strict JSON types; raises InboundError(400) naming the first bad field.

    Booleans must be JSON booleans and strings strings: "false" is not false, and a value of the
    wrong type is refused instead of being read as something else.
    """
    if nesting_depth(body) > MAX_DEPTH:
        raise InboundError(_("The JSON is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH}, 400)
    try:
        data = json.loads(body)
    except ValueError:
        raise InboundError(_("The body is not valid JSON."), 400) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_IN:
        raise InboundError(_("Expected a JSON object with schema “%(schema)s”.") % {"schema": SCHEMA_IN}, 400)
    unknown = sorted(set(data) - INBOUND_FIELDS)
    if unknown:
        raise InboundError(_("Unknown field “%(field)s”.") % {"field": unknown[0][:40]}, 400)
    event_id, ticket_id = data.get("event_id"), data.get("ticket_id")
    new_status, note, public = data.get("status"), data.get("note", ""), data.get("public", True)
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 255:
        raise InboundError(_("event_id is required (a string of at most 255 characters)."), 400)
    if not isinstance(ticket_id, str) or not ticket_id.strip():
        raise InboundError(_("ticket_id is required."), 400)
    if new_status is not None and not isinstance(new_status, str):
        raise InboundError(_("status must be a string or null."), 400)
    if new_status is not None and new_status not in INBOUND_STATUSES:
        raise InboundError(_("Unknown status “%(status)s”.") % {"status": new_status[:40]}, 400)
    if not isinstance(note, str) or len(note) > settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]:
        raise InboundError(_("note must be a string of at most %(max)d characters.")
                           % {"max": settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]}, 400)
    if not isinstance(public, bool):
        raise InboundError(_("public must be true or false (a JSON boolean, not a string)."), 400)
    return {"event_id": event_id, "ticket_id": ticket_id, "status": new_status, "note": note, "public": public}
