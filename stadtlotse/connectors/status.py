"""The one engine for status coming back from outside, mapped onto the workflow.

Every door ends in `apply_update`: e-mail replies (mail_in), signed webhooks (webhook), the polling
of a department's Open311 back end (open311_client) and the Open311 server's POST
servicerequestupdates (open311/updates.py, which only translates mySociety's words). It

- refuses what the sender may not do (another department's ticket; an app's comment on a ticket it
  may not see) and what the workflow refuses, with one exception, `UpdateRefused`;
- remembers every update in `InboundUpdate`, keyed by source and the sender's key for it (per
  department, or per Open311 API key), so a repeat changes nothing and is answered like the first;
- lets an update older than one already applied from the same sender (`updated_at`) and a status
  the ticket already has or passed add its text only, never turn the state back;
- turns an app's update into a comment of its own kind for the desk, and a status it claims into a
  follow-up for the desk to confirm, never a status change;
- leaves the Events (with the external system as actor) and the reporter's notifications to the
  workflow functions, exactly as for back-office changes.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stadtlotse.accounts.models import ApiKey
from stadtlotse.catalog.models import Department
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Event, Ticket

from .models import InboundUpdate

logger = logging.getLogger(__name__)
S = Ticket.Status

# The doors, as stored in InboundUpdate.source.
EMAIL, WEBHOOK, OPEN311_POLL, OPEN311_POST = "email", "webhook", "open311", "open311-post"

# What a sender may do with a ticket, by name. Every door maps its own words onto these: the
# connectors by our status (`move_to`), the Open311 server by mySociety's statuses (open311/updates.py).
NOTE, ACCEPT, START, RESOLVE, REJECT, HAND_BACK, REOPEN = (
    "note", "accept", "start", "resolve", "reject", "hand_back", "reopen",
)
MOVES = {NOTE, ACCEPT, START, RESOLVE, REJECT, HAND_BACK, REOPEN}
# Statuses an external system may set, and the move for each.
STATUS_MOVES: dict[str, str] = {S.ACCEPTED: ACCEPT, S.IN_PROGRESS: START, S.DONE: RESOLVE, S.REJECTED: REJECT}
# Where a ticket already is (or has gone past), these moves add their text only: never a step back.
ALREADY_THERE = {
    ACCEPT: {S.ACCEPTED, S.IN_PROGRESS},
    START: {S.IN_PROGRESS},
    RESOLVE: {S.DONE},
    REJECT: {S.REJECTED},
    REOPEN: set(Ticket.OPEN_STATUSES),
}


class UpdateRefused(Exception):
    """The update cannot be applied and changed nothing; the message says why (for logs, bounces, answers).

    `reason` lets each door answer in its own terms (HTTP status, bounce): one of the constants below.
    """

    INVALID = "invalid"  # the door's own check of the input (e.g. a required text)
    NOT_WITH_DEPARTMENT = "not_with_department"
    NOT_VISIBLE = "not_visible"  # an app asked about a ticket it may not see: answered like an unknown id
    WORKFLOW = "workflow"

    def __init__(self, message: str, *, reason: str = WORKFLOW) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Outcome:
    applied: bool
    duplicate: bool = False
    event: Event | None = None


def find_ticket(public_id: str) -> Ticket | None:
    return Ticket.objects.select_related("department", "category").filter(public_id=public_id.upper()).first()


def move_to(status: str | None) -> str:
    """The move for a status a connector reports (None: a note only); refuses a status not settable from outside."""
    if status is None:
        return NOTE
    if status not in STATUS_MOVES:
        raise UpdateRefused(_("Status “%(status)s” cannot be set from outside.") % {"status": status})
    return STATUS_MOVES[status]


def move(ticket: Ticket, name: str, *, by: workflow.Actor, note: str = "", public: bool = True) -> Event:
    """Apply one named move through the workflow (which checks it); returns its Event."""
    if name == NOTE:
        return workflow.add_note(ticket, note, by=by, public=public)
    if name == ACCEPT:
        return workflow.accept(ticket, by=by, note=note)
    if name == START:
        return workflow.start(ticket, by=by, note=note)
    if name == RESOLVE:
        return workflow.resolve(ticket, by=by, note=note or _("Done."))
    if name == REJECT:
        return workflow.reject(ticket, by=by, reason=note or _("Not actionable."))
    if name == HAND_BACK:
        return workflow.hand_back(ticket, by=by, reason=note)
    if name == REOPEN:
        return workflow.reopen(ticket, by=by, reason=note)
    raise ValueError(f"unknown move {name!r}")


def visible_to_key(ticket: Ticket, api_key: ApiKey) -> bool:
    """Whether an app's key may see (and comment on) the ticket: published, or submitted with this key."""
    if ticket.publication == Ticket.Publication.PUBLISHED:
        return True
    return ticket.events.filter(kind=Event.Kind.CREATED, data__submitted_with_key=api_key.pk).exists()


def apply_update(
    ticket: Ticket, *, source: str, sender: str, key: str, department: Department | None = None,
    api_key: ApiKey | None = None, move_name: str = NOTE, note: str = "", public: bool = True,
    updated_at: datetime | None = None, claimed: str = "", data: dict[str, Any] | None = None,
) -> Outcome:
    """Apply one update from outside to `ticket`; the one way status and notes come in.

    sender: the name shown as the Event's actor. department: the department whose system sends it,
    which may change the status of its own tickets. api_key: the Open311 key it came with; a key
    without a department is an app's, which may only comment (department must then be None).
    key: the sender's id for the update, unique per source and department (or per API key); a key
    seen before changes nothing and returns the first Outcome's event (Outcome.duplicate).
    move_name: one of MOVES. note: the text (public with a status change; otherwise per `public`).
    updated_at: when the sender made the update; older than one applied before, it adds its text only.
    claimed: an app's own word for the status it claims, quoted to the desk. data: kept on the Event.
    Raises UpdateRefused and changes nothing when the update may not or cannot be applied.
    """
    if move_name not in MOVES:
        raise ValueError(f"unknown move {move_name!r}")
    note = (note or "").strip()
    is_app = api_key is not None and api_key.department_id is None
    if is_app == (department is not None):
        raise ValueError("an update comes from a department's system (department) or an app's key, not both")
    if is_app and api_key is not None and not visible_to_key(ticket, api_key):
        raise UpdateRefused(_("There is no ticket %(id)s.") % {"id": ticket.public_id}, reason=UpdateRefused.NOT_VISIBLE)
    scope: dict[str, ApiKey | Department | None] = {"api_key": api_key} if api_key is not None else {"api_key": None, "department": department}
    actor = workflow.external(sender[:200], None if is_app else department)
    try:
        with transaction.atomic():
            # Under the ticket's row lock: two deliveries of one update, or two updates of one sender, in turn.
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            earlier = InboundUpdate.objects.filter(source=source, key=key, **scope).select_related("event").first()
            if earlier is not None:
                return Outcome(applied=False, duplicate=True, event=earlier.event)
            if department is not None and ticket.department_id != department.pk:
                raise UpdateRefused(_("Ticket %(id)s is not with %(department)s.")
                                    % {"id": ticket.public_id, "department": department.display_name},
                                    reason=UpdateRefused.NOT_WITH_DEPARTMENT)
            stale = updated_at is not None and InboundUpdate.objects.filter(
                ticket=ticket, source=source, updated_at__gt=updated_at, **scope).exists()
            update = InboundUpdate.objects.create(
                department=None if is_app else department, api_key=api_key, source=source, key=key, ticket=ticket,
                updated_at=updated_at)
            if is_app:
                event = _app_comment(ticket, actor, move_name=move_name, note=note, claimed=claimed, data=data)
            else:
                if stale or ticket.status in ALREADY_THERE.get(move_name, ()):
                    move_name = NOTE
                event = _department_update(ticket, actor, move_name=move_name, note=note, public=public, data=data)
            update.event = event
            update.save(update_fields=["event"])
    except IntegrityError:
        # The unique constraint, the last guard: the same key sent at once for two tickets (two row locks).
        earlier = InboundUpdate.objects.filter(source=source, key=key, **scope).first()
        return Outcome(applied=False, duplicate=True, event=earlier.event if earlier else None)
    except workflow.WorkflowError as exc:
        raise UpdateRefused(str(exc)) from exc
    return Outcome(applied=True, event=event)


def _department_update(ticket: Ticket, actor: workflow.Actor, *, move_name: str, note: str, public: bool,
                       data: dict[str, Any] | None) -> Event:
    if move_name == NOTE and not note:
        # Nothing to change and nothing to say (a repeated or stale status): remembered, nothing visible.
        event = workflow.record(ticket, Event.Kind.EXTERNAL_UPDATE, by=actor)
    else:
        event = move(ticket, move_name, by=actor, note=note, public=public)
    if data:
        event.data.update(data)
        event.save(update_fields=["data"])
    return event


def _app_comment(ticket: Ticket, actor: workflow.Actor, *, move_name: str, note: str, claimed: str,
                 data: dict[str, Any] | None) -> Event:
    """An app's comment, internal; with a status it is a claim the desk confirms (follow-up), never a change."""
    if move_name == NOTE and not note:
        raise UpdateRefused(_("A comment needs a text."), reason=UpdateRefused.INVALID)
    event = workflow.record(ticket, Event.Kind.APP_COMMENT, by=actor, note=note, data=data)
    if move_name != NOTE and ticket.status in Ticket.OPEN_STATUSES:
        now = timezone.now()
        # A follow-up the desk already has due is kept; otherwise the claim is due now.
        if ticket.follow_up_at is None or ticket.follow_up_at > now:
            with translation.override(settings.LANGUAGE_CODE):  # the desk's language, not the app's
                reason = _("%(app)s reports the status %(status)s; please check and confirm.") % {
                    "app": actor.name, "status": claimed or move_name}
            workflow.set_follow_up(ticket, now, by=actor, reason=reason)
    return event
