"""Input for the back office: one form per workflow action, and the ticket list's filters.

An action form validates what was typed and makes the one workflow call in `perform()`; the
workflow decides whether the change is allowed and raises WorkflowError when it is not.
"""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stadtlotse.accounts.models import User
from stadtlotse.catalog.models import Area, Category, Department, Priority, Topic
from stadtlotse.routing.departments import choose_department
from stadtlotse.tickets import workflow
from stadtlotse.tickets.models import Ticket

TICKET_ID_PATTERN = r"^[A-Za-z]{1,10}-\d{4}-\d{4,9}$"


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


class AcceptForm(ActionForm):
    action = "accept"
    title = _("Accept")
    note = text_field(_("Public note"), required=False, help_text=_("Shown on the ticket page and sent to the reporter."))

    def perform(self):
        return workflow.accept(self.ticket, by=self.user, note=self.cleaned_data["note"])


class StartForm(ActionForm):
    action = "start"
    title = _("Start work")
    note = text_field(_("Public note"), required=False, help_text=_("Shown on the ticket page and sent to the reporter."))

    def perform(self):
        return workflow.start(self.ticket, by=self.user, note=self.cleaned_data["note"])


class ResolveForm(ActionForm):
    action = "resolve"
    title = _("Mark as done")
    note = text_field(_("Public note: what was done"), help_text=_("Shown on the ticket page and sent to the reporter."))

    def perform(self):
        return workflow.resolve(self.ticket, by=self.user, note=self.cleaned_data["note"])


class RejectForm(ActionForm):
    action = "reject"
    title = _("Reject")
    reason = text_field(_("Public reason"), help_text=_("Shown on the ticket page and sent to the reporter."))

    def perform(self):
        return workflow.reject(self.ticket, by=self.user, reason=self.cleaned_data["reason"])


class RequestInfoForm(ActionForm):
    action = "request_info"
    title = _("Ask the reporter")
    question = text_field(_("Question to the reporter"))

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
    original = forms.RegexField(label=_("Duplicate of ticket"), regex=TICKET_ID_PATTERN,
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


class AddNoteForm(ActionForm):
    action = "add_note"
    title = _("Add a note")
    text = text_field(_("Note"))
    public = forms.BooleanField(label=_("Public: show on the ticket page and send to the reporter"), required=False)

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
        return workflow.set_publication(self.ticket, data["publication"], by=self.user, reason=data["reason"],
                                        public_description=data["public_description"])


ACTION_FORMS = {
    form.action: form
    for form in (
        ClassifyForm, ForwardForm, AcceptForm, StartForm, ResolveForm, RejectForm, RequestInfoForm,
        HandBackForm, ReopenForm, MarkDuplicateForm, AddNoteForm, AssignForm, ModerateForm,
    )
}


class CallbackForm(forms.Form):
    note = forms.CharField(label=_("Note on the call"), required=False, max_length=2000)


class TicketFilterForm(forms.Form):
    OPEN, CLOSED = "open", "closed"

    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("any")), (OPEN, _("open (all)")), (CLOSED, _("closed (all)")), *Ticket.Status.choices],
    )
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=Category.objects.all())
    district = forms.ModelChoiceField(label=_("District"), required=False, empty_label=_("any"),
                                      queryset=Area.objects.defer("geometry").order_by("name"))
    department = forms.ModelChoiceField(label=_("Department"), required=False, empty_label=_("any"),
                                        queryset=Department.objects.order_by("name"))
    publication = forms.ChoiceField(label=_("Publication"), required=False,
                                    choices=[("", _("any")), *Ticket.Publication.choices])
    overdue = forms.BooleanField(label=_("only overdue"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("any")), *category_choices(Category.objects.all())]
        if not user.is_desk:
            self.fields["department"].queryset = Department.objects.filter(pk__in=user.department_ids()).order_by("name")

    def apply(self, tickets):
        """The tickets matching the valid filters; invalid ones are shown as errors and ignored."""
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status")
        if status == self.OPEN:
            tickets = tickets.open()
        elif status == self.CLOSED:
            tickets = tickets.closed()
        elif status:
            tickets = tickets.filter(status=status)
        if category := data.get("category"):
            # The tree is group › category › subcategory: a group matches everything below it.
            tickets = tickets.filter(
                Q(category=category) | Q(category__parent=category) | Q(category__parent__parent=category)
            )
        if data.get("district"):
            tickets = tickets.filter(area=data["district"])
        if data.get("department"):
            tickets = tickets.filter(department=data["department"])
        if data.get("publication"):
            tickets = tickets.filter(publication=data["publication"])
        if data.get("overdue"):
            tickets = tickets.open().filter(due_at__lt=timezone.now())
        return tickets
