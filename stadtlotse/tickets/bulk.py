"""One action on many tickets at once, as the desk selects them in the ticket list.

    bulk.forward(tickets, streets, by=alice)                     # each ticket on its own
    bulk.set_status(tickets, "done", by=alice, template=thanks)  # the template filled in per ticket
    bulk.merge(tickets, survivor=None, by=alice)                 # all or nothing; the oldest stays open

Every function returns one `Outcome` per ticket, in the order given: done, or refused with the
reason meant for the person who tried it. A refused ticket is left exactly as it was; the others
are changed anyway (each in its own transaction), except for a merge, which is all or nothing.
The rules themselves stay in workflow, moderation and merge; this module only applies them many times.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Department

from . import merge as merging
from . import moderation, workflow
from .models import Event, TemplateGap, TextTemplate, Ticket

S = Ticket.Status
MAX_TICKETS = 100

# The statuses the list can set at once, and the workflow step that sets each (with its public text).
STATUS_STEPS: dict[str, Callable[[Ticket, workflow.By, str], Event]] = {
    S.ACCEPTED: lambda ticket, by, text: workflow.accept(ticket, by=by, note=text),
    S.IN_PROGRESS: lambda ticket, by, text: workflow.start(ticket, by=by, note=text),
    S.DONE: lambda ticket, by, text: workflow.resolve(ticket, by=by, note=text),
    S.REJECTED: lambda ticket, by, text: workflow.reject(ticket, by=by, reason=text),
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one ticket: `error` is empty when the action was done."""

    ticket: Ticket
    error: str = ""

    @property
    def done(self) -> bool:
        return not self.error


def oldest_first(tickets: Sequence[Ticket]) -> list[Ticket]:
    """The order every bulk action works in (and a merge's default survivor, the first)."""
    return sorted(tickets, key=lambda t: (t.created_at, t.pk))


def _each(tickets: Sequence[Ticket], step: Callable[[Ticket], object]) -> list[Outcome]:
    outcomes = []
    for ticket in tickets:
        try:
            step(ticket)
        except (workflow.WorkflowError, TemplateGap) as exc:
            outcomes.append(Outcome(ticket, str(exc)))
        else:
            outcomes.append(Outcome(ticket))
    return outcomes


def _check_size(tickets: Sequence[Ticket]) -> None:
    if len(tickets) > MAX_TICKETS:
        raise workflow.WorkflowError(_("At most %(count)d tickets at once.") % {"count": MAX_TICKETS})


def forward(tickets: Sequence[Ticket], department: Department, *, by: workflow.By, note: str = "") -> list[Outcome]:
    """Forward every ticket to `department`, with the same internal note."""
    _check_size(tickets)
    return _each(tickets, lambda ticket: workflow.forward(ticket, department, by=by, note=note))


def assign(tickets: Sequence[Ticket], assignee: User | None, *, by: workflow.By) -> list[Outcome]:
    """Give every ticket to `assignee` (None: to nobody)."""
    _check_size(tickets)
    return _each(tickets, lambda ticket: workflow.assign(ticket, assignee, by=by))


def publish(tickets: Sequence[Ticket], *, by: workflow.By) -> list[Outcome]:
    """Publish every report, through moderation like a single one (publishing tells nobody)."""
    _check_size(tickets)
    return _each(tickets, lambda ticket: moderation.moderate(ticket, Ticket.Publication.PUBLISHED, by=by))


def set_status(tickets: Sequence[Ticket], status: str, *, by: workflow.By, note: str = "",
               template: TextTemplate | None = None) -> list[Outcome]:
    """Move every ticket to `status`; the public text is `note`, or else `template` filled in per ticket.

    A template that cannot be filled in for a ticket (a placeholder without a value, reporter data in
    a public note) refuses that ticket with the reason, and nothing of it is changed or published.
    """
    _check_size(tickets)
    if status not in STATUS_STEPS:
        raise workflow.WorkflowError(_("This status cannot be set for several tickets at once."))
    step = STATUS_STEPS[status]
    note = note.strip()

    def one(ticket: Ticket) -> Event:
        text = note or (template.render(ticket) if template is not None else "")
        return step(ticket, by, text)

    return _each(tickets, one)


def merge(tickets: Sequence[Ticket], *, survivor: Ticket | None = None, by: workflow.By,
          note: str = "") -> list[Outcome]:
    """Merge the tickets into `survivor` (one of them; None: the oldest). All or nothing.

    When the merge is refused, every ticket is refused with the same reason and none is changed.
    """
    _check_size(tickets)
    tickets = oldest_first(tickets)
    if not tickets:
        raise workflow.WorkflowError(_("Select at least two tickets to merge."))
    if survivor is None:
        survivor = tickets[0]
    elif all(t.pk != survivor.pk for t in tickets):
        raise workflow.WorkflowError(_("The ticket that stays open must be one of the selected."))
    try:
        merging.merge(survivor, [t for t in tickets if t.pk != survivor.pk], by=by, note=note)
    except workflow.WorkflowError as exc:
        return [Outcome(ticket, str(exc)) for ticket in tickets]
    return [Outcome(ticket) for ticket in tickets]
