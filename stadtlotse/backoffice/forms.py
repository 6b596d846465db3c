"""Input for the back office: one form per workflow action, and the ticket list's filters.

An action form validates what was typed and makes the one workflow call in `perform()`; the
workflow decides whether the change is allowed and raises WorkflowError when it is not.
"""

from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stadtlotse.accounts.models import SavedView, User
from stadtlotse.catalog.models import Area, Category, Department, Priority, Topic
from stadtlotse.intake import intake
from stadtlotse.routing.departments import choose_department
from stadtlotse.tickets import bulk, ids, merge, moderation, search, workflow
from stadtlotse.tickets.models import Contact, TemplateGap, TextTemplate, Ticket, TicketQuerySet

from . import queues

# Urgent first, then high, then normal (a rank the database keeps in Ticket.urgency).
URGENCY = "urgency"


def text_field(label, *, required=True, help_text="", rows=3):
    return forms.CharField(label=label, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def category_choices(categories):
    """Categories labelled and sorted by their path (“Abfall › Sperrmüll”), for a select."""
    labelled = ((c.pk, c.path_name) for c in categories.select_related("parent__parent"))
    return sorted(labelled, key=lambda choice: choice[1].casefold())


class ActionForm(forms.Form):
    """One workflow action on one ticket, by one member of staff."""

    action = ""  # the name used by workflow.allowed_actions() and in the URL
    title = ""

    def __init__(self, *args, ticket, user, **kwargs):
        # The prefix keeps field ids unique when every action's form is on the same page.
        super().__init__(*args, prefix=self.action, **kwargs)
        self.ticket = ticket
        self.user = user

    def perform(self):
        raise NotImplementedError


class TemplateTextMixin:
    """Offers the text templates that fit the ticket; a chosen template fills an empty text field."""

    text_field_name = "note"
    purpose = TextTemplate.Purpose.PUBLIC_NOTE
    target_status = None

    def add_template_field(self):
        self.templates = {
            str(t.pk): t for t in _templates_of(self.ticket)
            if t.purpose == self.purpose and t.status in ("", self.target_status or self.ticket.status)
        }
        if not self.templates:
            return  # no empty choice in the way of the keyboard
        self.fields["template"] = forms.ChoiceField(
            label=_("Text template"), required=False,
            choices=[("", _("none")), *((pk, t.name) for pk, t in self.templates.items())],
            help_text=_("Used when the text field is left empty."),
        )
        # backoffice.js copies the chosen template into the text field, so it can be edited first.
        self.fields["template"].widget.attrs.update({
            "data-templates": self.template_script_id, "data-target": f"id_{self.prefix}-{self.text_field_name}",
        })
        # The template field goes before the text it fills.
        order = [name for name in self.fields if name not in ("template", self.text_field_name)]
        self.order_fields(["template", self.text_field_name, *order])

    def clean(self):
        data = super().clean()
        template = self.templates.get(data.get("template") or "")
        if template is not None and not (data.get(self.text_field_name) or "").strip():
            try:
                data[self.text_field_name] = template.render(self.ticket)
            except TemplateGap as exc:
                self.add_error("template", str(exc))
            else:
                self.errors.pop(self.text_field_name, None)
        return data

    @property
    def template_script_id(self):
        return f"templates-{self.action}"

    def template_texts(self):
        """Rendered texts by template id, for the script that previews them in the text field."""
        texts = {}
        for pk, template in self.templates.items():
            try:
                texts[pk] = template.render(self.ticket)
            except TemplateGap:
                continue  # said when the form is sent with this template
        return texts


def _templates_of(ticket):
    """Every active template for the ticket's category, read once per ticket page (not once per form)."""
    if not hasattr(ticket, "_text_templates"):
        categories = [c.pk for c in ticket.category.ancestors()]
        ticket._text_templates = list(
            TextTemplate.objects.filter(is_active=True)
            .filter(Q(category__isnull=True) | Q(category__in=categories)).order_by("name")
        )
    return ticket._text_templates


class ClassifyForm(ActionForm):
    action = "classify"
    title = _("Classify")
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.reportable())

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["category"].choices = category_choices(Category.objects.reportable())
        self.initial.update(topic=ticket.topic, priority=ticket.priority, category=ticket.category_id)

    def perform(self):
        data = self.cleaned_data
        return workflow.classify(self.ticket, by=self.user, topic=data["topic"], priority=data["priority"],
                                 category=data["category"])


class ForwardForm(ActionForm):
    action = "forward"
    title = _("Forward to a department")
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True).order_by("name")
    )
    note = text_field(_("Internal note for the department"), required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        suggested = choose_department(ticket.category, ticket.area)
        if suggested is not None:
            self.initial["department"] = suggested.pk
            self.fields["department"].help_text = _("Suggested by the routing rules: %(name)s") % {
                "name": suggested.display_name
            }

    def perform(self):
        return workflow.forward(self.ticket, self.cleaned_data["department"], by=self.user,
                                note=self.cleaned_data["note"])


class AcceptForm(TemplateTextMixin, ActionForm):
    action = "accept"
    title = _("Accept")
    text_field_name = "note"
    target_status = Ticket.Status.ACCEPTED
    note = text_field(_("Public note"), required=False, help_text=_("Shown on the ticket page and sent to the reporter."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.accept(self.ticket, by=self.user, note=self.cleaned_data["note"])


class StartForm(TemplateTextMixin, ActionForm):
    action = "start"
    title = _("Start work")
    text_field_name = "note"
    target_status = Ticket.Status.IN_PROGRESS
    note = text_field(_("Public note"), required=False, help_text=_("Shown on the ticket page and sent to the reporter."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.start(self.ticket, by=self.user, note=self.cleaned_data["note"])


class ResolveForm(TemplateTextMixin, ActionForm):
    action = "resolve"
    title = _("Mark as done")
    text_field_name = "note"
    target_status = Ticket.Status.DONE
    note = text_field(_("Public note: what was done"), help_text=_("Shown on the ticket page and sent to the reporter."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.resolve(self.ticket, by=self.user, note=self.cleaned_data["note"])


class RejectForm(TemplateTextMixin, ActionForm):
    action = "reject"
    title = _("Reject")
    text_field_name = "reason"
    target_status = Ticket.Status.REJECTED
    reason = text_field(_("Public reason"), help_text=_("Shown on the ticket page and sent to the reporter."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.reject(self.ticket, by=self.user, reason=self.cleaned_data["reason"])


class RequestInfoForm(TemplateTextMixin, ActionForm):
    action = "request_info"
    title = _("Ask the reporter")
    text_field_name = "question"
    target_status = Ticket.Status.NEEDS_INFO
    purpose = TextTemplate.Purpose.MESSAGE
    question = text_field(_("Question to the reporter"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.request_info(self.ticket, by=self.user, question=self.cleaned_data["question"])


class HandBackForm(ActionForm):
    action = "hand_back"
    title = _("Hand back to the coordination desk")
    reason = text_field(_("Internal reason"))

    def perform(self):
        return workflow.hand_back(self.ticket, by=self.user, reason=self.cleaned_data["reason"])


class ReopenForm(ActionForm):
    action = "reopen"
    title = _("Reopen")
    reason = text_field(_("Public reason"))

    def perform(self):
        return workflow.reopen(self.ticket, by=self.user, reason=self.cleaned_data["reason"])


class MarkDuplicateForm(ActionForm):
    action = "mark_duplicate"
    title = _("Mark as duplicate")
    original = forms.RegexField(label=_("Duplicate of ticket"), regex=ids.EXACT,
                                help_text=_("The id of the ticket that stays open, e.g. SL-2026-0042."),
                                error_messages={"invalid": _("This is not a ticket id.")})
    note = text_field(_("Public note"), required=False)

    def clean_original(self):
        public_id = self.cleaned_data["original"]
        original = Ticket.objects.visible_to(self.user).filter(public_id=public_id).first()
        if original is None:
            raise forms.ValidationError(_("There is no ticket %(id)s.") % {"id": public_id})
        return original

    def perform(self):
        return workflow.mark_duplicate(self.ticket, self.cleaned_data["original"], by=self.user,
                                       note=self.cleaned_data["note"])


class AddNoteForm(TemplateTextMixin, ActionForm):
    action = "add_note"
    title = _("Add a note")
    text_field_name = "text"
    text = text_field(_("Note"))
    public = forms.BooleanField(label=_("Public: show on the ticket page and send to the reporter"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_template_field()

    def perform(self):
        return workflow.add_note(self.ticket, self.cleaned_data["text"], by=self.user,
                                 public=self.cleaned_data["public"])


class AssignForm(ActionForm):
    action = "assign"
    title = _("Assign")
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                                      empty_label=_("nobody"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        if ticket.department_id:
            people = User.objects.filter(memberships__department_id=ticket.department_id)
        else:
            people = User.objects.filter(role__in=[User.Role.DESK, User.Role.ADMIN])
        self.fields["assignee"].queryset = people.filter(is_active=True).order_by("first_name", "last_name", "username")
        self.initial["assignee"] = ticket.assignee_id

    def perform(self):
        return workflow.assign(self.ticket, self.cleaned_data["assignee"], by=self.user)


class ModerateForm(ActionForm):
    action = "moderate"
    title = _("Moderate publication")
    publication = forms.ChoiceField(
        label=_("Publication"),
        choices=[(Ticket.Publication.PUBLISHED, _("publish")), (Ticket.Publication.HIDDEN, _("hide"))],
        widget=forms.RadioSelect,
    )
    reason = text_field(_("Reason (required for hiding)"), required=False, rows=2)
    public_description = text_field(
        _("Public description"), required=False, rows=5,
        help_text=_("What the public reads. Leave empty to publish the description as sent."),
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.initial["public_description"] = ticket.public_description

    def perform(self):
        data = self.cleaned_data
        return moderation.moderate(self.ticket, data["publication"], by=self.user, reason=data["reason"],
                                   public_description=data["public_description"])


class FollowUpForm(ActionForm):
    action = "follow_up"
    title = _("Follow-up")
    date = forms.DateField(label=_("Follow up on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           help_text=_("Leave empty to clear the follow-up."))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        if ticket.follow_up_at:
            self.initial.update(date=timezone.localtime(ticket.follow_up_at).date(), reason=ticket.follow_up_reason)

    def clean(self):
        data = super().clean()
        if data.get("date") and not data.get("reason", "").strip():
            self.add_error("reason", _("Please give a reason for the follow-up."))
        return data

    def perform(self):
        day = self.cleaned_data["date"]
        return workflow.set_follow_up(self.ticket, _day_start(day) if day else None, by=self.user,
                                      reason=self.cleaned_data["reason"])


class UnmergeForm(ActionForm):
    action = "unmerge"
    title = _("Undo the merge")
    reason = text_field(_("Reason"), rows=2)

    def perform(self):
        return merge.unmerge(self.ticket, by=self.user, reason=self.cleaned_data["reason"])


ACTION_FORMS = {
    form.action: form
    for form in (
        ClassifyForm, ForwardForm, AcceptForm, StartForm, ResolveForm, RejectForm, RequestInfoForm,
        HandBackForm, ReopenForm, MarkDuplicateForm, AddNoteForm, AssignForm, ModerateForm, FollowUpForm,
        UnmergeForm,
    )
}


class CallbackForm(forms.Form):
    note = forms.CharField(label=_("Note on the call"), required=False, max_length=2000)


class TicketFilterForm(forms.Form):
    """Filters, full-text search and sort of the ticket list; every field optional, invalid ones ignored."""

    OPEN, CLOSED = "open", "closed"
    ME = "me"
    SORTS = {
        "received": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "urgency": (URGENCY, "created_at", "id"),
        "deadline": (F("due_at").asc(nulls_last=True), "id"),
        "updated": ("-updated_at", "-id"),
    }

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Ticket id, words from description, notes, address or external id."))
    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=[])
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("any")), (OPEN, _("open (all)")), (CLOSED, _("closed (all)")), *Ticket.Status.choices],
    )
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=Category.objects.all())
    district = forms.ModelChoiceField(label=_("District"), required=False, empty_label=_("any"),
                                      queryset=Area.objects.defer("geometry").order_by("name"))
    department = forms.ModelChoiceField(label=_("Department"), required=False, empty_label=_("any"),
                                        queryset=Department.objects.order_by("name"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, choices=[])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("any")), *Ticket.Channel.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("any")), *Priority.choices])
    publication = forms.ChoiceField(label=_("Publication"), required=False,
                                    choices=[("", _("any")), *Ticket.Publication.choices])
    received_from = forms.DateField(label=_("Received from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("Received until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("only overdue"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("received", _("newest first")), ("oldest", _("oldest first")), ("urgency", _("urgency")),
        ("deadline", _("deadline")), ("updated", _("last change")),
    ])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = [("", _("any")), *category_choices(Category.objects.all())]
        self.fields["queue"].choices = [("", _("any")), *queues.choices()]
        if not user.is_desk:
            self.fields["department"].queryset = Department.objects.filter(pk__in=user.department_ids()).order_by("name")
            colleagues = User.objects.filter(memberships__department_id__in=user.department_ids())
        else:
            colleagues = User.objects.all()
        colleagues = colleagues.filter(is_active=True).distinct().order_by("first_name", "last_name", "username")
        self.fields["assignee"].choices = [
            ("", _("anybody")), (self.ME, _("me")), ("none", _("nobody")),
            *((str(u.pk), str(u)) for u in colleagues[:500]),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the date range lies before its start."))
        return data

    def apply(self, tickets: TicketQuerySet) -> TicketQuerySet:
        """The tickets matching the valid filters, sorted; invalid ones are shown as errors and ignored."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q", "").strip():
            tickets = search.search(tickets, data["q"])
        if data.get("queue"):
            tickets = queues.apply(tickets, data["queue"])
        status = data.get("status")
        if status == self.OPEN:
            tickets = tickets.open()
        elif status == self.CLOSED:
            tickets = tickets.closed()
        elif status:
            tickets = tickets.filter(status=status)
        if category := data.get("category"):
            # A group matches everything below it.
            tickets = tickets.filter(category__in=Category.objects.subtree(category))
        if data.get("district"):
            tickets = tickets.filter(area=data["district"])
        if data.get("department"):
            tickets = tickets.filter(department=data["department"])
        assignee = data.get("assignee")
        if assignee == self.ME:
            tickets = tickets.filter(assignee=self.user)
        elif assignee == "none":
            tickets = tickets.filter(assignee__isnull=True)
        elif assignee:
            tickets = tickets.filter(assignee_id=assignee)
        for field in ("channel", "priority", "publication"):
            if data.get(field):
                tickets = tickets.filter(**{field: data[field]})
        if data.get("received_from"):
            tickets = tickets.filter(created_at__gte=_day_start(data["received_from"]))
        if data.get("received_to"):
            tickets = tickets.filter(created_at__lt=_day_start(data["received_to"] + timedelta(days=1)))
        if data.get("overdue"):
            tickets = tickets.overdue()
        return tickets.order_by(*self.SORTS[data.get("sort") or "received"])


def _day_start(day):
    """Midnight of `day` in the city's time zone: the desk thinks in local days."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, max_length=1000, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please give the view a name."))
        if self.user.saved_views.filter(name=name).exists():
            raise forms.ValidationError(_("You already have a view called “%(name)s”.") % {"name": name})
        if self.user.saved_views.count() >= SavedView.MAX_PER_USER:
            raise forms.ValidationError(_("You can keep at most %(count)d views; delete one first.")
                                        % {"count": SavedView.MAX_PER_USER})
        return name

    def clean_query(self):
        # Only the list's own parameters are kept; anything else in the string is dropped.
        query = QueryDict(self.cleaned_data["query"])
        kept = QueryDict(mutable=True)
        for key in TicketFilterForm.base_fields:
            for value in query.getlist(key)[:5]:
                kept.appendlist(key, value)
        return kept.urlencode()


class BulkForm(forms.Form):
    """One action on many tickets selected in the list; tickets.bulk does it and says what happened to each."""

    tickets = forms.ModelMultipleChoiceField(
        label=_("Tickets"), queryset=Ticket.objects.none(), to_field_name="public_id",
        # The check boxes are in the list's rows; never render every visible ticket as an option.
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one ticket."),
                        "invalid_choice": _("Ticket %(value)s does not exist or is not yours to change.")},
    )
    action = forms.ChoiceField(label=_("Action"), choices=[
        ("forward", _("Forward to a department")), ("assign", _("Assign")), ("status", _("Set status")),
        ("merge", _("Merge duplicates")), ("publish", _("Publish")),
    ])
    department = forms.ModelChoiceField(label=_("Department"), required=False,
                                        queryset=Department.objects.filter(is_active=True).order_by("name"))
    assignee = forms.ModelChoiceField(label=_("Assignee"), required=False, queryset=User.objects.none(),
                                      empty_label=_("nobody"))
    status = forms.ChoiceField(label=_("New status"), required=False, choices=[
        ("", "—"), *((status, Ticket.Status(status).label) for status in bulk.STATUS_STEPS),
    ])
    template = forms.ModelChoiceField(
        label=_("Text template"), required=False, empty_label=_("none"),
        queryset=TextTemplate.objects.filter(is_active=True, purpose=TextTemplate.Purpose.PUBLIC_NOTE).order_by("name"),
        help_text=_("Filled in for each ticket; used when the note is empty."),
    )
    note = forms.CharField(label=_("Public note"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    survivor = forms.RegexField(label=_("Ticket that stays open (merge)"), regex=ids.EXACT, required=False,
                                help_text=_("One of the selected tickets; empty for the oldest."),
                                error_messages={"invalid": _("This is not a ticket id.")})
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # The fields declared above; `fields` holds them as plain Fields.
        cast(forms.ModelMultipleChoiceField, self.fields["tickets"]).queryset = Ticket.objects.visible_to(user).select_related(
            "category__parent__parent", "area", "department", "contact")
        people = User.objects.filter(is_active=True)
        if not user.is_desk:
            people = people.filter(memberships__department_id__in=user.department_ids()).distinct()
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = people.order_by(
            "first_name", "last_name", "username")

    def clean_tickets(self) -> list[Ticket]:
        tickets = self.cleaned_data["tickets"]
        if len(tickets) > bulk.MAX_TICKETS:
            raise forms.ValidationError(_("At most %(count)d tickets at once.") % {"count": bulk.MAX_TICKETS})
        return bulk.oldest_first(tickets)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action == "forward" and not data.get("department"):
            self.add_error("department", _("Choose the department to forward to."))
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "merge" and data.get("tickets"):
            if len(data["tickets"]) < 2:
                self.add_error("tickets", _("Select at least two tickets to merge."))
            elif data.get("survivor"):
                chosen = [t for t in data["tickets"] if t.public_id.upper() == data["survivor"].upper()]
                if chosen:
                    data["survivor"] = chosen[0]
                else:
                    self.add_error("survivor", _("The ticket that stays open must be one of the selected."))
        return data

    def perform(self) -> list[bulk.Outcome]:
        """Run the chosen action; one outcome per ticket (done, or refused with the reason)."""
        data, by = self.cleaned_data, self.user
        tickets, note = data["tickets"], data.get("note", "")
        match data["action"]:
            case "merge":
                return bulk.merge(tickets, survivor=data.get("survivor") or None, by=by, note=note)
            case "forward":
                return bulk.forward(tickets, data["department"], by=by, note=note)
            case "assign":
                return bulk.assign(tickets, data.get("assignee"), by=by)
            case "publish":
                return bulk.publish(tickets, by=by)
            case _:
                return bulk.set_status(tickets, data["status"], by=by, note=note, template=data.get("template"))


class PhotoModerationForm(forms.Form):
    hidden = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for hiding"), max_length=500, required=False)


class RedactionForm(forms.Form):
    """One rectangle to blur, in pixels of the photo; the drawing tool fills these in, keyboards type them."""

    x = forms.IntegerField(label=_("From the left (x)"), min_value=0, max_value=100_000)
    y = forms.IntegerField(label=_("From the top (y)"), min_value=0, max_value=100_000)
    w = forms.IntegerField(label=_("Width"), min_value=1, max_value=100_000)
    h = forms.IntegerField(label=_("Height"), min_value=1, max_value=100_000)


class StaffReportForm(forms.Form):
    """A report received by phone, letter, e-mail or at the counter, entered by staff on the reporter's behalf."""

    CHANNELS = [c for c in Ticket.Channel.choices if c[0] in ("phone", "letter", "email", "counter")]

    channel = forms.ChoiceField(label=_("Received by"), choices=CHANNELS)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.reportable())
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    name = forms.CharField(label=_("Reporter's name"), required=False, max_length=200)
    email = forms.CharField(label=_("Reporter's e-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Reporter's phone"), required=False, max_length=40)
    wants_feedback = forms.BooleanField(label=_("The reporter wants to hear back"), required=False)
    consent = forms.BooleanField(
        label=_("The reporter agreed that their contact data is stored for this report"), required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *category_choices(Category.objects.reportable())]

    def clean(self):
        data = super().clean()
        has_contact = any((data.get(f) or "").strip() for f in ("name", "email", "phone"))
        if has_contact and not data.get("consent"):
            self.add_error("consent", _("Contact data may only be stored with the reporter's consent."))
        return data

    def submit(self, *, by):
        """Hand the report to intake.submit(), the same path as web reports; intake errors land on the fields."""
        data = self.cleaned_data
        phone_only = data["phone"] and not data["email"]
        contact = intake.ContactData(
            name=data["name"], email=data["email"], phone=data["phone"], wants_feedback=data["wants_feedback"],
            preferred=Contact.Preferred.PHONE if phone_only else Contact.Preferred.EMAIL,
        ) if data.get("consent") else None
        try:
            return intake.submit(category=data["category"], description=data["description"], lat=data["lat"],
                                 lon=data["lon"], address=data["address"], channel=data["channel"], contact=contact,
                                 answers={}, by=by)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return None
