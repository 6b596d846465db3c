"""Inbound endpoints of the connectors: status pushed by the departments' systems."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtlotse.catalog.models import Department

from . import webhook


@csrf_exempt  # authenticated by the HMAC signature, not a session
@require_POST
def webhook_status(request: HttpRequest, slug: str) -> JsonResponse:
    department = get_object_or_404(Department, slug=slug, connector=Department.Connector.WEBHOOK, is_active=True)
    too_large = JsonResponse({"error": _("The body is larger than %(max)d bytes.") % {"max": webhook.MAX_BODY_BYTES}},
                             status=413)
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > webhook.MAX_BODY_BYTES:
        return too_large
    body = request.body
    if len(body) > webhook.MAX_BODY_BYTES:  # a length header that understated the body
        return too_large
    try:
        outcome = webhook.receive(department, body=body, timestamp=request.headers.get(webhook.TIMESTAMP_HEADER),
                                  signature=request.headers.get(webhook.SIGNATURE_HEADER))
    except webhook.InboundError as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status_code)
    return JsonResponse({"result": "duplicate" if outcome.duplicate else "applied"})
