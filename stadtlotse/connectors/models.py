import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def failed(self) -> "DeliveryQuerySet":
        return self.filter(status=Delivery.Status.FAILED)


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
    # Sent with every attempt (Idempotency-Key, Message-ID): the target recognises a repeat after a timeout.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # An Open311 back end that answered with a token instead of an id; resolved on the next attempts.
    token = models.CharField(max_length=100, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_created"),
            # Updates from a department's system name the ticket by the id that system gave it.
            models.Index(fields=["department", "external_id"], name="delivery_department_external"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.department_id} ({self.status})"


class InboundUpdate(models.Model):
    """One update received from outside (connectors/status.py), remembered so a repeat changes nothing.

    `source` is the door (email, webhook, open311 polling, open311-post), `key` what the sender uses
    to name the update: the Message-ID of an e-mail reply, the webhook's event id, the Open311
    update_id. Keys are unique per source and department, or per Open311 API key where the update
    came with one (an app's key has no department); the unique constraints make the check race-free.
    `updated_at` is the sender's own time of the update: an older one must not turn the state back.
    """

    department = models.ForeignKey("catalog.Department", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="inbound_updates")
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20)
    key = models.CharField(max_length=255)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.ForeignKey("tickets.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "source", "key"], condition=models.Q(api_key__isnull=True),
                                    name="inboundupdate_unique"),
            models.UniqueConstraint(fields=["api_key", "source", "key"], condition=models.Q(api_key__isnull=False),
                                    name="inboundupdate_unique_per_key"),
        ]
        indexes = [models.Index(fields=["ticket", "source"], name="inboundupdate_ticket_source")]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class PollState(models.Model):
    """Where polling a department's Open311 back end for updates got to (the end of the last window)."""

    department = models.OneToOneField("catalog.Department", on_delete=models.CASCADE, related_name="poll_state")
    polled_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
