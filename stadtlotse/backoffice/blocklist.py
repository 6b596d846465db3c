"""The desk's block list of sources: list, add, remove. Reports from a blocked source are refused by intake."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from stadtlotse.accounts.models import ApiKey
from stadtlotse.intake import abuse
from stadtlotse.intake.models import BlockedSource

from .access import desk_required

PAGE_SIZE = 50


class BlockForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BlockedSource.Kind.choices)
    value = forms.CharField(
        label=gettext_lazy("E-mail address, domain or IP range"), max_length=254, required=False,
        help_text=gettext_lazy("For example rita@example.org, example.org, 192.0.2.0/24. Not needed for an API key."),
    )
    api_key = forms.ModelChoiceField(label=gettext_lazy("API key"), queryset=ApiKey.objects.order_by("name"),
                                     required=False)
    reason = forms.CharField(label=gettext_lazy("Reason (internal)"), max_length=300)
    expires_at = forms.DateTimeField(label=gettext_lazy("Until (empty: until removed)"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@desk_required
@require_http_methods(["GET", "HEAD", "POST"])
def blocklist(request):
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = abuse.block(data["kind"], data["value"], api_key=data["api_key"], reason=data["reason"],
                                by=request.user, expires_at=data["expires_at"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Blocked: %(entry)s") % {"entry": entry})
            return redirect("backoffice:blocklist")
    entries = BlockedSource.objects.select_related("api_key", "created_by").order_by("kind", "value", "pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/blocklist.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


@desk_required
@require_POST
def unblock(request, entry_id):
    entry = get_object_or_404(BlockedSource, pk=entry_id)
    abuse.unblock(entry)
    messages.success(request, _("Removed from the block list: %(entry)s") % {"entry": entry})
    return redirect("backoffice:blocklist")
