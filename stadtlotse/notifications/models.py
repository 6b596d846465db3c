import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to a reporter, subscriber or department: written with the change it reports, sent by a job.

    Rendered when it is created, so what was said is part of the record even if templates change.
    A callback is a task for the desk to phone a reporter who left no e-mail address.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        CALLBACK = "callback", _("phone callback")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        DONE = "done", _("done")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey("tickets.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    language = models.CharField(max_length=5, default="de")
    template = models.CharField(max_length=50)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["channel", "status", "created_at"], name="notification_queue")]

    def __str__(self) -> str:
        return f"{self.template} → {self.channel} ({self.status})"


def new_subscription_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """A resident following a published ticket by e-mail; mails go out only after `confirmed_at` is set."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField(_("e-mail"), max_length=254)
    language = models.CharField(max_length=5, default="de")
    # In the confirmation and unsubscribe links; knowing it is proof of owning the address.
    token = models.CharField(max_length=64, unique=True, default=new_subscription_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="subscription_ticket_email")]
        indexes = [models.Index(fields=["ticket", "confirmed_at"], name="subscription_ticket_confirmed")]

    def __str__(self) -> str:
        return f"{self.email} → {self.ticket_id}"
