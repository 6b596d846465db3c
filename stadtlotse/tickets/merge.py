"""Merging duplicate reports into one surviving ticket, and undoing a merge.

    merge(survivor, [dup1, dup2], by=alice)   # dup1, dup2 become `duplicate` pointing at survivor
    unmerge(dup1, by=alice, reason="...")     # dup1 is open again where it was before

Reporters and subscribers of a merged ticket follow the survivor through `duplicate_of`:
notifications about the survivor also go to them (notifications.notify.followers and
subscriptions.status_changed), and they are told of the merge by the usual status mail
("duplicate of SL-…"). Nothing is copied, so undoing a merge needs nothing undone.
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import hooks, workflow
from .models import Event, Ticket

S = Ticket.Status
MAX_MERGE = 50


@transaction.atomic
def merge(survivor: Ticket, duplicates: Sequence[Ticket], *, by: workflow.By, note: str = "") -> list[Event]:
    """Close every ticket in `duplicates` as a duplicate of `survivor`; returns their merge Events.

    All or nothing: if one of them cannot be merged (closed, the survivor itself, not permitted)
    nothing is merged and WorkflowError says which.
    """
    duplicates = [ticket for ticket in duplicates if ticket.pk != survivor.pk]
    if not duplicates:
        raise workflow.WorkflowError(_("Select at least one ticket besides the one that stays open."))
    if len(duplicates) > MAX_MERGE:
        raise workflow.WorkflowError(_("At most %(count)d tickets can be merged at once.") % {"count": MAX_MERGE})
    if not survivor.is_open:
        raise workflow.WorkflowError(
            _("Ticket %(id)s is closed and cannot take in other reports; reopen it first.") % {"id": survivor.public_id}
        )
    events = []
    for ticket in duplicates:
        events.append(workflow.mark_duplicate(ticket, survivor, by=by, note=note))
    return events


@transaction.atomic
def unmerge(ticket: Ticket, *, by: workflow.By, reason: str) -> Event:
    """Undo the merge of `ticket`: it returns to the status it had before, supporters are taken back.

    The one step outside the transition table, because it restores a state the table allowed before.
    """
    workflow.check_allowed(ticket, by, "unmerge")
    if not reason.strip():
        raise workflow.WorkflowError(_("Please say why the merge is undone."))
    workflow.lock(ticket)
    survivor = ticket.duplicate_of
    if ticket.status != S.DUPLICATE or survivor is None:
        raise workflow.WorkflowError(_("Ticket %(id)s is not merged into another ticket.") % {"id": ticket.public_id})
    merged = ticket.events.filter(kind=Event.Kind.MERGED, status_to=S.DUPLICATE).order_by("-created_at", "-id").first()
    back_to = merged.status_from if merged and merged.status_from in Ticket.OPEN_STATUSES else (
        S.FORWARDED if ticket.department_id else S.NEW
    )
    now = timezone.now()
    ticket.status, ticket.duplicate_of, ticket.resolved_at, ticket.updated_at = back_to, None, None, now
    ticket.save()
    Ticket.objects.filter(pk=survivor.pk).update(supporters=Greatest(F("supporters") - ticket.supporters - 1, 0))
    # The status change is public (the reporter hears their report is open again); the reason is the
    # desk's internal judgement ("the other side of the street after all") and stays in an internal note.
    event = workflow.record(ticket, Event.Kind.UNMERGED, by=by, visibility=Event.Visibility.PUBLIC,
                            status_from=S.DUPLICATE, status_to=back_to, data={"from": survivor.public_id}, at=now)
    workflow.record(ticket, Event.Kind.INTERNAL_NOTE, by=by, note=reason.strip(), at=now)
    workflow.record(survivor, Event.Kind.UNMERGED, by=by, note=reason.strip(), data={"split": ticket.public_id}, at=now)
    hooks.call("status_changed", ticket, event)
    return event
