from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of staff. Residents have no accounts; they follow their tickets by private link."""

    class Role(models.TextChoices):
        DESK = "desk", _("coordination desk")
        DEPARTMENT = "department", _("department staff")
        ADMIN = "admin", _("administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DEPARTMENT)
    departments = models.ManyToManyField(
        "catalog.Department", through="Membership", related_name="members", blank=True,
        verbose_name=_("departments"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_desk(self):
        """The desk and administrators see every ticket."""
        return self.is_active and self.role in (self.Role.DESK, self.Role.ADMIN)

    def department_ids(self):
        if not hasattr(self, "_department_ids"):
            self._department_ids = set(self.memberships.values_list("department_id", flat=True))
        return self._department_ids

    def is_lead_of(self, department):
        return self.memberships.filter(department=department, is_lead=True).exists()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey("catalog.Department", on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(_("department lead"), default=False)

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.department}"
