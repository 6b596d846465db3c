import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from stadtlotse.catalog.models import Area, Category, Department, Priority, Topic, pick_language

from . import ids
if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

    from stadtlotse.accounts.models import User


# A ticket id in URLs: prefix, year of receipt, number (SL-2026-0042).
TICKET_ID_PATTERN = ids.URL_PATTERN


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


class TicketSequence(models.Model):
    """The last number handed out per prefix and year; locked row by row, so ids are gap-free."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="ticketsequence_unique")]


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> "TicketQuerySet":
        return self.filter(status__in=Ticket.OPEN_STATUSES)

    def closed(self) -> "TicketQuerySet":
        return self.filter(status__in=Ticket.CLOSED_STATUSES)

    def published(self) -> "TicketQuerySet":
        return self.filter(publication=Ticket.Publication.PUBLISHED)

    def for_department(self, department: Department) -> "TicketQuerySet":
        return self.filter(department=department)

    def visible_to(self, user: "User") -> "TicketQuerySet":
        """What a member of staff may see: everything for the desk, their departments' tickets otherwise.

        Web reports still waiting for their sender's e-mail confirmation are nobody's yet.
        """
        tickets = self.confirmed()
        if user.is_desk:
            return tickets
        return tickets.filter(department_id__in=user.department_ids())

    def overdue(self, now: datetime | None = None) -> "TicketQuerySet":
        return self.filter(Ticket.overdue_condition(now or timezone.now()))

    def in_desk_inbox(self) -> "TicketQuerySet":
        return self.confirmed().filter(status__in=[Ticket.Status.NEW, Ticket.Status.NEEDS_INFO],
                                       department__isnull=True)

    def confirmed(self) -> "TicketQuerySet":
        """Without the web reports held back until their sender confirms (intake/confirmation.py).

        Excluded by id, from the few held-back reports: every work-list index carries the id, so
        the lists stay answerable from their indexes (excluding by the column would read each row).
        """
        return self.exclude(pk__in=Ticket.objects.filter(awaiting_confirmation=True).values("pk"))


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("received")
        FORWARDED = "forwarded", _("forwarded")
        ACCEPTED = "accepted", _("accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        NEEDS_INFO = "needs_info", _("question to reporter")
        DONE = "done", _("done")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")

    class Channel(models.TextChoices):
        WEB = "web", _("web form")
        APP = "app", _("app (Open311)")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")
        LETTER = "letter", _("letter")
        COUNTER = "counter", _("counter")

    class Publication(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden")

    OPEN_STATUSES = (Status.NEW, Status.FORWARDED, Status.ACCEPTED, Status.IN_PROGRESS, Status.NEEDS_INFO)
    CLOSED_STATUSES = (Status.DONE, Status.REJECTED, Status.DUPLICATE)

    public_id = models.CharField(_("ticket id"), max_length=32, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets")
    description = models.TextField(_("description"))
    # What the public sees; the desk may edit it during moderation while `description` stays as sent.
    public_description = models.TextField(_("public description"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    area = models.ForeignKey(
        Area, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    attributes = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # Urgent first, then high, then normal: the stored values do not sort that way, and a CASE in
    # ORDER BY makes the database sort every open ticket. The database keeps the rank itself, so
    # the work lists read it in index order.
    urgency = models.GeneratedField(
        expression=models.Case(
            models.When(priority=Priority.URGENT, then=models.Value(0)),
            models.When(priority=Priority.HIGH, then=models.Value(1)),
            default=models.Value(2),
        ),
        output_field=models.SmallIntegerField(), db_persist=True,
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    follow_up_at = models.DateTimeField(_("follow-up"), null=True, blank=True)
    follow_up_reason = models.CharField(_("follow-up reason"), max_length=300, blank=True)
    # Set when the overdue ticket was escalated (listed in the digest), so it is escalated once per deadline.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # Set when the reporter answered a question, cleared by the next staff action (workflow.record):
    # the ticket stays marked "answered by the reporter" in every list until someone reads and acts.
    answered_at = models.DateTimeField(_("answered by the reporter"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="duplicates",
    )
    supporters = models.PositiveIntegerField(_("supporters"), default=0)
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.PENDING
    )
    # What the intake screening found in the description: [{"kind", "reason", "match"}] (intake/screening.py).
    # A flagged report waits for moderation whatever its category says.
    flags = models.JSONField(_("screening flags"), default=list, blank=True)
    # A web report from an unknown sender, stored but held back (not routed, not notified, not shown
    # to the desk) until the sender follows the link in the confirmation mail (intake/confirmation.py).
    awaiting_confirmation = models.BooleanField(_("awaiting e-mail confirmation"), default=False)
    external_system = models.CharField(_("external system"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    access_token = models.CharField(max_length=64, default=new_access_token, editable=False)

    created_at = models.DateTimeField(_("received"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_status_created"),
            models.Index(fields=["department", "status", "created_at"], name="ticket_dept_status_created"),
            models.Index(fields=["publication", "status", "lat", "lon"], name="ticket_pub_map"),
            # The public map's "resolved in the last 30 days" part, answered from the index alone.
            models.Index(fields=["publication", "status", "resolved_at", "lat", "lon"], name="ticket_map_resolved"),
            # Public lists newest first (Open311 GET requests, feeds) without sorting all published rows.
            models.Index(fields=["publication", "-created_at"], name="ticket_pub_created"),
            models.Index(fields=["lat", "lon"], name="ticket_location"),
            models.Index(fields=["category", "created_at"], name="ticket_category_created"),
            # Period queries over all tickets (analytics: one day's tickets when building the daily figures).
            models.Index(fields=["created_at"], name="ticket_created"),
            models.Index(fields=["area", "created_at"], name="ticket_area_created"),
            models.Index(fields=["due_at"], name="ticket_due"),
            # Work lists: a department's open tickets and the desk's inbox by urgency, then age;
            # the overdue queue by deadline within the open statuses.
            # forwarded_at last: the desk's "new" and "returned" queues are counted from this index alone.
            models.Index(fields=["department", "status", "urgency", "created_at", "forwarded_at"],
                         name="ticket_dept_urgency"),
            models.Index(fields=["status", "urgency", "created_at"], name="ticket_status_urgency"),
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["updated_at"], name="ticket_updated"),
            models.Index(fields=["status", "follow_up_at"], name="ticket_status_follow_up"),
            # The "answer received" queue: few rows carry the mark, so only they are indexed.
            models.Index(fields=["answered_at", "status"], name="ticket_answered",
                         condition=models.Q(answered_at__isnull=False)),
            models.Index(fields=["awaiting_confirmation"], name="ticket_unconfirmed"),
        ]

    def __str__(self) -> str:
        return self.public_id

    def get_absolute_url(self) -> str:
        return reverse("publicweb:ticket", args=[self.public_id])

    def get_private_url(self) -> str:
        return reverse("publicweb:private", args=[self.public_id, self.access_token])

    def get_backoffice_url(self) -> str:
        return reverse("backoffice:ticket", args=[self.public_id])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_published(self) -> bool:
        return self.publication == self.Publication.PUBLISHED

    @property
    def shown_description(self) -> str:
        return self.public_description or self.description

    @classmethod
    def overdue_condition(cls, now: datetime) -> models.Q:
        """Overdue, as a filter: open, past its deadline, and not waiting for the reporter (the clock stops then)."""
        return models.Q(status__in=cls.OPEN_STATUSES, due_at__lt=now) & ~models.Q(status=cls.Status.NEEDS_INFO)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Past its deadline and still open; the deadline is paused while waiting for the reporter."""
        if self.status == self.Status.NEEDS_INFO:
            return False
        return bool(self.due_at and self.is_open and self.due_at < (now or timezone.now()))

    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def reporter_may_reopen(self, now: datetime | None = None) -> bool:
        """Closed, and closed recently enough for the reporter to reopen it from their private link."""
        if self.status not in self.CLOSED_STATUSES:
            return False
        window = timedelta(days=settings.STADTLOTSE["REOPEN_DAYS"])
        return self.resolved_at is None or (now or timezone.now()) - self.resolved_at <= window

    def answers(self) -> list[tuple[str, str]]:
        """The answers to the category's extra questions as (question, answer), in the active language."""
        rows: list[tuple[str, str]] = []
        for question in self.category.sorted_questions():
            if question["code"] not in self.attributes:
                continue
            value = self.attributes[question["code"]]
            names = {str(v["key"]): pick_language(v.get("name") or str(v["key"]), v.get("name_en"))
                     for v in question.get("values", [])}
            values = value if isinstance(value, list) else [value]
            question_text = pick_language(question.get("description") or question["code"], question.get("description_en"))
            rows.append((question_text, ", ".join(names.get(str(v), str(v)) for v in values)))
        return rows


class Contact(models.Model):
    """The reporter's personal data, kept apart from the ticket so it can be erased without touching statistics."""

    class Preferred(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    wants_feedback = models.BooleanField(_("keep me informed"), default=False)
    preferred = models.CharField(_("preferred contact"), max_length=10, choices=Preferred.choices, default=Preferred.EMAIL)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # Is this sender known (confirmed before)? Asked on every web report when confirmation is on.
            models.Index(fields=["email"], name="contact_email"),
            # The daily retention job reads only contacts not yet erased: a small, bounded set
            # (open and recently closed tickets) however many million tickets there are.
            models.Index(fields=["ticket"], condition=models.Q(erased_at__isnull=True), name="contact_not_erased"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or "—"

    @property
    def can_email(self) -> bool:
        return bool(self.email and self.wants_feedback and not self.erased_at)

    @property
    def wants_callback(self) -> bool:
        """Phone-only reporters (or those preferring phone) are called back instead of mailed."""
        if not self.wants_feedback or self.erased_at or not self.phone:
            return False
        return not self.email or self.preferred == self.Preferred.PHONE


class EventQuerySet(models.QuerySet["Event"]):
    def public(self) -> "EventQuerySet":
        """What the public may read: never internal notes, messages or delivery details."""
        return self.filter(visibility=Event.Visibility.PUBLIC)


class Event(models.Model):
    """One entry of a ticket's append-only timeline; also the audit log."""

    class Kind(models.TextChoices):
        CREATED = "created", _("received")
        CLASSIFIED = "classified", _("classified")
        FORWARDED = "forwarded", _("forwarded")
        STATUS_CHANGED = "status_changed", _("status changed")
        PUBLIC_NOTE = "public_note", _("public note")
        INTERNAL_NOTE = "internal_note", _("internal note")
        MESSAGE_TO_REPORTER = "message_to_reporter", _("message to reporter")
        MESSAGE_FROM_REPORTER = "message_from_reporter", _("message from reporter")
        ASSIGNED = "assigned", _("assigned")
        MERGED = "merged", _("merged")
        MODERATED = "moderated", _("moderated")
        ATTACHMENT_ADDED = "attachment_added", _("photo added")
        ATTACHMENT_REDACTED = "attachment_redacted", _("photo redacted")
        CONTACT_ERASED = "contact_erased", _("contact data erased")
        EXTERNAL_UPDATE = "external_update", _("update from external system")
        DELIVERY = "delivery", _("delivery attempt")
        NOTIFICATION_SENT = "notification_sent", _("notification sent")
        NOTIFICATION_FAILED = "notification_failed", _("notification failed")
        REOPENED = "reopened", _("reopened")
        FOLLOW_UP = "follow_up", _("follow-up set")
        ESCALATED = "escalated", _("escalated as overdue")
        UNMERGED = "unmerged", _("merge undone")
        # Written through an app's Open311 key: what a resident says there, not the reporter's own answer.
        APP_COMMENT = "app_comment", _("comment from an app")

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("internal")
        PUBLIC = "public", _("public")

    class ActorKind(models.TextChoices):
        USER = "user", _("staff")
        SYSTEM = "system", _("system")
        REPORTER = "reporter", _("reporter")
        EXTERNAL = "external", _("external system")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status_from = models.CharField(max_length=20, blank=True)
    status_to = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EventQuerySet.as_manager()

    # Not columns: set by disclosure.with_notes() to the note as the timeline's audience may read it,
    # and to the id a merge led into if that audience may know it ("" if not).
    shown_note: str
    shown_into: str

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Leading ticket, then visibility: a page's public events are found by ticket even where
            # SQLite, without statistics, would otherwise walk every public event.
            models.Index(fields=["ticket", "visibility", "created_at"], name="event_ticket_vis_created"),
            models.Index(fields=["visibility", "created_at"], name="event_visibility_created"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def status_label(self) -> "_StrOrPromise":
        return Ticket.Status(self.status_to).label if self.status_to else ""

    @property
    def public_actor(self) -> "_StrOrPromise":
        """Who did it, as the public may see it: a department or 'Stadtlotse', never a person's name."""
        if self.department is not None:
            return self.department.display_name
        if self.actor_kind == self.ActorKind.REPORTER:
            return _("reporter")
        return _("coordination desk") if self.actor_kind == self.ActorKind.USER else "Stadtlotse"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The upload's own file name is never used: it may carry personal data or a path. The media module
    # names its files "original.png", "public.jpg"; only such a known extension is kept.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("jpg", "png", "webp", "heic"):
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
                     "image/heic": "heic"}.get(instance.content_type, "bin")
    return f"tickets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    original = models.FileField(upload_to=attachment_path)
    # The blurred, metadata-free version; only this is ever served to the public.
    public_version = models.FileField(upload_to=attachment_path, blank=True)
    thumbnail = models.FileField(upload_to=attachment_path, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    # Rectangles blurred in the public version, in pixels of the upright original:
    # found by the detector ({"kind": "face"|"plate", "x", "y", "w", "h"}) and drawn by staff.
    detections = models.JSONField(default=list, blank=True)
    redactions = models.JSONField(default=list, blank=True)
    # Set by the photo job; until then there is no public version and the photo is shown nowhere public.
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk}"

    @property
    def is_public(self) -> bool:
        return bool(self.public_version) and not self.is_hidden and self.ticket.is_published

    @property
    def extension(self) -> str:
        return self.original.name.rsplit(".", 1)[-1] if "." in self.original.name else "bin"


# Ready-made texts for ticket actions: here, beside the Ticket whose statuses and audiences they follow.
class TemplateGap(ValueError):
    """A text template cannot be filled in for this ticket; the message says which placeholder and why."""


class TextTemplate(models.Model):
    """A ready-made text (Textvorlage) for a public note or a message to the reporter, with placeholders."""

    class Purpose(models.TextChoices):
        PUBLIC_NOTE = "public_note", _("public note")
        MESSAGE = "message", _("message to the reporter")

    # Placeholders by audience: a public note is read by everyone (ticket page, feeds, Open311, open
    # data), so it may only name what the public page shows; the reporter's own data is only for them.
    PUBLIC_PLACEHOLDERS = ("ticket_id", "category", "district", "department")
    REPORTER_PLACEHOLDERS = ("reporter_name",)
    PLACEHOLDERS = PUBLIC_PLACEHOLDERS + REPORTER_PLACEHOLDERS

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("used for"), max_length=20, choices=Purpose.choices, default=Purpose.PUBLIC_NOTE)
    # A choice, not free text: staff pick "erledigt", the column keeps the code the workflow uses.
    status = models.CharField(_("for status"), max_length=20, blank=True, choices=Ticket.Status.choices,
                              help_text=_("The status the ticket gets with this text; empty for any."))
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="text_templates", help_text=_("Empty for every category."))
    text = models.TextField(
        _("text"), max_length=5000,
        help_text=_("Placeholders: {ticket_id}, {category}, {district}, {department}; "
                    "in messages to the reporter also {reporter_name}."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("text template")
        verbose_name_plural = _("text templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.status and self.status not in Ticket.Status.values:
            raise ValidationError({"status": _("Unknown status; use one of: %(codes)s.") % {
                "codes": ", ".join(Ticket.Status.values)}})
        used = set(re.findall(r"\{(\w*)\}", self.text))
        unknown = used - set(self.PLACEHOLDERS)
        if unknown:
            raise ValidationError({"text": _("Unknown placeholder: %(names)s.") % {
                "names": ", ".join("{%s}" % name for name in sorted(unknown))}})
        private = used - set(self.allowed_placeholders())
        if private:
            raise ValidationError({"text": _(
                "%(names)s may only be used in messages to the reporter: a public note is shown on the ticket "
                "page, in feeds, Open311 and open data. Remove it or choose “message to the reporter”."
            ) % {"names": ", ".join("{%s}" % name for name in sorted(private))}})

    def allowed_placeholders(self) -> tuple[str, ...]:
        if self.purpose == self.Purpose.MESSAGE:
            return self.PLACEHOLDERS
        return self.PUBLIC_PLACEHOLDERS

    def render(self, ticket: "Ticket") -> str:
        """The text with its placeholders filled in for `ticket`.

        Raises TemplateGap when a placeholder has no value for this ticket (no department yet, no
        name given), rather than leaving a hole in the sentence ("liegt bei . Wir melden uns"), and
        when a public note holds reporter data (a template saved before that was checked).
        """
        contact = getattr(ticket, "contact", None)
        # Names in the reporter's language: the text goes to them, whoever writes it.
        with translation.override(ticket.language):
            values = {
                "ticket_id": ticket.public_id,
                "category": ticket.category.display_name if ticket.category_id else "",
                "district": ticket.area.name if ticket.area is not None else "",
                "department": ticket.department.display_name if ticket.department is not None else "",
                "reporter_name": (contact.name if contact and not contact.erased_at else "") or "",
            }
        allowed = self.allowed_placeholders()

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.PLACEHOLDERS:
                return match.group(0)
            if name not in allowed:
                raise TemplateGap(_("Template “%(template)s” contains {%(placeholder)s}, which must not be "
                                    "published. Please correct the template.")
                                  % {"template": self.name, "placeholder": name})
            if not values[name]:
                raise TemplateGap(_("Template “%(template)s” needs {%(placeholder)s}, but ticket %(id)s has no "
                                    "value for it yet. Please write the text yourself or choose another template.")
                                  % {"template": self.name, "placeholder": name, "id": ticket.public_id})
            return values[name]

        return re.sub(r"\{(\w+)\}", fill, self.text)
