"""The ticket lifecycle: every change to a ticket is one of these functions.

Each function takes the ticket first, an explicit actor `by` (a staff User or an `Actor`), writes
an Event, and queues the jobs it needs (forwarding, notifications) in the same transaction. An
illegal change raises `WorkflowError` with a message for the person who tried it, and changes nothing.
Publication is not here: `moderation.moderate` is its one home (it tells the reporter of a hidden report).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Area, Category, Department, Priority, Topic

from . import deadlines, hooks, search
from .models import Event, Ticket

S = Ticket.Status

# Which status may follow which. Anything not listed is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.FORWARDED, S.NEEDS_INFO, S.DONE, S.REJECTED, S.DUPLICATE},
    S.FORWARDED: {S.FORWARDED, S.ACCEPTED, S.IN_PROGRESS, S.NEEDS_INFO, S.DONE, S.REJECTED, S.DUPLICATE, S.NEW},
    S.ACCEPTED: {S.FORWARDED, S.IN_PROGRESS, S.NEEDS_INFO, S.DONE, S.REJECTED, S.DUPLICATE, S.NEW},
    S.IN_PROGRESS: {S.FORWARDED, S.NEEDS_INFO, S.DONE, S.REJECTED, S.DUPLICATE, S.NEW},
    S.NEEDS_INFO: {S.NEW, S.FORWARDED, S.ACCEPTED, S.IN_PROGRESS, S.DONE, S.REJECTED, S.DUPLICATE},
    S.DONE: {S.FORWARDED, S.NEW},
    S.REJECTED: {S.FORWARDED, S.NEW},
    S.DUPLICATE: {S.FORWARDED, S.NEW},
}

# What a department's own staff may do to their department's tickets; the desk may do everything.
DEPARTMENT_ACTIONS = {
    "accept", "start", "resolve", "reject", "request_info", "add_note", "assign", "hand_back", "follow_up",
}


class WorkflowError(Exception):
    """A change that is not allowed; the message is meant for the person who tried it."""


@dataclass(frozen=True)
class Actor:
    """Who did something when it was not a member of staff: the system, the reporter or another system."""

    kind: str
    name: str
    department: Department | None = None


SYSTEM = Actor(Event.ActorKind.SYSTEM, "Stadtlotse")
REPORTER = Actor(Event.ActorKind.REPORTER, "reporter")

# Who acts: a member of staff, or the system, the reporter or another system.
By: TypeAlias = User | Actor


def external(name: str, department: Department | None = None) -> Actor:
    return Actor(Event.ActorKind.EXTERNAL, name, department)


def allowed_actions(ticket: Ticket, user: User) -> set[str]:
    """The actions `user` may take on `ticket` (used for buttons and for checks)."""
    if not user.is_active:
        return set()
    if user.is_desk:
        return DEPARTMENT_ACTIONS | {"classify", "forward", "reopen", "mark_duplicate", "moderate", "unmerge"}
    if ticket.department_id and ticket.department_id in user.department_ids():
        return set(DEPARTMENT_ACTIONS)
    return set()


def check_allowed(ticket: Ticket, by: By, action: str) -> None:
    """Raise WorkflowError unless `by` may do `action` with the ticket (system actors always may)."""
    if isinstance(by, Actor):
        return
    if action not in allowed_actions(ticket, by):
        raise WorkflowError(_("You may not do this with ticket %(id)s.") % {"id": ticket.public_id})


def _require_transition(ticket: Ticket, to: str) -> None:
    if to not in TRANSITIONS[ticket.status]:
        raise WorkflowError(
            _("Ticket %(id)s is “%(current)s” and cannot become “%(target)s”.")
            % {"id": ticket.public_id, "current": S(ticket.status).label, "target": S(to).label}
        )


def lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock, so two people acting at once cannot interleave. Call in a transaction."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in fresh._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(fresh, field.attname))
    return ticket


def record(ticket: Ticket, kind: str, *, by: By, visibility: str = Event.Visibility.INTERNAL, note: str = "",
           status_from: str = "", status_to: str = "", department: Department | None = None,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> Event:
    """Append one Event to the ticket's timeline."""
    event = Event(
        ticket=ticket, kind=kind, visibility=visibility, note=note, status_from=status_from,
        status_to=status_to, data=data or {}, created_at=at or timezone.now(),
    )
    if isinstance(by, Actor):
        event.actor_kind, event.actor_name = by.kind, by.name
        event.department = department or by.department
    else:
        event.actor_kind, event.actor_user, event.actor_name = Event.ActorKind.USER, by, str(by)
        if department is None and ticket.department_id and ticket.department_id in by.department_ids():
            department = ticket.department
        event.department = department
    event.save()
    if ticket.answered_at is not None and not isinstance(by, Actor):
        # The next thing staff do with an answered ticket means someone has read the answer.
        ticket.answered_at = None
        Ticket.objects.filter(pk=ticket.pk).update(answered_at=None)
    if kind in search.TEXT_KINDS or kind == Event.Kind.CLASSIFIED:
        # Same transaction: the search index never lags behind the ticket.
        search.reindex(ticket)
    return event


def _change_status(ticket: Ticket, to: str, *, by: By, note: str = "", kind: str = Event.Kind.STATUS_CHANGED,
                   department: Department | None = None, visibility: str = Event.Visibility.PUBLIC,
                   notify: bool = True, data: dict[str, Any] | None = None) -> Event:
    _require_transition(ticket, to)
    now = timezone.now()
    previous = ticket.status
    ticket.status = to
    ticket.updated_at = now
    if to == S.ACCEPTED and not ticket.accepted_at:
        ticket.accepted_at = now
    if to in Ticket.CLOSED_STATUSES:
        ticket.resolved_at = now
    elif previous in Ticket.CLOSED_STATUSES:
        ticket.resolved_at = None
    ticket.save()
    event = record(ticket, kind, by=by, visibility=visibility, note=note, status_from=previous, status_to=to,
                   department=department, data=data, at=now)
    if notify and visibility == Event.Visibility.PUBLIC:
        hooks.call("status_changed", ticket, event)
    return event


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def classify(ticket: Ticket, *, by: By, topic: str | None = None, priority: str | None = None,
             category: Category | None = None, lat: float | None = None, lon: float | None = None,
             address: str | None = None, area: Area | None = None) -> Event | None:
    """The desk's triage: topic, urgency, category and location corrections. Internal."""
    check_allowed(ticket, by, "classify")
    lock(ticket)
    changes: dict[str, list[object]] = {}  # field → [before, after], as JSON
    if topic is not None and topic != ticket.topic:
        if topic not in Topic.values:
            raise WorkflowError(_("Unknown topic."))
        changes["topic"] = [ticket.topic, topic]
        ticket.topic = topic
    if priority is not None and priority != ticket.priority:
        if priority not in Priority.values:
            raise WorkflowError(_("Unknown priority."))
        changes["priority"] = [ticket.priority, priority]
        ticket.priority = priority
    if category is not None and category.pk != ticket.category_id:
        changes["category"] = [ticket.category.service_code, category.service_code]
        ticket.category = category
    if lat is not None and lon is not None and (lat, lon) != (ticket.lat, ticket.lon):
        changes["location"] = [[ticket.lat, ticket.lon], [lat, lon]]
        ticket.lat, ticket.lon = lat, lon
        if area is not None:
            ticket.area = area
    if address is not None and address != ticket.address:
        changes["address"] = [ticket.address, address]
        ticket.address = address
    if not changes:
        return None
    _touch(ticket, "topic", "priority", "category", "lat", "lon", "address", "area")
    return record(ticket, Event.Kind.CLASSIFIED, by=by, data=changes)


@transaction.atomic
def forward(ticket: Ticket, department: Department, *, by: By, note: str = "", notify: bool = True) -> Event:
    """Hand the ticket to a department. Writes a public Event and queues the delivery job."""
    check_allowed(ticket, by, "forward")
    lock(ticket)
    if not department.is_active:
        raise WorkflowError(_("Department %(name)s is not active.") % {"name": department.display_name})
    if ticket.status in Ticket.CLOSED_STATUSES:
        raise WorkflowError(_("Ticket %(id)s is closed; reopen it first.") % {"id": ticket.public_id})
    _require_transition(ticket, S.FORWARDED)
    ticket.department = department
    ticket.forwarded_at = timezone.now()
    ticket.accepted_at = None
    ticket.assignee = None
    # Working hours: weekends and public holidays of the city's state do not count.
    ticket.due_at = deadlines.due_at(ticket.forwarded_at, ticket.category.deadline_hours)
    ticket.escalated_at = None
    event = _change_status(ticket, S.FORWARDED, by=by, kind=Event.Kind.FORWARDED, department=department,
                           notify=notify, data={"department": department.slug})
    if note:
        record(ticket, Event.Kind.INTERNAL_NOTE, by=by, note=note, department=department)
    hooks.call("forwarded", ticket, department, event)
    return event


@transaction.atomic
def accept(ticket: Ticket, *, by: By, note: str = "") -> Event:
    """The department takes responsibility; the reporter hears so."""
    check_allowed(ticket, by, "accept")
    lock(ticket)
    return _change_status(ticket, S.ACCEPTED, by=by, note=note)


@transaction.atomic
def start(ticket: Ticket, *, by: By, note: str = "") -> Event:
    check_allowed(ticket, by, "start")
    lock(ticket)
    if ticket.status == S.FORWARDED:
        ticket.accepted_at = timezone.now()
    return _change_status(ticket, S.IN_PROGRESS, by=by, note=note)


@transaction.atomic
def resolve(ticket: Ticket, *, by: By, note: str) -> Event:
    """Close as done. The public note is required: the reporter and the public read it."""
    check_allowed(ticket, by, "resolve")
    if not note.strip():
        raise WorkflowError(_("Please write a public note saying what was done."))
    lock(ticket)
    return _change_status(ticket, S.DONE, by=by, note=note.strip())


@transaction.atomic
def reject(ticket: Ticket, *, by: By, reason: str) -> Event:
    """Close as not actionable, with a public reason."""
    check_allowed(ticket, by, "reject")
    if not reason.strip():
        raise WorkflowError(_("Please give a public reason for the rejection."))
    lock(ticket)
    return _change_status(ticket, S.REJECTED, by=by, note=reason.strip())


@transaction.atomic
def request_info(ticket: Ticket, *, by: By, question: str) -> Event:
    """Ask the reporter a question; the deadline pauses until they answer."""
    check_allowed(ticket, by, "request_info")
    if not question.strip():
        raise WorkflowError(_("Please write the question to the reporter."))
    lock(ticket)
    contact = getattr(ticket, "contact", None)
    if contact is None or contact.erased_at or not (contact.email or contact.phone):
        raise WorkflowError(_("The reporter left no e-mail address or phone number, so they cannot be asked."))
    if ticket.due_at:
        remaining = deadlines.working_seconds_between(timezone.now(), ticket.due_at)
    else:
        remaining = None
    event = _change_status(ticket, S.NEEDS_INFO, by=by, notify=False, data={"paused_seconds_left": remaining})
    message = record(ticket, Event.Kind.MESSAGE_TO_REPORTER, by=by, note=question.strip())
    hooks.call("question_to_reporter", ticket, message)
    return event


@transaction.atomic
def answer_info(ticket: Ticket, *, text: str, by: By = REPORTER) -> Event:
    """The reporter's answer: recorded for staff, and the ticket resumes where it was.

    The ticket is marked answered (`answered_at`) until staff act on it, and whoever asked is told
    through the "reporter_answered" hook (the asker, the department or the desk; notifications).
    """
    if not text.strip():
        raise WorkflowError(_("Please write your answer."))
    lock(ticket)
    if ticket.status != S.NEEDS_INFO:
        raise WorkflowError(_("Ticket %(id)s is not waiting for an answer.") % {"id": ticket.public_id})
    asked = ticket.events.filter(status_to=S.NEEDS_INFO).order_by("-created_at", "-id").first()
    back_to = asked.status_from if asked and asked.status_from != S.NEEDS_INFO else S.NEW
    seconds_left = asked.data.get("paused_seconds_left") if asked else None
    if seconds_left is not None:
        ticket.due_at = deadlines.add_working_time(timezone.now(), seconds_left)
    question = ticket.events.filter(kind=Event.Kind.MESSAGE_TO_REPORTER).order_by("-created_at", "-id").first()
    ticket.answered_at = timezone.now()
    answer = record(ticket, Event.Kind.MESSAGE_FROM_REPORTER, by=by, note=text.strip())
    event = _change_status(ticket, back_to, by=by, notify=False)
    hooks.call("reporter_answered", ticket, answer, question)
    return event


@transaction.atomic
def hand_back(ticket: Ticket, *, by: By, reason: str) -> Event:
    """A department returns a ticket that is not theirs to the desk."""
    check_allowed(ticket, by, "hand_back")
    if not reason.strip():
        raise WorkflowError(_("Please say why the ticket goes back to the desk."))
    lock(ticket)
    if not ticket.is_open:
        raise WorkflowError(_("Ticket %(id)s is closed; reopen it first.") % {"id": ticket.public_id})
    department = ticket.department
    ticket.department = None
    ticket.assignee = None
    ticket.due_at = None
    event = _change_status(ticket, S.NEW, by=by, visibility=Event.Visibility.INTERNAL, department=department,
                           data={"returned_by": department.slug if department else ""})
    record(ticket, Event.Kind.INTERNAL_NOTE, by=by, note=reason.strip(), department=department)
    return event


@transaction.atomic
def reopen(ticket: Ticket, *, by: By, reason: str) -> Event:
    """Open a closed ticket again: back to its department if it had one, to the desk otherwise."""
    if by is REPORTER:
        if ticket.status in Ticket.CLOSED_STATUSES and not ticket.reporter_may_reopen():
            raise WorkflowError(
                _("This ticket was closed more than %(days)d days ago and can no longer be reopened here.")
                % {"days": settings.STADTLOTSE["REOPEN_DAYS"]}
            )
    else:
        check_allowed(ticket, by, "reopen")
    if not reason.strip():
        raise WorkflowError(_("Please say why the ticket is reopened."))
    lock(ticket)
    if ticket.status not in Ticket.CLOSED_STATUSES:
        raise WorkflowError(_("Ticket %(id)s is not closed.") % {"id": ticket.public_id})
    target = S.FORWARDED if ticket.department_id else S.NEW
    ticket.duplicate_of = None
    return _change_status(ticket, target, by=by, kind=Event.Kind.REOPENED, note=reason.strip())


@transaction.atomic
def mark_duplicate(ticket: Ticket, original: Ticket, *, by: By, note: str = "") -> Event:
    """Close `ticket` as a duplicate of `original`; its supporters count for the original."""
    check_allowed(ticket, by, "mark_duplicate")
    if original.pk == ticket.pk:
        raise WorkflowError(_("A ticket cannot be a duplicate of itself."))
    lock(ticket)
    survivor = original
    while survivor.duplicate_of is not None:
        survivor = survivor.duplicate_of
    if survivor.pk == ticket.pk:
        raise WorkflowError(_("%(id)s is already merged into this ticket.") % {"id": original.public_id})
    ticket.duplicate_of = survivor
    event = _change_status(ticket, S.DUPLICATE, by=by, kind=Event.Kind.MERGED, note=note,
                           data={"into": survivor.public_id})
    Ticket.objects.filter(pk=survivor.pk).update(supporters=F("supporters") + ticket.supporters + 1)
    record(survivor, Event.Kind.MERGED, by=by, data={"from": ticket.public_id})
    return event


@transaction.atomic
def add_note(ticket: Ticket, text: str, *, by: By, public: bool = False) -> Event:
    """An internal note for staff, or a public note shown on the ticket page (and sent to the reporter)."""
    check_allowed(ticket, by, "add_note")
    if not text.strip():
        raise WorkflowError(_("The note is empty."))
    lock(ticket)
    _touch(ticket)
    if public:
        event = record(ticket, Event.Kind.PUBLIC_NOTE, by=by, note=text.strip(), visibility=Event.Visibility.PUBLIC)
        hooks.call("public_note", ticket, event)
        return event
    return record(ticket, Event.Kind.INTERNAL_NOTE, by=by, note=text.strip())


@transaction.atomic
def assign(ticket: Ticket, assignee: User | None, *, by: By) -> Event:
    """Give the ticket to one person (of its department, or of the desk while it has no department)."""
    check_allowed(ticket, by, "assign")
    lock(ticket)
    if assignee is not None:
        in_department = ticket.department_id and ticket.department_id in assignee.department_ids()
        if not (in_department or (assignee.is_desk and not ticket.department_id)):
            raise WorkflowError(_("%(name)s does not work for the department of this ticket.") % {"name": assignee})
    ticket.assignee = assignee
    _touch(ticket, "assignee")
    return record(ticket, Event.Kind.ASSIGNED, by=by, data={"assignee": assignee.username if assignee else None})


@transaction.atomic
def set_follow_up(ticket: Ticket, at: datetime | None, *, by: By, reason: str) -> Event:
    """Put the ticket on follow-up (Wiedervorlage): it shows in the inbox and the digest from `at` on.

    `at=None` clears the follow-up. Internal; the reporter is not told.
    """
    check_allowed(ticket, by, "follow_up")
    if at is not None and not reason.strip():
        raise WorkflowError(_("Please give a reason for the follow-up."))
    lock(ticket)
    ticket.follow_up_at = at
    ticket.follow_up_reason = reason.strip()[:300] if at else ""
    _touch(ticket, "follow_up_at", "follow_up_reason")
    return record(ticket, Event.Kind.FOLLOW_UP, by=by, note=ticket.follow_up_reason,
                  data={"at": at.isoformat() if at else None})


@transaction.atomic
def escalate(ticket: Ticket, *, now: datetime | None = None) -> Event | None:
    """Mark an overdue ticket as escalated (once per deadline); returns the Event or None."""
    lock(ticket)
    now = now or timezone.now()
    # Without a deadline a ticket is never overdue; the test says so to the type checker too.
    if ticket.escalated_at or ticket.due_at is None or not ticket.is_overdue(now):
        return None
    ticket.escalated_at = now
    ticket.save(update_fields=["escalated_at"])
    return record(ticket, Event.Kind.ESCALATED, by=SYSTEM, data={"due_at": ticket.due_at.isoformat()}, at=now)
