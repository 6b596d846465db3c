"""The administrator's form for a department's connector: validated on save, secrets write-only.

Secrets (webhook secret, Open311 API key) are never rendered back into the page: an empty field
keeps the stored value. They are never part of a log line or an error message either.
"""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stadtlotse.catalog.models import Department
from stadtlotse.core import addresses

from . import http
from .errors import DeliveryError

# Django's ModelForm is generic only in its stubs (no runtime subscript without django-stubs-ext).
if TYPE_CHECKING:
    _DepartmentModelForm = forms.ModelForm[Department]
else:
    _DepartmentModelForm = forms.ModelForm

MIN_SECRET_LENGTH = 32
SECRET_FIELDS = {"webhook_secret": "secret", "open311_api_key": "api_key"}


def _url(value: str) -> None:
    """http(s) URL without credentials in it (they would end up in logs and pages)."""
    if not value:
        return
    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."))
    if parts.username or parts.password:
        raise ValidationError(_("Do not put a user name or password into the address; use the fields for them."))
    try:
        http.target(value)
    except addresses.NotPublic as exc:
        raise ValidationError(str(exc)) from None
    except addresses.UnknownHost:
        pass  # may be known to the worker's resolver later; every connect checks again


class DepartmentAdminForm(_DepartmentModelForm):
    webhook_url = forms.URLField(label=gettext_lazy("Webhook URL"), required=False, assume_scheme="https",
                                 validators=[_url])
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook secret"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("At least 32 characters. Leave empty to keep the stored secret."))
    open311_endpoint = forms.URLField(
        label=gettext_lazy("Open311 endpoint"), required=False, assume_scheme="https", validators=[_url],
        help_text=gettext_lazy("The GeoReport v2 base address, e.g. https://city.example/open311/v2/"))
    open311_api_key = forms.CharField(
        label=gettext_lazy("Open311 API key"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored key."))
    open311_format = forms.ChoiceField(label=gettext_lazy("Open311 format"), choices=[("xml", "XML"), ("json", "JSON")],
                                       required=False)
    open311_jurisdiction_id = forms.CharField(label=gettext_lazy("Open311 jurisdiction_id"), required=False,
                                              max_length=100)
    open311_service_codes = forms.CharField(
        label=gettext_lazy("Service code mapping"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line: our code = the back end's code. Codes not listed are sent as they are."))
    reply_senders = forms.CharField(
        label=gettext_lazy("Further sender addresses"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E-mail connector: addresses besides the department's own and its members' that may "
                               "answer for it, one per line."))
    check_reachable = forms.BooleanField(
        label=gettext_lazy("Check that the address answers"), required=False,
        help_text=gettext_lazy("Sends one GET request to the webhook URL or the Open311 service list when saving."))

    class Meta:
        model = Department
        exclude = ["connector_settings"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.connector_settings or {}
        self.fields["webhook_url"].initial = stored.get("url", "")
        self.fields["open311_endpoint"].initial = stored.get("endpoint", "")
        self.fields["open311_format"].initial = stored.get("format", "xml")
        self.fields["open311_jurisdiction_id"].initial = stored.get("jurisdiction_id", "")
        self.fields["open311_service_codes"].initial = "\n".join(
            f"{ours} = {theirs}" for ours, theirs in (stored.get("service_codes") or {}).items())
        self.fields["reply_senders"].initial = "\n".join(stored.get("senders", []))
        for field, key in SECRET_FIELDS.items():
            if stored.get(key):
                self.fields[field].help_text = _("A value is stored (not shown). Leave empty to keep it.")

    def clean_webhook_secret(self) -> str:
        secret: str = self.cleaned_data["webhook_secret"].strip()
        if secret and len(secret) < MIN_SECRET_LENGTH:
            raise ValidationError(_("The secret must have at least %(min)d characters.") % {"min": MIN_SECRET_LENGTH})
        return secret

    def clean_open311_service_codes(self) -> dict[str, str]:
        mapping = {}
        for number, line in enumerate(self.cleaned_data["open311_service_codes"].splitlines(), start=1):
            if not line.strip():
                continue
            ours, sep, theirs = line.partition("=")
            if not sep or not ours.strip() or not theirs.strip():
                raise ValidationError(_("Line %(number)d: write “our code = their code”.") % {"number": number})
            mapping[ours.strip()] = theirs.strip()
        return mapping

    def clean_reply_senders(self) -> list[str]:
        addresses = [line.strip().lower() for line in self.cleaned_data["reply_senders"].splitlines() if line.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(_("“%(address)s” is not an e-mail address.") % {"address": address}) from None
        return addresses

    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm's: marks the form for the unique checks; the data is cleaned_data
        cleaned = self.cleaned_data
        stored = self.instance.connector_settings or {}
        connector = cleaned.get("connector")
        settings = {}
        if connector == Department.Connector.WEBHOOK:
            settings = {"url": cleaned.get("webhook_url"), "secret": cleaned.get("webhook_secret") or stored.get("secret")}
            if not settings["url"] and "webhook_url" not in self.errors:
                self.add_error("webhook_url", _("The webhook connector needs a URL."))
            if not settings["secret"] and "webhook_secret" not in self.errors:
                self.add_error("webhook_secret", _("The webhook connector needs a secret."))
        elif connector == Department.Connector.OPEN311:
            settings = {
                "endpoint": cleaned.get("open311_endpoint"),
                "api_key": cleaned.get("open311_api_key") or stored.get("api_key"),
                "format": cleaned.get("open311_format") or "xml",
                "jurisdiction_id": cleaned.get("open311_jurisdiction_id", ""),
                "service_codes": cleaned.get("open311_service_codes") or {},
            }
            if not settings["endpoint"] and "open311_endpoint" not in self.errors:
                self.add_error("open311_endpoint", _("The Open311 connector needs the endpoint address."))
            if not settings["api_key"]:
                self.add_error("open311_api_key", _("The Open311 connector needs an API key."))
        elif connector == Department.Connector.EMAIL:
            settings = {"senders": cleaned.get("reply_senders") or []}
        # A form without errors has its (required) connector.
        if cleaned.get("check_reachable") and not self.errors and connector is not None:
            self._check_reachable(connector, settings)
        self.connector_settings = settings
        return cleaned

    def _check_reachable(self, connector: str, settings: dict[str, Any]) -> None:
        if connector == Department.Connector.WEBHOOK:
            field, url = "webhook_url", settings["url"]
        elif connector == Department.Connector.OPEN311:
            fmt = settings["format"]
            field, url = "open311_endpoint", settings["endpoint"].rstrip("/") + f"/services.{fmt}"
        else:
            return
        try:
            code, _body = http.request("GET", url)
        except DeliveryError:
            code = None
        # A webhook may refuse a GET (405, 501): it answered. An Open311 service list must be there.
        # One message for every failure: which ports answer and how is nobody's business (port scan).
        if code is None or (connector == Department.Connector.OPEN311 and code != 200):
            self.add_error(field, _("The address could not be reached, or did not answer as expected."))

    def save(self, commit: bool = True) -> Department:
        self.instance.connector_settings = self.connector_settings
        return super().save(commit=commit)
