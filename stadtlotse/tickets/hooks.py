"""What the apps above tickets do when a ticket changes: named hooks, answered by listeners.

The tickets app sits below media, notifications, connectors and intake (docs/architecture.md) and imports
none of them. Where the workflow needs their work done — tell the reporter, queue the delivery,
render a photo again — it calls a hook by name; the app that owns that work registers its listener
in its `AppConfig.ready()`:

    hooks.listen("forwarded", delivery.queue_forward)       # connectors/apps.py
    hooks.call("forwarded", ticket, department, event)      # tickets/workflow.py

Every hook is listed in `HOOKS` with what its listeners are for. Calling a hook that nobody listens
to raises: a forward without its delivery, or a status change that nobody is told of, would be a
quiet loss, so a missing app fails loudly instead (and `unanswered()` lets a test check them all).
Listeners run in the caller's transaction, so what they write commits or rolls back with the change.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

HOOKS: dict[str, str] = {
    "status_changed": "a public status change: tell the reporter and the ticket's followers (notifications)",
    "public_note": "a public note: tell the reporter (notifications)",
    "question_to_reporter": "a question to the reporter: send it by e-mail or as a callback task (notifications)",
    "reporter_answered": "the reporter answered a question: tell whoever asked (notifications)",
    "moderated": "the report or a photo was hidden: tell the reporter why (notifications)",
    "forwarded": "a ticket was handed to a department: queue the delivery through its connector (connectors)",
    "photo_changed": "a photo's blurred areas changed: queue the job that renders its public version (media)",
    "render_photo": "render a photo's public version now, after its change committed (media)",
    "reporter_messages": "the messages sent to a reporter's contact, for their data export and erasure (notifications)",
    "contact_erased": "a reporter's contact data was erased: cancel what can no longer be sent (notifications)",
    "nightly_retention": "the nightly retention run: delete what is kept too long (intake)",
}

_listeners: dict[str, list[Callable[..., Any]]] = {name: [] for name in HOOKS}


def listen(name: str, listener: Callable[..., Any]) -> None:
    """Register a listener for a hook (once; registering the same function again changes nothing)."""
    if name not in HOOKS:
        raise ImproperlyConfigured(f"Unknown ticket hook {name!r}; the hooks are listed in tickets/hooks.py.")
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def call(name: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Run every listener of the hook in registration order; returns their results."""
    listeners = _listeners[name]
    if not listeners:
        raise ImproperlyConfigured(f"No app listens to the ticket hook {name!r} ({HOOKS[name]}).")
    return [listener(*args, **kwargs) for listener in listeners]


def unanswered() -> list[str]:
    """The hooks that no installed app listens to (empty in a complete installation)."""
    return [name for name, listeners in _listeners.items() if not listeners]
