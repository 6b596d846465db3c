from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from stadtlotse.core.ratelimit import Rate


class User(AbstractUser):
    """A member of staff. Residents have no accounts; they follow their tickets by private link."""

    class Role(models.TextChoices):
        DESK = "desk", _("coordination desk")
        DEPARTMENT = "department", _("department staff")
        ADMIN = "admin", _("administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DEPARTMENT)
    # Named by label: accounts sits below catalog (docs/architecture.md), so the type is the plain Model.
    departments: "models.ManyToManyField[models.Model, Membership]" = models.ManyToManyField(
        "catalog.Department", through="Membership", related_name="members", blank=True,
        verbose_name=_("departments"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    # Not a column: the user's department ids, read once per request (department_ids()).
    _department_ids: set[int]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_desk(self) -> bool:
        """The desk and administrators see every ticket."""
        return self.is_active and self.role in (self.Role.DESK, self.Role.ADMIN)

    def department_ids(self) -> set[int]:
        if not hasattr(self, "_department_ids"):
            self._department_ids = set(self.memberships.values_list("department_id", flat=True))
        return self._department_ids

    def is_lead_of(self, department: models.Model) -> bool:
        return self.memberships.filter(department_id=department.pk, is_lead=True).exists()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey("catalog.Department", on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(_("department lead"), default=False)

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


def validate_rate(value: str) -> None:
    try:
        Rate.parse(value)
    except ValueError:
        raise ValidationError(_("Please write the rate as requests/seconds, e.g. 120/60."), code="invalid_rate")


class ApiKey(models.Model):
    """A key for systems that submit reports through Open311. Only the SHA-256 of the key is stored."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.CharField(_("owner"), max_length=200, blank=True, help_text=_("Who runs the app or system."))
    key_hash = models.CharField(_("key (SHA-256)"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # A key of a department's own system (its Open311 back end) may post status updates for the
    # tickets forwarded to that department; an app's key may only submit reports and comments.
    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="api_keys",
        help_text=_("Only for a department's own system: it may then change the status of that department's tickets."),
    )
    rate = models.CharField(
        _("rate limit"), max_length=20, blank=True, validators=[validate_rate],
        help_text=_("Requests per seconds, e.g. 120/60. Empty: the default from the settings."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return self.name

    def get_rate(self) -> Rate:
        from django.conf import settings

        return Rate.parse(self.rate or settings.STADTLOTSE["OPEN311_KEY_RATE"])

    @staticmethod
    def digest_of(plain: str) -> str:
        import hashlib

        return hashlib.sha256(plain.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, owner: str = "", *, plain: str | None = None) -> tuple["ApiKey", str]:
        """Create a key; returns (api_key, plain). The plain key is shown once and never stored."""
        import secrets

        plain = plain or secrets.token_urlsafe(32)
        api_key = cls.objects.create(name=name, owner=owner, key_hash=cls.digest_of(plain))
        return api_key, plain

    @classmethod
    def verify(cls, plain: object) -> "ApiKey | None":
        """The active key matching `plain`, or None. Records when it was last used.

        Not called `check`: that name belongs to Django's system checks on every model.
        """
        import hmac

        from django.utils import timezone

        if not plain or not isinstance(plain, str):
            return None
        digest = cls.digest_of(plain)
        api_key = cls.objects.filter(key_hash=digest, is_active=True).first()
        # The lookup is by hash, so timing reveals nothing about the key; compare_digest keeps it so.
        if api_key is None or not hmac.compare_digest(api_key.key_hash, digest):
            return None
        now = timezone.now()
        cls.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        return api_key


class SavedView(models.Model):
    """A named ticket-list query (filters, search and sort) a member of staff keeps for daily use."""

    MAX_PER_USER = 30

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedview_unique_name")]

    def __str__(self) -> str:
        return self.name


class SecondFactor(models.Model):
    """A staff member's authenticator app (TOTP), and their one-time recovery codes."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    secret = models.CharField(max_length=64, editable=False)
    confirmed_at = models.DateTimeField(_("active since"), null=True, blank=True, editable=False)
    # A code counts once: the step of the last accepted code, so a code seen over a shoulder or
    # replayed from a log is refused.
    last_step = models.BigIntegerField(default=0, editable=False)
    # SHA-256 of the unused recovery codes (they are random, so a fast hash is enough).
    recovery_codes = models.JSONField(default=list, editable=False)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None
