"""Forms of the public side: the report form, the ticket lookup, and the reporter's answer and reopen forms.

The forms only read and convert input (a category code becomes a Category, "52,48" becomes 52.48).
Whether a report is acceptable is decided by `intake.submit()`, whose errors `ReportForm` shows on
its fields, so the web form and every other channel refuse the same things with the same words.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField
from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from stadtlotse.catalog.models import Category, pick_language
from stadtlotse.intake import intake
from stadtlotse.tickets.models import Contact, Ticket

# What people type when they look a ticket up: "SL-2026-0042", "sl 2026 42".
TICKET_ID_INPUT = re.compile(r"^([A-Za-z]{1,10})[\s-]*(\d{4})[\s-]*(\d{1,9})$")
DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Up to this many answers a single-choice question is shown as radio buttons, beyond it as a list.
MAX_RADIO_CHOICES = 5


class TelInput(forms.TextInput):
    input_type = "tel"


class DateTimeLocalInput(forms.TextInput):
    input_type = "datetime-local"


class PublicBoundField(BoundField):
    """A field with ids that are safe in links (names like attribute[menge] have brackets)."""

    @property
    def auto_id(self):
        return re.sub(r"[^A-Za-z0-9_-]", "-", super().auto_id)

    @property
    def anchor(self):
        """The id of the (first) control, which the error summary links to."""
        return f"{self.auto_id}_0" if self.use_fieldset else self.id_for_label

    @property
    def marked_required(self):
        """Shown as required. Some fields are checked by the domain function instead of the form."""
        return getattr(self.field, "marked_required", self.field.required)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.marked_required and not self.use_fieldset:
            attrs["aria-required"] = "true"
        return attrs


class PublicForm(forms.Form):
    bound_field_class = PublicBoundField

    def error_summary(self):
        """(anchor or None, message) for every error, in the order of the page."""
        items = [(None, message) for message in self.non_field_errors()]
        for name in self.fields:
            items += [(self[name].anchor, message) for message in self.errors.get(name, [])]
        return items


class CoordinateField(forms.CharField):
    """A latitude or longitude typed by a person: a decimal with a dot or a comma, or nothing."""

    def to_python(self, value):
        value = super().to_python(value).replace(" ", "")
        if not value:
            return None
        if not DECIMAL.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return float(value.replace(",", "."))


def category_choices():
    """Reportable categories as grouped choices (one <optgroup> per top-level group), and code → Category.

    A group without subcategories (like "Graffiti" or "Sonstiges") is an option of its own.
    """
    groups = {}
    categories = {}
    for category in Category.objects.reportable().select_related("parent__parent"):
        chain = list(reversed(category.ancestors()))
        group = chain[0]
        categories[category.service_code] = category
        entry = groups.setdefault(group.pk, {"group": group, "members": []})
        sort_key = [(node.order, node.name) for node in chain[1:]]
        label = " › ".join(node.display_name for node in chain[1:])
        entry["members"].append((sort_key, category, label))
    choices = []
    for entry in sorted(groups.values(), key=lambda e: (e["group"].order, e["group"].name)):
        group = entry["group"]
        if group.service_code in categories:
            choices.append((group.service_code, group.display_name))
        else:
            members = sorted(entry["members"], key=lambda member: member[0])
            choices.append((group.display_name, [(cat.service_code, label) for _key, cat, label in members]))
    return choices, categories


def question_field(question):
    """A form field for one Open311 attribute definition (string, text, number, datetime, or a value list)."""
    datatype = question["datatype"]
    required = bool(question.get("required"))
    choices = [
        (str(value["key"]), pick_language(value.get("name") or str(value["key"]), value.get("name_en")))
        for value in question.get("values", [])
    ]
    invalid = {"invalid_choice": _("Please choose from the listed answers.")}
    if datatype == "text":
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    elif datatype == "number":
        # A text box for numbers: a type=number box drops input like "2,5" before it reaches the server.
        field = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    elif datatype == "datetime":
        field = forms.CharField(widget=DateTimeLocalInput)
    elif datatype == "singlevaluelist" and len(choices) <= MAX_RADIO_CHOICES:
        if not required:
            # Without it, a radio button once chosen could not be unchosen.
            choices.append(("", _("no answer")))
        field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, error_messages=invalid)
    elif datatype == "singlevaluelist":
        field = forms.ChoiceField(choices=[("", _("Please choose"))] + choices, error_messages=invalid)
    elif datatype == "multivaluelist":
        field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, error_messages=invalid)
    else:
        field = forms.CharField()
    # Intake says which answers are missing, in the same words for every channel.
    field.required = False
    field.marked_required = required
    field.label = pick_language(question.get("description") or question["code"], question.get("description_en"))
    field.question_code = question["code"]
    return field


class ReportForm(PublicForm):
    """A resident's report. The chosen category's extra questions become fields named attribute[<code>].

    Without JavaScript the questions cannot appear when the category is chosen, so the form works in two
    steps: a posted category whose questions were not on the page yet (`has_unseen_questions`) is answered
    with the same form, filled in, and the questions added.
    """

    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Choose the category that fits best. If none fits, choose “Other matter”."),
        error_messages={"invalid_choice": _("Please choose one of the listed categories.")},
    )
    category.marked_required = True
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    description.marked_required = True
    lat = CoordinateField(
        label=_("Latitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "52.5200"}),
        error_messages={"invalid": _("The latitude must be a number, such as 52.5200 (with a dot or a comma).")},
    )
    lon = CoordinateField(
        label=_("Longitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "13.4050"}),
        error_messages={"invalid": _("The longitude must be a number, such as 13.4050 (with a dot or a comma).")},
    )
    address = forms.CharField(
        label=_("Address or description of the place"),
        required=False,
        help_text=_("For example: Hermannplatz 1, at the entrance to the underground station."),
    )
    name = forms.CharField(label=_("Name"), required=False, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We send you the confirmation with your private link to this address."),
    )
    phone = forms.CharField(label=_("Phone number"), required=False, widget=TelInput(attrs={"autocomplete": "tel"}))
    wants_feedback = forms.BooleanField(
        label=_("Keep me informed about this report"),
        required=False,
        help_text=_("We write to you when the status changes. This needs an e-mail address or a phone number."),
    )
    preferred = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=Contact.Preferred.choices,
        initial=Contact.Preferred.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )

    # Fields shown together in the "Where is it?" fieldset; errors about the place as a whole go there too.
    LOCATION_FIELDS = ("lat", "lon", "address")
    CONTACT_FIELDS = ("name", "email", "phone", "wants_feedback", "preferred")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = settings.STADTLOTSE
        self.fields["description"].help_text = _(
            "What is the problem, and since when? Please do not name or describe other people. "
            "%(min)d to %(max)d characters."
        ) % {"min": limits["MIN_DESCRIPTION_CHARS"], "max": limits["MAX_DESCRIPTION_CHARS"]}
        choices, self.categories = category_choices()
        self.fields["category"].choices = [("", _("Please choose"))] + choices
        self.location_errors = []
        code = self.data.get(self.add_prefix("category")) if self.is_bound else self.initial.get("category")
        self.chosen_category = self.categories.get(code) if isinstance(code, str) else None
        self.question_names = []
        if self.chosen_category is not None:
            for question in self.chosen_category.sorted_questions():
                name = f"attribute[{question['code']}]"
                self.fields[name] = question_field(question)
                self.question_names.append(name)
            self.order_fields(["category", *self.question_names])

    @classmethod
    def refused(cls, message):
        """An empty form showing only `message`, for a request whose data could not be read at all."""
        form = cls(data={})
        form.full_clean()
        form.add_error(None, message)
        return form

    @property
    def questions_shown_for(self):
        """The service code whose questions this page shows (sent back in a hidden field), or ""."""
        if self.chosen_category is not None and self.question_names:
            return self.chosen_category.service_code
        return ""

    def has_unseen_questions(self):
        """True when the posted category has extra questions that were not on the page the resident sent."""
        return bool(self.is_bound and self.question_names
                    and self.data.get("shown_questions") != self.chosen_category.service_code)

    def typed_values(self):
        """What the resident typed, as initial values for a fresh form."""
        return {name: self[name].data for name in self.fields}

    def clean_category(self):
        code = self.cleaned_data["category"]
        return self.categories.get(code) if code else None

    def report_data(self):
        """Keyword arguments for intake.submit() (call after is_valid())."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "lat": data["lat"],
            "lon": data["lon"],
            "address": data["address"],
            "contact": intake.ContactData(
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                wants_feedback=data["wants_feedback"],
                preferred=data["preferred"] or Contact.Preferred.EMAIL,
            ),
            "answers": {self.fields[name].question_code: data[name] for name in self.question_names},
        }

    def add_intake_errors(self, error):
        """Show intake's ValidationError (field → messages) on the fields; other keys go above the form.

        "location" (the place as a whole: missing, outside the city) is also shown in the place's fieldset.
        """
        for key, messages in error.message_dict.items():
            if key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)
                if key == "location":
                    self.location_errors.extend(messages)

    def error_summary(self):
        items = [(None, message) for message in self.non_field_errors() if message not in self.location_errors]
        for name in self.fields:
            if name == self.LOCATION_FIELDS[0]:
                items += [("location", message) for message in self.location_errors]
            items += [(self[name].anchor, message) for message in self.errors.get(name, [])]
        return items

    def question_fields(self):
        return [self[name] for name in self.question_names]

    def contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS]


class LookupForm(PublicForm):
    """Find a ticket by its id, as the resident types it."""

    ticket = forms.CharField(
        label=_("Ticket id"),
        max_length=40,
        error_messages={"required": _("Please enter a ticket id.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket"].help_text = _("For example %(example)s.") % {"example": self.example()}
        self.found = None

    @staticmethod
    def example():
        return f"{settings.STADTLOTSE['TICKET_PREFIX']}-{timezone.localdate().year}-0042"

    def clean_ticket(self):
        match = TICKET_ID_INPUT.match(self.cleaned_data["ticket"].strip())
        if not match:
            raise ValidationError(
                _("This is not a ticket id. Ticket ids look like %(example)s.") % {"example": self.example()}
            )
        prefix, year, number = match.groups()
        public_id = f"{prefix.upper()}-{year}-{int(number):04d}"
        self.found = Ticket.objects.filter(public_id__iexact=public_id).only("public_id").first()
        if self.found is None:
            raise ValidationError(_("There is no report with the id %(id)s.") % {"id": public_id})
        return self.found.public_id


class AnswerForm(PublicForm):
    """The reporter's answer to a question from the city."""

    text = forms.CharField(label=_("Your answer"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    text.marked_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators.append(MaxLengthValidator(settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]))


class ReopenForm(PublicForm):
    """The reporter asks for a closed ticket to be opened again."""

    reason = forms.CharField(
        label=_("Why is the problem not solved?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason.marked_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].validators.append(MaxLengthValidator(settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]))
