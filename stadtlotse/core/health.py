"""What /healthz checks: database, cache, job queue lag and free disk, each with its own verdict."""

import hmac
import ipaddress
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from . import ratelimit

# One check's verdict: {"ok": bool, "error": str, figures…}, as /healthz shows it.
Check = dict[str, Any]


def _timed(check: Callable[[], Check]) -> Check:
    started = time.monotonic()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - any failure of a dependency is what a health check reports
        result = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_cache() -> Check:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok} if ok else {"ok": False, "error": "a value written to the cache could not be read back"}


def check_jobs(now: datetime | None = None) -> Check:
    """Age of the job that has waited longest since it became due: a stopped or swamped worker shows here."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    # Two index-friendly queries instead of one OR: jobs due at once (run_after unset) and scheduled ones now due.
    unscheduled = ready.filter(run_after=get_date_max()).order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    scheduled = ready.filter(run_after__lte=now).order_by("run_after").values_list("run_after", flat=True).first()
    due_since = min((t for t in (unscheduled, scheduled) if t is not None), default=None)
    lag = max((now - due_since).total_seconds(), 0) if due_since else 0
    limit = settings.STADTLOTSE["HEALTH_MAX_JOB_LAG_SECONDS"]
    result: Check = {"ok": lag <= limit, "oldest_ready_seconds": round(lag), "limit_seconds": limit}
    if not result["ok"]:
        result["error"] = "jobs wait longer than the limit: is the worker running?"
    return result


def check_disk() -> Check:
    usage = shutil.disk_usage(settings.DATA_DIR)
    free_mb = usage.free // (1024 * 1024)
    limit = settings.STADTLOTSE["HEALTH_MIN_FREE_DISK_MB"]
    result: Check = {"ok": free_mb >= limit, "free_mb": free_mb, "limit_mb": limit}
    if not result["ok"]:
        result["error"] = "the data directory's disk is almost full"
    return result


def report() -> dict[str, Any]:
    """{"status": "ok"|"error", "checks": {...}}; the job check needs the database, so it is skipped without it."""
    checks = {"database": _timed(check_database), "cache": _timed(check_cache)}
    if checks["database"]["ok"]:
        checks["jobs"] = _timed(check_jobs)
    else:
        checks["jobs"] = {"ok": False, "error": "not checked: the database is unavailable"}
    checks["disk"] = _timed(check_disk)
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "error", "checks": checks}


def shows_details(request: HttpRequest) -> bool:
    """Whether this request may see the checks (free disk, job lag, errors): only from a trusted
    network (STADTLOTSE_HEALTH_TRUSTED_NETWORKS, loopback by default) or with the health token
    (STADTLOTSE_HEALTH_TOKEN, as `Authorization: Bearer …`). Everyone else learns ok or fail."""
    token = settings.STADTLOTSE["HEALTH_TOKEN"]
    scheme, _space, offered = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
        return True
    if request.headers.get("X-Forwarded-For") and not settings.TRUSTED_PROXY_COUNT:
        # A proxy stands in front without being declared: REMOTE_ADDR is the proxy's (often
        # loopback), not the client's, so the address proves nothing.
        return False
    try:
        address = ipaddress.ip_address(ratelimit.client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False)
               for net in settings.STADTLOTSE["HEALTH_TRUSTED_NETWORKS"])
