import ipaddress

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BlockedSourceQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))


class BlockedSource(models.Model):
    """A source whose reports are refused: an e-mail address, a mail domain, an IP range or an API key.

    Kept by the desk (back office and admin); see `abuse.blocked_by()`.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail address")
        DOMAIN = "domain", _("e-mail domain")
        IP_RANGE = "ip_range", _("IP address or range")
        API_KEY = "api_key", _("Open311 API key")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Normalised: lower-case address or domain, a network in CIDR notation ("192.0.2.0/24").
    value = models.CharField(_("value"), max_length=254, blank=True)
    api_key = models.ForeignKey(
        "accounts.ApiKey", verbose_name=_("API key"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, help_text=_("For the desk only; never shown to the sender."))
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: until removed."))

    objects = BlockedSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("blocked source")
        verbose_name_plural = _("blocked sources")
        ordering = ["kind", "value"]
        indexes = [models.Index(fields=["kind", "value"], name="blockedsource_kind_value")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.api_key if self.kind == self.Kind.API_KEY else self.value}"

    def clean(self):
        """Normalise the value for its kind; a clear error for a value that is not one."""
        value = (self.value or "").strip().lower()
        if self.kind == self.Kind.EMAIL:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError({"value": _("This is not an e-mail address.")}) from None
        elif self.kind == self.Kind.DOMAIN:
            value = value.lstrip("@")
            if "." not in value or any(ch in value for ch in " @/") or len(value) > 253:
                raise ValidationError({"value": _("Please give a mail domain like example.org.")})
        elif self.kind == self.Kind.IP_RANGE:
            try:
                # strict=False: "192.0.2.7/24" means the network it lies in.
                value = str(ipaddress.ip_network(value, strict=False))
            except ValueError:
                raise ValidationError(
                    {"value": _("Please give an IP address or a range like 192.0.2.0/24 or 2001:db8::/32.")}
                ) from None
        elif self.kind == self.Kind.API_KEY:
            if self.api_key_id is None:
                raise ValidationError({"api_key": _("Please choose the API key to block.")})
            value = ""
        self.value = value


class Support(models.Model):
    """One "me too" for a ticket, by one source: a keyed hash of the client's IP (IPv6: its /64).

    Counting per source instead of per browser session means a client that drops its cookies
    supports once, like everyone else, and no session row is made for an anonymous visitor. The
    hash is keyed with SECRET_KEY: no address is stored, and the rows go with their ticket.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "source"], name="support_once_per_source")]

    def __str__(self):
        return f"{self.source[:8]} → {self.ticket_id}"
