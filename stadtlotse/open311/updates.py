"""mySociety's service request updates: the public status changes of tickets, out and in.

Out (`GET servicerequestupdates`): every public change of a published ticket after its receipt —
forwarding, status changes, public notes, reopening — with the event's id as `update_id`, so
pollers like FixMyStreet can deduplicate overlapping windows.

In (`POST servicerequestupdates`): a city system reports what it did. This module only translates:
mySociety's status words onto the engine's moves, the texts they need, and the engine's refusals
onto Open311 errors. What happens is decided by the one inbound engine, connectors/status.py: a
department's key may change the status of that department's tickets, through the workflow; an
app's key only comments (its own internal kind), and a status it sends is a claim for the desk's
follow-up list; the same update_id twice, or an older update, changes nothing.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stadtlotse.accounts.models import ApiKey
from stadtlotse.connectors import status as inbound
from stadtlotse.connectors.status import ACCEPT, HAND_BACK, NOTE, REJECT, REOPEN, RESOLVE, START, UpdateRefused
from stadtlotse.tickets.models import Event, Ticket

S = Ticket.Status

# Our status → mySociety's extended status (lower case on the way out, as the adapter writes it).
OUTGOING_STATUS: dict[str, str] = {
    S.NEW: "open",
    S.FORWARDED: "open",
    S.ACCEPTED: "investigating",
    S.NEEDS_INFO: "investigating",
    S.IN_PROGRESS: "in_progress",
    S.DONE: "fixed",
    S.REJECTED: "not_councils_responsibility",
    S.DUPLICATE: "duplicate",
}

# The public events that are updates; the receipt itself is the request, not an update of it.
UPDATE_KINDS = [
    Event.Kind.FORWARDED, Event.Kind.STATUS_CHANGED, Event.Kind.PUBLIC_NOTE, Event.Kind.REOPENED,
    Event.Kind.MERGED, Event.Kind.EXTERNAL_UPDATE,
]

# mySociety's upper-case statuses on the way in → what we do with the ticket (the moves every
# inbound path shares, connectors/status.py).
INCOMING_STATUS = {
    "UNCHANGED": NOTE,
    "OPEN": NOTE,
    "INVESTIGATING": ACCEPT,
    "ACTION_SCHEDULED": ACCEPT,
    "PLANNED": ACCEPT,
    "IN_PROGRESS": START,
    "FIXED": RESOLVE,
    "CLOSED": RESOLVE,
    "NOT_COUNCILS_RESPONSIBILITY": REJECT,
    "NO_FURTHER_ACTION": REJECT,
    "CANCELLED": REJECT,
    # "Not ours" or "already reported": back to the desk, who forwards or merges it.
    "DUPLICATE": HAND_BACK,
    "INTERNAL_REFERRAL": HAND_BACK,
    "FOR_TRIAGE": HAND_BACK,
    "REOPEN": REOPEN,
}
# The reporter reads these; a department's system must say something (the e-mail connector has defaults).
NEEDS_TEXT = {RESOLVE, REJECT, HAND_BACK, REOPEN}


def public_updates() -> QuerySet[Event]:
    """All updates the public may read, oldest first; callers filter by time and slice."""
    return (
        Event.objects.public()
        .filter(kind__in=UPDATE_KINDS, ticket__publication=Ticket.Publication.PUBLISHED)
        .select_related("ticket", "department")
        .order_by("created_at", "id")
    )


def describe(event: Event) -> str:
    """The update's public text: the note, or a sentence saying what changed."""
    if event.note:
        return event.note
    if event.kind == Event.Kind.FORWARDED and event.department is not None:
        return _("Forwarded to %(department)s.") % {"department": event.department.display_name}
    if event.status_to:
        return _("Status: %(status)s.") % {"status": S(event.status_to).label}
    return ""


def outgoing_status(event: Event) -> str:
    # A note without a status change leaves the state as it is: mySociety's "unchanged".
    return OUTGOING_STATUS.get(event.status_to, "unchanged") if event.status_to else "unchanged"


def incoming(api_key: ApiKey, *, status: str, description: str) -> tuple[str, str]:
    """(move, text) for a POSTed update: mySociety's status word checked and mapped, the text it needs required.

    Raises UpdateRefused (reason INVALID) naming the field; the engine (connectors/status.py) does the rest.
    """
    status = status.strip().upper()
    if status not in INCOMING_STATUS:
        raise UpdateRefused(_("status: unknown value “%(value)s”; allowed: %(allowed)s.")
                            % {"value": status, "allowed": ", ".join(INCOMING_STATUS)}, reason=UpdateRefused.INVALID)
    move, text = INCOMING_STATUS[status], description.strip()
    if api_key.department_id is None:
        if move == NOTE and not text:
            raise UpdateRefused(_("description: a comment needs a text."), reason=UpdateRefused.INVALID)
    elif move in NEEDS_TEXT and not text:
        raise UpdateRefused(_("description: required for the status %(status)s; the reporter reads it.")
                            % {"status": status}, reason=UpdateRefused.INVALID)
    elif move == NOTE and not text:
        raise UpdateRefused(_("description: an update without a status change needs a text."),
                            reason=UpdateRefused.INVALID)
    return move, text


# How a refusal of the engine is answered: HTTP status and the field it concerns.
REFUSALS = {
    UpdateRefused.INVALID: (400, ""),
    UpdateRefused.WORKFLOW: (400, "status"),
    UpdateRefused.NOT_WITH_DEPARTMENT: (403, "service_request_id"),
    UpdateRefused.NOT_VISIBLE: (404, "service_request_id"),
}


def apply_update(ticket: Ticket, api_key: ApiKey, *, status: str, description: str, update_id: str,
                 updated_at: datetime) -> inbound.Outcome:
    """Translate one POSTed update and hand it to the one inbound engine; raises UpdateRefused, changes nothing."""
    move, text = incoming(api_key, status=status, description=description)
    word = status.strip().upper()
    data = {"open311_key": api_key.pk, "open311_update_id": update_id, "open311_updated": updated_at.isoformat(),
            "open311_status": word}
    return inbound.apply_update(
        ticket, source=inbound.OPEN311_POST, sender=api_key.name, key=update_id, department=api_key.department,
        api_key=api_key, move_name=move, note=text, public=True, updated_at=updated_at, claimed=word, data=data)
