"""Idempotency-Key: a client that retries a POST after a timeout gets the first answer, not a second ticket.

    return idempotency.run_once(request, scope, lambda: create_things_and_answer())

The successful answer is stored inside the same transaction as what the request created, so it
exists exactly when they do. A second request with the same key waits for the first (unique
index) and then gets its answer again. Errors are not stored: a client may correct and retry.
Keys are kept for a day (`purge`, run by about every 500th keyed request).
"""

import hashlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEEP = timedelta(days=1)
PURGE_CHANCE = 0.002
# Fields that differ between two sendings of the same request: the key itself, the CSRF token.
NOT_FINGERPRINTED = {"csrfmiddlewaretoken", "idempotency_key"}


class KeyMisused(Exception):
    """The key is malformed, or was used before for a different request."""


def _stored(scope: str, key: str, fingerprint: str) -> HttpResponse | None:
    stored = IdempotentResponse.objects.filter(scope=scope, key=key).first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise KeyMisused(key)
    response = HttpResponse(bytes(stored.body), status=stored.status, content_type=stored.content_type)
    if stored.location:
        response["Location"] = stored.location
    response["Idempotent-Replayed"] = "true"
    return response


def _fingerprint(request: HttpRequest) -> str:
    """What the request asks for, independent of how it was encoded (multipart boundaries differ per retry)."""
    digest = hashlib.sha256()
    for name, values in sorted(request.POST.lists()):
        if name in NOT_FINGERPRINTED:
            continue
        digest.update(repr((name, values)).encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            digest.update(repr((name, upload.size)).encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def request_key(request: HttpRequest, key: str | None = None) -> str:
    """The Idempotency-Key header, or `key` (e.g. a form's hidden field) if given; "" for none."""
    key = (request.headers.get(HEADER, "") if key is None else key).strip()
    if len(key) > MAX_KEY_LENGTH or any(ord(c) < 33 or ord(c) > 126 for c in key):
        raise KeyMisused(key)
    return key


def run_once(request: HttpRequest, scope: str, make_response: Callable[[], HttpResponse], *,
             key: str | None = None) -> HttpResponse:
    """`make_response()` once per (scope, Idempotency-Key); raises KeyMisused for a bad or reused key.

    `key` replaces the header (the web form carries its key in a hidden field). Successful answers
    (2xx) and redirects (3xx, the web form's answer) are stored; errors are not.
    """
    key = request_key(request, key)
    if not key:
        return make_response()
    fingerprint = _fingerprint(request)
    replay = _stored(scope, key, fingerprint)
    if replay is not None:
        return replay
    if random.random() < PURGE_CHANCE:  # noqa: S311 - housekeeping, not security
        # Every web report stores a key now; this keeps the table at about a day's worth without a cron job.
        purge()
    try:
        with transaction.atomic():
            response = make_response()
            if 200 <= response.status_code < 400:
                IdempotentResponse.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, status=response.status_code,
                    content_type=response.get("Content-Type", ""), body=bytes(response.content),
                    location=response.get("Location", ""),
                )
            return response
    except IntegrityError:
        # The same key raced us and won; its answer is committed now.
        replay = _stored(scope, key, fingerprint)
        if replay is None:
            raise
        return replay


def purge(now: datetime | None = None) -> int:
    return IdempotentResponse.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()[0]
