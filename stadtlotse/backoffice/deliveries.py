"""The desk's "delivery failed" queue: forwardings that gave up after their last attempt, with a retry button.

Kept in a module of its own so the inbox views can change without touching it.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from stadtlotse.connectors import delivery as deliveries
from stadtlotse.connectors.models import Delivery

from .access import desk_required

PAGE_SIZE = 50


def failed_deliveries():
    """Failed deliveries whose ticket is still with that department (a re-forwarded ticket has moved on)."""
    return (
        Delivery.objects.failed().filter(ticket__department=F("department"))
        .select_related("ticket", "department").order_by("created_at", "id")
    )


@desk_required
@require_safe
def failed(request):
    page = Paginator(failed_deliveries(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/deliveries_failed.html", {"page": page})


@desk_required
@require_POST
def retry(request, delivery_id):
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    if deliveries.retry(delivery, by=request.user):
        messages.success(request, _("Delivery of %(id)s will be tried again now.") % {"id": delivery.ticket.public_id})
    else:
        messages.info(request, _("This delivery is no longer waiting for a retry."))
    return redirect("backoffice:deliveries_failed")
