"""Moderation: what of a report the public sees. Publication is separate from status.

    moderate(ticket, "hidden", by=alice, reason="Nennt eine Person beim Namen")
    set_photo_hidden(photo, True, by=alice, reason="Kennzeichen lesbar")
    redact_photo(photo, {"x": 120, "y": 40, "w": 200, "h": 60}, by=alice)

Hiding (the report or one photo) needs a reason; it is recorded on the timeline and told to the
reporter, who otherwise would wonder why their report or photo does not appear. Publishing tells
nobody. `moderate` is the only way publication changes after intake, so every path (the ticket
page, a bulk action, the demo data) keeps that rule.
"""

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import hooks, workflow
from .models import Attachment, Event, Ticket

MAX_REDACTIONS = 50
logger = logging.getLogger(__name__)


def _tell_reporter(ticket: Ticket, event: Event) -> None:
    hooks.call("moderated", ticket, event)


@transaction.atomic
def moderate(ticket: Ticket, publication: str, *, by: workflow.By, reason: str = "",
             public_description: str | None = None) -> Event:
    """Publish or hide the report (separate from its status); a newly hidden report's reporter hears the reason.

    Hiding needs a reason. `public_description`, when given, is what the public reads instead of the
    description as sent.
    """
    workflow.check_allowed(ticket, by, "moderate")
    if publication not in Ticket.Publication.values:
        raise workflow.WorkflowError(_("Unknown publication state."))
    if publication == Ticket.Publication.HIDDEN and not reason.strip():
        raise workflow.WorkflowError(_("Please give a reason for hiding the report."))
    workflow.lock(ticket)
    data: dict[str, Any] = {"from": ticket.publication, "to": publication}
    ticket.publication = publication
    if public_description is not None and public_description != ticket.public_description:
        ticket.public_description = public_description
        data["public_description_changed"] = True
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["publication", "public_description", "updated_at"])
    event = workflow.record(ticket, Event.Kind.MODERATED, by=by, note=reason.strip(), data=data)
    if publication == Ticket.Publication.HIDDEN and data["from"] != Ticket.Publication.HIDDEN:
        _tell_reporter(ticket, event)
    return event


@transaction.atomic
def set_photo_hidden(photo: Attachment, hidden: bool, *, by: workflow.By, reason: str = "") -> Event | None:
    """Hide one photo from the public (or show it again). Returns the Event, or None if nothing changed."""
    ticket = photo.ticket
    workflow.check_allowed(ticket, by, "moderate")
    if hidden and not reason.strip():
        raise workflow.WorkflowError(_("Please give a reason for hiding the photo."))
    workflow.lock(ticket)
    photo.refresh_from_db()
    if photo.is_hidden == hidden:
        return None
    photo.is_hidden = hidden
    photo.save(update_fields=["is_hidden"])
    event = workflow.record(ticket, Event.Kind.MODERATED, by=by, note=reason.strip(),
                            data={"photo": photo.pk, "hidden": hidden})
    if hidden:
        _tell_reporter(ticket, event)
    return event


def redact_photo(photo: Attachment, box: dict[str, int], *, by: workflow.By) -> Event:
    """Blur one more rectangle (pixels of the upright original) in the photo's public version.

    The old public version is withdrawn in the same transaction that records the rectangle and the
    Event, so the unblurred area is never public again; the new version is rendered right after
    (and by the queued photo job, should this request die before). Returns the Event.
    """
    workflow.check_allowed(photo.ticket, by, "moderate")
    longest = max(photo.width, photo.height)  # the upright picture may be turned by 90°
    if box["x"] < 0 or box["y"] < 0 or box["w"] < 1 or box["h"] < 1 or box["x"] >= longest or box["y"] >= longest:
        raise workflow.WorkflowError(_("The rectangle lies outside the photo (%(w)d × %(h)d pixels).")
                                     % {"w": photo.width, "h": photo.height})
    return _change_redactions(photo, by=by, add=box)


def remove_redaction(photo: Attachment, number: int, *, by: workflow.By) -> Event:
    """Take back the rectangle `number` (1-based) that staff drew, e.g. one drawn in the wrong place.

    Only hand-drawn rectangles can be removed; what the detector found stays blurred. Returns the Event.
    """
    return _change_redactions(photo, by=by, remove=number)


def _change_redactions(photo: Attachment, *, by: workflow.By, add: dict[str, int] | None = None,
                       remove: int | None = None) -> Event:
    ticket = photo.ticket
    workflow.check_allowed(ticket, by, "moderate")
    with transaction.atomic():
        workflow.lock(ticket)
        photo = Attachment.objects.select_for_update().get(pk=photo.pk)
        if add is not None:
            if len(photo.redactions) >= MAX_REDACTIONS:
                raise workflow.WorkflowError(
                    _("This photo already has %(max)d blurred areas; please hide it instead.") % {"max": MAX_REDACTIONS}
                )
            rectangle = {"kind": "manual", **{key: int(add[key]) for key in ("x", "y", "w", "h")}}
            photo.redactions = [*photo.redactions, rectangle]
            data = {"photo": photo.pk, **{key: rectangle[key] for key in ("x", "y", "w", "h")}}
        else:
            if remove is None or not 1 <= remove <= len(photo.redactions):
                raise workflow.WorkflowError(_("This blurred area does not exist (any more)."))
            rectangle = photo.redactions[remove - 1]
            photo.redactions = [r for i, r in enumerate(photo.redactions, start=1) if i != remove]
            data = {"photo": photo.pk, "removed": True, **{key: rectangle[key] for key in ("x", "y", "w", "h")}}
        # The old public version goes in this transaction: an unblurred area is never served again.
        withdrawn = [photo.public_version.name, photo.thumbnail.name]
        photo.public_version.name = photo.thumbnail.name = ""
        photo.save(update_fields=["redactions", "public_version", "thumbnail"])
        event = workflow.record(ticket, Event.Kind.ATTACHMENT_REDACTED, by=by, data=data)
        # Should this request die before rendering, the queued job makes the new version.
        hooks.call("photo_changed", photo)

        def delete_withdrawn() -> None:
            for name in withdrawn:
                if name:
                    default_storage.delete(name)

        transaction.on_commit(delete_withdrawn)
    try:
        hooks.call("render_photo", photo)
    except Exception:  # noqa: BLE001 - the queued job renders it; the photo stays unpublished until then
        logger.exception("rendering photo %s after redaction failed; left to the photo job", photo.pk)
    return event
