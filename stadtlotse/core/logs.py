"""Structured logs: one line per request with a request id, and that id on every other line of the request.

LOG_FORMAT=json writes each record as one JSON object per line (for journald, Loki, ELK);
LOG_FORMAT=plain (the default) writes readable text. See docs/deploy.md, "Logs".
"""

import contextvars
import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id from the reverse proxy (nginx's $request_id) is kept if it looks harmless; anything else is replaced.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL parts that are secrets (private links, Open311 tokens) never reach a log file.
SECRET_KWARGS = ("token", "api_key")
# Fields of the per-request line, in this order in JSON.
REQUEST_FIELDS = ("request_id", "method", "path", "view", "status", "duration_ms", "user_id")

# Control characters (C0, DEL, C1) and the Unicode line breaks: a request path or header holding one
# could otherwise start a forged line in a plain-text log.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

logger = logging.getLogger("stadtlotse.request")


def escape(value: object) -> str:
    """`value` as text safe for one log line: each control character becomes its \\xNN/\\uNNNN escape."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record, so one request's lines can be found together."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class PlainFormatter(logging.Formatter):
    """Readable lines, one per record: whatever a message holds (paths, headers, form values logged
    by Django or a library) is escaped; a traceback's lines follow indented."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        # format() sets record.message afresh from msg and args each time, so replacing it here is safe.
        record.message = escape(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        # A traceback keeps its lines, indented: nothing in it (an exception's text included) starts a line.
        return "\n    ".join(super().format(record).splitlines())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _logged_path(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    path = escape(request.path)
    if match is not None:
        for name in SECRET_KWARGS:
            secret = match.kwargs.get(name)
            if secret:
                path = path.replace(escape(secret), "[hidden]")
    return path


class RequestLogMiddleware:
    """Gives each request an id (also the X-Request-ID response header) and logs one line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # our own attribute, read by views and logs
        reset = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            fields = {
                "request_id": request_id, "method": escape(request.method), "path": _logged_path(request),
                "view": match.view_name if match else "", "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                # Only staff have accounts; residents stay anonymous in logs too. No IP addresses either.
                # Read only if the view already loaded the user: a log line must not cost a query.
                "user_id": user.pk if user is not None and getattr(user, "_wrapped", empty) is not empty
                and user.is_authenticated else None,
            }
            logger.info('"%s %s" %s %sms', fields["method"], fields["path"], response.status_code,
                        fields["duration_ms"], extra=fields)
            return response
        finally:
            request_id_var.reset(reset)
