import logging
import sys

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache

from . import health

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


@never_cache
def healthz(request):
    """For load balancers and monitoring: 200 when database, cache, job queue and disk are fine, else 503.

    The checks as JSON for trusted networks or the health token; a bare "ok"/"fail" for everyone
    else. Touches no session or user and costs three small queries.
    """
    result = health.report()
    status = 200 if result["status"] == "ok" else 503
    if health.shows_details(request):
        return JsonResponse(result, status=status)
    return HttpResponse("ok\n" if status == 200 else "fail\n", status=status, content_type="text/plain; charset=utf-8")


def server_error(request):
    """handler500: a database outage is a 503 ("come back soon"), anything else a plain 500; never a stack trace.

    Rendered without context processors or the session, both of which may need the database that just failed.
    """
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DatabaseError) and _is_outage(error)
    status = 503 if unavailable else 500
    if request.path.startswith("/open311/"):
        # Open311 clients expect an error list, not HTML.
        description = "Service temporarily unavailable, please retry later." if unavailable else "Internal server error."
        response = JsonResponse([{"code": status, "description": description}], status=status, safe=False)
    else:
        html = loader.render_to_string("503.html" if unavailable else "500.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _is_outage(error):
    """Connection-level failures (server down, refused, too many clients), not a bug in a query."""
    from django.db import InterfaceError, OperationalError

    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    # SQLite raises OperationalError for both "database is locked" / "unable to open" and bad SQL ("no such column").
    message = str(error).lower()
    return not any(marker in message for marker in ("no such column", "no such table", "syntax error"))
