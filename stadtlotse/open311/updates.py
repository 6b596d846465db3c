"""mySociety's service request updates: the public status changes of tickets, out and in.

Out (`GET servicerequestupdates`): every public change of a published ticket after its receipt —
forwarding, status changes, public notes, reopening — with the event's id as `update_id`, so
pollers like FixMyStreet can deduplicate overlapping windows.

In (`POST servicerequestupdates`): a city system reports what it did. A key that belongs to a
department (the department's own back end) may change the status of that department's tickets;
the mySociety status is mapped onto our workflow, never around it. Any other key is an app's: it
may comment on the tickets it may see (published ones, and the ones it submitted itself), as an
internal "comment from an app" the desk reads — never as the reporter's own answer. A status it
sends (a FixMyStreet user's "it is fixed") is the public's claim: recorded with the comment and put
on the desk's follow-up list to confirm, the status stays. The same update sent twice changes nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from stadtlotse.connectors import status as inbound
from stadtlotse.connectors.status import ACCEPT, HAND_BACK, NOTE, REJECT, REOPEN, RESOLVE, START
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

S = Ticket.Status

# Our status → mySociety's extended status (lower case on the way out, as the adapter writes it).
OUTGOING_STATUS = {
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
# Where a ticket already is, these moves add nothing (and must not move it backwards).
ALREADY_THERE = {
    ACCEPT: {S.ACCEPTED, S.IN_PROGRESS},
    START: {S.IN_PROGRESS},
    REOPEN: set(Ticket.OPEN_STATUSES),
}
NEEDS_TEXT = {RESOLVE, REJECT, HAND_BACK, REOPEN}


def public_updates():
    """All updates the public may read, oldest first; callers filter by time and slice."""
    return (
        Event.objects.public()
        .filter(kind__in=UPDATE_KINDS, ticket__publication=Ticket.Publication.PUBLISHED)
        .select_related("ticket", "department")
        .order_by("created_at", "id")
    )


def describe(event):
    """The update's public text: the note, or a sentence saying what changed."""
    if event.note:
        return event.note
    if event.kind == Event.Kind.FORWARDED and event.department_id:
        return _("Forwarded to %(department)s.") % {"department": event.department.display_name}
    if event.status_to:
        return _("Status: %(status)s.") % {"status": S(event.status_to).label}
    return ""


def outgoing_status(event):
    # A note without a status change leaves the state as it is: mySociety's "unchanged".
    return OUTGOING_STATUS.get(event.status_to, "unchanged") if event.status_to else "unchanged"


class NoSuchRequest(Exception):
    """The ticket does not exist for this key (answered like an unknown id)."""


class UpdateRefused(Exception):
    """The update cannot be applied; `status` is the HTTP status, the message names the field."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass
class Applied:
    event: Event
    repeated: bool = False


def _earlier(ticket, api_key, update_id):
    return (
        Event.objects.filter(ticket=ticket, data__open311_key=api_key.pk, data__open311_update_id=update_id)
        .order_by("id")
        .first()
    )


def _is_stale(ticket, api_key, updated_at):
    """An update older than one already applied from the same system must not turn the state back."""
    newest = (
        Event.objects.filter(ticket=ticket, data__open311_key=api_key.pk)
        .order_by("-id")
        .values_list("data__open311_updated", flat=True)
        .first()
    )
    newest_at = parse_datetime(newest) if isinstance(newest, str) else None
    return newest_at is not None and updated_at < newest_at


def visible_to_key(ticket, api_key):
    """Whether an app's key may see (and comment on) the ticket: published, or submitted with this key."""
    if ticket.publication == Ticket.Publication.PUBLISHED:
        return True
    return ticket.events.filter(kind=Event.Kind.CREATED, data__submitted_with_key=api_key.pk).exists()


def apply_update(ticket, api_key, *, status, description, update_id, updated_at):
    """Apply one incoming update to `ticket`; returns Applied. Raises UpdateRefused and changes nothing."""
    status = status.strip().upper()
    if status not in INCOMING_STATUS:
        raise UpdateRefused(_("status: unknown value “%(value)s”; allowed: %(allowed)s.")
                            % {"value": status, "allowed": ", ".join(INCOMING_STATUS)})
    move = INCOMING_STATUS[status]
    text = description.strip()
    if api_key.department_id is None and not visible_to_key(ticket, api_key):
        # The same answer as for an id that does not exist: an app learns nothing about unpublished reports.
        raise NoSuchRequest(ticket.public_id)
    with transaction.atomic():
        # Under the ticket's row lock, so two deliveries of the same update cannot both apply.
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        earlier = _earlier(ticket, api_key, update_id)
        if earlier is not None:
            return Applied(earlier, repeated=True)
        if api_key.department_id is not None and ticket.department_id != api_key.department_id:
            raise UpdateRefused(_("service_request_id: ticket %(id)s is not with the department of this API key.")
                                % {"id": ticket.public_id}, 403)
        data = {"open311_key": api_key.pk, "open311_update_id": update_id,
                "open311_updated": updated_at.isoformat(), "open311_status": status}
        if api_key.department_id is None:
            return Applied(_app_comment(ticket, api_key, move=move, status=status, text=text, data=data))
        if move in NEEDS_TEXT and not text:
            raise UpdateRefused(_("description: required for the status %(status)s; the reporter reads it.")
                                % {"status": status})
        if move == NOTE and not text:
            raise UpdateRefused(_("description: an update without a status change needs a text."))
        actor = workflow.external(api_key.name, api_key.department)
        if _is_stale(ticket, api_key, updated_at) or ticket.status in ALREADY_THERE.get(move, ()):
            move = NOTE
        try:
            event = _move(ticket, move, actor, text)
        except workflow.WorkflowError as exc:
            raise UpdateRefused(f"status: {exc}") from exc
        event.data.update(data)
        event.save(update_fields=["data"])
        return Applied(event)


def _app_comment(ticket, api_key, *, move, status, text, data):
    """An app's comment, internal; with a status it is a claim the desk confirms (follow-up), never a change."""
    if move == NOTE and not text:
        raise UpdateRefused(_("description: a comment needs a text."))
    actor = workflow.external(api_key.name)
    event = workflow.record(ticket, Event.Kind.APP_COMMENT, by=actor, note=text, data=data)
    if move != NOTE and ticket.status in Ticket.OPEN_STATUSES:
        now = timezone.now()
        # A follow-up the desk already has due is kept; otherwise the claim is due now.
        if ticket.follow_up_at is None or ticket.follow_up_at > now:
            with translation.override(settings.LANGUAGE_CODE):  # the desk's language, not the app's
                reason = _("%(app)s reports the status %(status)s; please check and confirm.") % {
                    "app": api_key.name, "status": status}
            workflow.set_follow_up(ticket, now, by=actor, reason=reason)
    return event


def _move(ticket, name, actor, text):
    if name == NOTE and not text:
        # A stale or repeated status without a text: remember that it came, change nothing visible.
        return workflow.record(ticket, Event.Kind.EXTERNAL_UPDATE, by=actor)
    return inbound.move(ticket, name, by=actor, note=text)
