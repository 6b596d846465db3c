"""Requests refused before anyone reads them: bodies by their size, addresses with a null character.

Django reads a body only when a view (or the CSRF middleware) asks for `request.POST`, but then it
reads all of it: a multipart upload is spooled to disk in full before any view can say no. This
middleware compares the declared `Content-Length` with the limit of the path and answers 413 at
once. Interface apps register their own doors with a limit and a refusal in their own words
(`register_door` in `AppConfig.ready()`); every other path gets `MAX_REQUEST_BYTES` and a plain page.

A body without Content-Length (chunked) is not read by Django at all (its stream is limited to the
declared length, none means zero), so a client sending one would see its data silently lost; it
gets 411 instead. The body of an accepted request is read through a counting stream that stops at
the door's limit, whatever the server below passes on.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _


# (request, status, message) -> the refusal in the door's own words.
Refusal = Callable[[HttpRequest, int, str], HttpResponseBase]


@dataclass(frozen=True)
class Door:
    prefix: str
    max_bytes: Callable[[], int]  # read per request so settings overrides in tests apply
    refuse: Refusal


_doors: list[Door] = []


def register_door(prefix: str, *, max_bytes: Callable[[], int], refuse: Refusal) -> None:
    """Give the paths under `prefix` their own body limit and refusal (call in AppConfig.ready())."""
    _doors[:] = [door for door in _doors if door.prefix != prefix] + [Door(prefix, max_bytes, refuse)]
    _doors.sort(key=lambda door: len(door.prefix), reverse=True)


def doors() -> list[Door]:
    """The registered doors, longest prefix first (for the documentation and its test)."""
    return list(_doors)


def photo_upload_bytes() -> int:
    """The largest body a form with the most photos may need: every photo at its limit, plus the fields."""
    limits = settings.STADTLOTSE
    max_photos: int = limits["MAX_PHOTOS"]
    max_photo_bytes: int = limits["MAX_PHOTO_BYTES"]
    # None (Django's "no limit on the fields") must not break every photo door: count the photos alone.
    fields: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return max_photos * max_photo_bytes + fields


def _max_request_bytes() -> int:
    limit: int = settings.MAX_REQUEST_BYTES
    return limit


def _plain_refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _door_for(path: str) -> Door:
    for door in _doors:
        if path.startswith(door.prefix):
            return door
    return Door("", _max_request_bytes, _plain_refusal)


class CountingStream:
    """A request body that raises RequestDataTooBig once more than `limit` bytes were read."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream, self.limit, self.count = stream, limit, 0

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.limit:
            raise RequestDataTooBig("The request body is larger than the limit of its path.")
        return data

    def read(self, *args: int) -> bytes:
        return self._counted(self.stream.read(*args))

    def readline(self, *args: int) -> bytes:
        return self._counted(self.stream.readline(*args))

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close:
            close()


class BodySizeMiddleware:
    """413 for a declared body above the path's limit, 411 for a body without a declared length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Runs before LocaleMiddleware: the refusal takes the browser's language itself (German by default).
        with translation.override(translation.get_language_from_request(request)):
            refusal = self._refusal(request)
        return refusal or self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponseBase | None:
        door = _door_for(request.path_info)
        # No text column takes a null character (PostgreSQL refuses it with an error, SQLite would
        # store it): a path or query naming one is bad input, answered before any view or query.
        if "\x00" in request.path_info or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return door.refuse(request, 400, _("The address contains a null character."))
        limit = door.max_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return door.refuse(request, 400, _("The request has an invalid Content-Length."))
        if length > limit:
            return door.refuse(request, 413, _(
                "The request is too large: at most %(max)s MB can be sent here."
            ) % {"max": f"{limit / (1024 * 1024):.1f}".rstrip("0").rstrip(".")})
        if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return door.refuse(request, 411, _("Please send the request with a Content-Length header."))
        # Django's own stream stops at Content-Length; this one also holds if a server passes on more.
        # Django reads its body stream only through read() and readline(), which CountingStream has.
        request._stream = CountingStream(request._stream, limit)  # type: ignore[assignment]  # noqa: SLF001 - no public hook for the body stream
        return None
