"""Moderation: what of a report the public sees. Publication is separate from status.

    moderate(ticket, "hidden", by=alice, reason="Nennt eine Person beim Namen")
    set_photo_hidden(photo, True, by=alice, reason="Kennzeichen lesbar")

Hiding (the report or one photo) needs a reason; it is recorded on the timeline and told to the
reporter, who otherwise would wonder why their report or photo does not appear.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from . import workflow
from .models import Event, Ticket


def _tell_reporter(ticket, event):
    from stadtlotse.notifications import notify

    return notify.moderated(ticket, event)


@transaction.atomic
def moderate(ticket, publication, *, by, reason="", public_description=None):
    """Publish or hide the report; a hidden report's reporter hears the reason."""
    event = workflow.set_publication(ticket, publication, by=by, reason=reason, public_description=public_description)
    if publication == Ticket.Publication.HIDDEN and event.data.get("from") != Ticket.Publication.HIDDEN:
        _tell_reporter(ticket, event)
    return event


@transaction.atomic
def set_photo_hidden(photo, hidden, *, by, reason=""):
    """Hide one photo from the public (or show it again). Returns the Event, or None if nothing changed."""
    ticket = photo.ticket
    workflow._check(ticket, by, "moderate")
    if hidden and not reason.strip():
        raise workflow.WorkflowError(_("Please give a reason for hiding the photo."))
    workflow._lock(ticket)
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
