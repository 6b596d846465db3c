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

# Statuses an external system may set, and the workflow step for each.
STATUS_STEPS = {
    S.ACCEPTED: lambda ticket, by, note: workflow.accept(ticket, by=by, note=note),
    S.IN_PROGRESS: lambda ticket, by, note: workflow.start(ticket, by=by, note=note),
    S.DONE: lambda ticket, by, note: workflow.resolve(ticket, by=by, note=note or _("Done.")),
    S.REJECTED: lambda ticket, by, note: workflow.reject(ticket, by=by, reason=note or _("Not actionable.")),
}


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
        return workflow.add_note(ticket, note, by=actor, public=public)
    step = STATUS_STEPS.get(status)
    if step is None:
        raise workflow.WorkflowError(_("Status “%(status)s” cannot be set from outside.") % {"status": status})
    return step(ticket, actor, note)
