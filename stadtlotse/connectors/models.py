from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    """One forwarding of a ticket to a department through its connector, retried until it succeeds."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="deliveries")
    department = models.ForeignKey("catalog.Department", on_delete=models.PROTECT, related_name="deliveries")
    event = models.ForeignKey("tickets.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    connector = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]

    def __str__(self):
        return f"{self.ticket_id} → {self.department_id} ({self.status})"
