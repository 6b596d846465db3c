"""The back-office timeline in sentences: one function per event kind, so staff never read raw event data.

Staff-only: these sentences name departments, staff accounts and delivery details. The public timeline
goes through tickets.disclosure and never comes here.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from stadtlotse.catalog.models import Category, Department, Priority, Topic
from stadtlotse.tickets.models import Event, Ticket


def sentence(event: Event, names: "Names | None" = None) -> str:
    """What happened, in one or a few sentences of the current language; never a dict or list.

    Pass one `names` for a whole timeline so each department, category and user is read once.
    """
    names = names if names is not None else Names()
    parts = [SENTENCES[event.kind](event, names)] if event.kind in SENTENCES else [str(event.get_kind_display())]
    open311_status = event.data.get("open311_status")
    if open311_status:
        # Sent along with a department's update through Open311: the word the city's system used.
        parts.append(_("Open311 status sent: “%(status)s”.") % {"status": open311_status})
    # English dates end in "p.m.", which would double a sentence's full stop.
    return " ".join(part for part in parts if part).replace("..", ".")


def duration(seconds: float) -> str:
    """'2 Tage 0 Std.': days and hours, rounded to the hour, as the desk counts a paused deadline."""
    days, hours = divmod(max(round(seconds / 3600), 0), 24)
    return _("%(days)s %(hours)s") % {
        "days": ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        "hours": _("%(count)d h") % {"count": hours},
    }


def _label(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


def _status_label(code: str) -> str:
    return _label(Ticket.Status, code)


def _moment(value: object) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return "—"
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


class Names:
    """Department, category and staff names for one page, each looked up once however long the history."""

    def __init__(self) -> None:
        self._departments: dict[object, str] = {}
        self._categories: dict[object, str] = {}
        self._users: dict[object, str] = {}

    def department(self, event: Event, slug: object = None) -> str:
        if event.department is not None:
            return event.department.display_name
        if not slug:
            return _("a department")
        if slug not in self._departments:
            department = Department.objects.filter(slug=slug).first()
            self._departments[slug] = department.display_name if department is not None else str(slug)
        return self._departments[slug]

    def category(self, service_code: object) -> str:
        if service_code not in self._categories:
            category = Category.objects.filter(service_code=service_code).first() if service_code else None
            self._categories[service_code] = category.display_name if category is not None else str(
                service_code or "—")
        return self._categories[service_code]

    def user(self, username: object) -> str:
        if username not in self._users:
            user = get_user_model().objects.filter(username=username).first()
            self._users[username] = (user.get_full_name() or user.get_username()) if user is not None else str(
                username)
        return self._users[username]


def _status_change(event: Event) -> str:
    if event.status_from and event.status_to:
        return _("Status: %(from)s → %(to)s.") % {"from": _status_label(event.status_from),
                                                  "to": _status_label(event.status_to)}
    if event.status_to:
        return _("Status: %(to)s.") % {"to": _status_label(event.status_to)}
    return ""


def _created(event: Event, names: Names) -> str:
    text = _("Report received via %(channel)s.") % {"channel": _label(Ticket.Channel, event.data.get("channel"))}
    photos = event.data.get("photos")
    if photos:
        text += " " + ngettext("With %(count)d photo.", "With %(count)d photos.", photos) % {"count": photos}
    if event.data.get("submitted_with_key"):
        text += " " + _("Sent by an app with its own key.")
    return text


def _classified(event: Event, names: Names) -> str:
    sentences = []
    for field, change in event.data.items():
        before, after = (change if isinstance(change, list) and len(change) == 2 else (None, None))
        if field == "category":
            sentences.append(_("Category changed: %(from)s → %(to)s.") % {
                "from": names.category(before), "to": names.category(after)})
        elif field == "topic":
            sentences.append(_("Topic changed: %(from)s → %(to)s.") % {
                "from": _label(Topic, before), "to": _label(Topic, after)})
        elif field == "priority":
            sentences.append(_("Urgency changed: %(from)s → %(to)s.") % {
                "from": _label(Priority, before), "to": _label(Priority, after)})
        elif field == "location":
            sentences.append(_("Location moved on the map."))
        elif field == "address":
            sentences.append(_("Address changed: “%(from)s” → “%(to)s”.") % {
                "from": before or "—", "to": after or "—"})
    return " ".join(sentences) or _("Classification checked, nothing changed.")


def _forwarded(event: Event, names: Names) -> str:
    return _("Forwarded to %(department)s.") % {"department": names.department(event, event.data.get("department"))}


def _status_changed(event: Event, names: Names) -> str:
    text = _status_change(event)
    if "paused_seconds_left" in event.data:
        left = event.data["paused_seconds_left"]
        # None: the ticket had no deadline yet, so nothing was left to pause.
        text += " " + (_("Deadline paused, %(left)s left.") % {"left": duration(left)} if left is not None
                       else _("Deadline paused."))
    if event.data.get("returned_by"):
        text += " " + _("Returned by %(department)s.") % {"department": names.department(event, event.data["returned_by"])}
    return text


def _public_note(event: Event, names: Names) -> str:
    return _("Public note, shown on the ticket page.")


def _internal_note(event: Event, names: Names) -> str:
    return _("Internal note, for staff only.")


def _message_to_reporter(event: Event, names: Names) -> str:
    return _("Message to the reporter.")


def _message_from_reporter(event: Event, names: Names) -> str:
    return _("The reporter wrote.")


def _assigned(event: Event, names: Names) -> str:
    username = event.data.get("assignee")
    if not username:
        return _("Assignment removed.")
    return _("Assigned to %(name)s.") % {"name": names.user(username)}


def _merged(event: Event, names: Names) -> str:
    if event.data.get("into"):
        return _("Merged into %(ticket)s as a duplicate.") % {"ticket": event.data["into"]}
    return _("Report %(ticket)s merged into this one.") % {"ticket": event.data.get("from", "—")}


def _moderated(event: Event, names: Names) -> str:
    if "photo" in event.data:
        if event.data.get("hidden"):
            return _("Photo %(photo)s hidden from the public.") % {"photo": event.data["photo"]}
        return _("Photo %(photo)s shown to the public again.") % {"photo": event.data["photo"]}
    text = _("Publication: %(from)s → %(to)s.") % {"from": _label(Ticket.Publication, event.data.get("from")),
                                                   "to": _label(Ticket.Publication, event.data.get("to"))}
    if event.data.get("public_description_changed"):
        text += " " + _("Public description edited.")
    return text


def _attachment_added(event: Event, names: Names) -> str:
    return _("Photo added.")


def _attachment_redacted(event: Event, names: Names) -> str:
    values = {"photo": event.data.get("photo", "—"), "w": event.data.get("w", "?"), "h": event.data.get("h", "?")}
    if event.data.get("removed"):
        return _("Blurred area (%(w)s × %(h)s px) removed from photo %(photo)s.") % values
    return _("Area of %(w)s × %(h)s px blurred on photo %(photo)s.") % values


def _contact_erased(event: Event, names: Names) -> str:
    messages = event.data.get("messages") or 0
    reason = str(event.data.get("reason") or "")
    # privacy.erase_contact writes "reporter" or "retention: closed more than N days ago".
    if reason == "reporter":
        text = _("Contact data erased at the reporter's request.")
    elif reason.startswith("retention"):
        text = _("Contact data erased: the retention period is over.")
    elif reason:
        text = _("Contact data erased (%(reason)s).") % {"reason": reason}
    else:
        text = _("Contact data erased.")
    return text + " " + ngettext("%(count)d message erased with it.", "%(count)d messages erased with it.",
                                 messages) % {"count": messages}


def _external_update(event: Event, names: Names) -> str:
    return _("Update from %(department)s without a change.") % {"department": names.department(event)}


# Translated when shown, not at import: the language is the request's.
_RESULTS = {"delivered": gettext_noop("delivered"), "retry": gettext_noop("failed, will be retried"),
            "failed": gettext_noop("failed for good"), "retry requested": gettext_noop("sent again on request")}


def _delivery(event: Event, names: Names) -> str:
    result = event.data.get("result", "")
    text = _("Delivery to %(department)s via %(connector)s, attempt %(attempt)s: %(result)s.") % {
        "department": names.department(event), "connector": _label(Department.Connector, event.data.get("connector")),
        "attempt": event.data.get("attempt", "—"), "result": _(_RESULTS[result]) if result in _RESULTS else result}
    if event.data.get("reference"):
        text += " " + _("Reference there: %(reference)s.") % {"reference": event.data["reference"]}
    if event.data.get("next_attempt"):
        text += " " + _("Next attempt %(at)s.") % {"at": _moment(event.data["next_attempt"])}
    return text


def _notification_sent(event: Event, names: Names) -> str:
    if event.data.get("callback"):
        return _("Reporter called back.")
    return _("E-mail to the reporter sent.")


def _notification_failed(event: Event, names: Names) -> str:
    return _("E-mail to the reporter could not be sent.")


def _reopened(event: Event, names: Names) -> str:
    return _("Reopened.") + " " + _status_change(event)


def _follow_up(event: Event, names: Names) -> str:
    if not event.data.get("at"):
        return _("Follow-up removed.")
    return _("Follow-up on %(at)s.") % {"at": _moment(event.data["at"])}


def _escalated(event: Event, names: Names) -> str:
    return _("Escalated: the deadline %(at)s has passed.") % {"at": _moment(event.data.get("due_at"))}


def _unmerged(event: Event, names: Names) -> str:
    text = _("Merge undone: %(ticket)s is a report of its own again.") % {"ticket": event.data.get("split", "—")}
    return f"{text} {_status_change(event)}".strip()


def _app_comment(event: Event, names: Names) -> str:
    return _("Comment from an app, for staff only.")


SENTENCES: dict[str, Callable[[Event, Names], str]] = {
    Event.Kind.CREATED: _created,
    Event.Kind.CLASSIFIED: _classified,
    Event.Kind.FORWARDED: _forwarded,
    Event.Kind.STATUS_CHANGED: _status_changed,
    Event.Kind.PUBLIC_NOTE: _public_note,
    Event.Kind.INTERNAL_NOTE: _internal_note,
    Event.Kind.MESSAGE_TO_REPORTER: _message_to_reporter,
    Event.Kind.MESSAGE_FROM_REPORTER: _message_from_reporter,
    Event.Kind.ASSIGNED: _assigned,
    Event.Kind.MERGED: _merged,
    Event.Kind.MODERATED: _moderated,
    Event.Kind.ATTACHMENT_ADDED: _attachment_added,
    Event.Kind.ATTACHMENT_REDACTED: _attachment_redacted,
    Event.Kind.CONTACT_ERASED: _contact_erased,
    Event.Kind.EXTERNAL_UPDATE: _external_update,
    Event.Kind.DELIVERY: _delivery,
    Event.Kind.NOTIFICATION_SENT: _notification_sent,
    Event.Kind.NOTIFICATION_FAILED: _notification_failed,
    Event.Kind.REOPENED: _reopened,
    Event.Kind.FOLLOW_UP: _follow_up,
    Event.Kind.ESCALATED: _escalated,
    Event.Kind.UNMERGED: _unmerged,
    Event.Kind.APP_COMMENT: _app_comment,
}
