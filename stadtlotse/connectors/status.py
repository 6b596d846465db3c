"""Status coming back from a department's system (e-mail reply, webhook, Open311), mapped onto the workflow.

Every inbound path ends in `apply_update`: it refuses what the workflow refuses, remembers the
sender's name for the update so a repeat changes nothing, and lets the workflow functions write the
Events (with the external system as actor) and notify the reporter exactly as for back-office changes.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

from .models import InboundUpdate

logger = logging.getLogger(__name__)
S = Ticket.Status

# What a department's system may do with a ticket, by name. Both inbound paths map their own words
# onto these: the connectors (e-mail keywords, webhooks, Open311 polling) by our status, the Open311
# server's POST servicerequestupdates by mySociety's statuses (open311/updates.py).
NOTE, ACCEPT, START, RESOLVE, REJECT, HAND_BACK, REOPEN = (
    "note", "accept", "start", "resolve", "reject", "hand_back", "reopen",
)
# Statuses an external system may set, and the move for each.
STATUS_MOVES = {S.ACCEPTED: ACCEPT, S.IN_PROGRESS: START, S.DONE: RESOLVE, S.REJECTED: REJECT}


def move(ticket, name, *, by, note="", public=True):
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


class UpdateRefused(Exception):
    """The update cannot be applied; the message says why (for logs, bounces and API answers)."""


@dataclass
class Outcome:
    applied: bool
    duplicate: bool = False
    event: object = None


def find_ticket(public_id):
    return Ticket.objects.select_related("department", "category").filter(public_id=public_id.upper()).first()


def apply_update(ticket, department, *, source, key, sender, status=None, note="", public=True):
    """Apply one update from `department`'s system to `ticket`.

    status: a Ticket.Status value, or None for a note only (public or internal per `public`).
    key: the sender's id for the update; a key seen before changes nothing (Outcome.duplicate).
    Raises UpdateRefused when the ticket is not with the department or the workflow refuses the change.
    """
    note = (note or "").strip()
    if ticket.department_id != department.pk:
        raise UpdateRefused(_("Ticket %(id)s is not with %(department)s.")
                            % {"id": ticket.public_id, "department": department.display_name})
    if InboundUpdate.objects.filter(department=department, source=source, key=key).exists():
        return Outcome(applied=False, duplicate=True)
    actor = workflow.external(f"{source}: {sender}"[:200], department)
    try:
        with transaction.atomic():
            # Claimed first: of two identical updates arriving at once, the second fails here.
            update = InboundUpdate.objects.create(department=department, source=source, key=key, ticket=ticket)
            event = _apply(ticket, actor, status, note, public)
            update.event = event
            update.save(update_fields=["event"])
    except IntegrityError:
        return Outcome(applied=False, duplicate=True)
    except workflow.WorkflowError as exc:
        raise UpdateRefused(str(exc)) from exc
    return Outcome(applied=event is not None, event=event)


def _apply(ticket, actor, status, note, public):
    if status is None or status == ticket.status:
        if not note:
            return None
        return move(ticket, NOTE, by=actor, note=note, public=public)
    name = STATUS_MOVES.get(status)
    if name is None:
        raise workflow.WorkflowError(_("Status “%(status)s” cannot be set from outside.") % {"status": status})
    return move(ticket, name, by=actor, note=note)
