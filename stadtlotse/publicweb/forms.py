"""Forms of the public side: the report form, the ticket lookup, and the reporter's answer and reopen forms.

The forms only read and convert input (a category code becomes a Category, "52,48" becomes 52.48).
Whether a report is acceptable is decided by `intake.submit()`, whose errors `ReportForm` shows on
its fields, so the web form and every other channel refuse the same things with the same words.
"""

import re
import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField
from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from stadtlotse.catalog.models import Area, Category, pick_language
from stadtlotse.intake import intake
from stadtlotse.media import media
from stadtlotse.tickets import disclosure, ids
from stadtlotse.tickets.models import Contact, Ticket

from .mapdata import MapFilter

FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")

DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Up to this many answers a single-choice question is shown as radio buttons, beyond it as a list.
MAX_RADIO_CHOICES = 5


class TelInput(forms.TextInput):
    input_type = "tel"


class DateTimeLocalInput(forms.TextInput):
    input_type = "datetime-local"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Several uploaded files under one name; what they are is judged by the media module."""

    widget = MultipleFileInput

    def to_python(self, data):
        if not data:
            return []
        return [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]


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
    category.marked_required = True  # type: ignore[attr-defined]  # read by BoundField.marked_required above
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    description.marked_required = True  # type: ignore[attr-defined]  # read by BoundField.marked_required above
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
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif", "multiple": True}),
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

    # One key per rendered form (core/idempotency.py): sending it twice — a double click, a retry after a
    # dropped connection — gives one ticket, not two.
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput, initial=lambda: secrets.token_urlsafe(24))

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
        self.fields["photos"].help_text = _(
            "Up to %(max)d photos (JPEG, PNG, WebP or HEIC, at most %(mb)d MB each). Only a copy without the "
            "photo's hidden data (such as the GPS position), with faces and number plates blurred, is "
            "published, after review."
        ) % {"max": limits["MAX_PHOTOS"], "mb": limits["MAX_PHOTO_BYTES"] // (1024 * 1024)}
        self.location_errors = []
        # Photos accepted on an earlier submission of this form, kept under signed tokens.
        self.kept_photos = []
        self.unkept_photos = []
        self.accepted_photos = []
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
        return {name: self[name].data for name in self.fields if name != "photos"}

    def _sent_photos(self):
        getlist = getattr(self.data, "getlist", lambda name: [])
        dropped = set(getlist("drop_photos"))
        tokens = [t for t in getlist("kept_photos") if t not in dropped]
        # Removed by the resident: gone from the stash too.
        media.discard_stashed([p for p in map(media.unstash, list(dropped)[:10]) if p is not None])
        kept = [photo for photo in map(media.unstash, tokens[:10]) if photo is not None]
        return kept + self.new_photos()

    def new_photos(self):
        """The files chosen on this submission (not those kept from an earlier one)."""
        return self.fields["photos"].to_python(self["photos"].data)

    def sort_photos(self):
        """(photos, problems) of what was sent, without judging anything else."""
        return media.sort_photos(self._sent_photos())

    def clean_photos(self):
        photos, errors = self.sort_photos()
        self.accepted_photos = photos
        if errors:
            raise ValidationError(errors)
        return photos

    def keep_photos(self, photos, *, source):
        """Stash photos so the page sent back carries them (as hidden tokens) instead of losing them.

        `source` is the client's IP, whose share of the stash is limited; photos beyond it are
        named in `unkept_photos` for the resident to choose again.
        """
        kept = [(media.stash(p, source=source), p) for p in photos]
        self.kept_photos = [{"token": token, "name": p.name, "width": p.width, "height": p.height}
                            for token, p in kept if token]
        self.unkept_photos = [p.name for token, p in kept if not token]

    def clean_idempotency_key(self):
        key = self.cleaned_data["idempotency_key"]
        # A hidden field the resident cannot fix: a strange value just means "no key".
        return key if FORM_KEY.fullmatch(key) else ""

    def renew_key(self):
        """A fresh key for a form sent back to be sent again as a new report."""
        self.data = self.data.copy()
        self.data["idempotency_key"] = secrets.token_urlsafe(24)

    def clean_category(self):
        code = self.cleaned_data["category"]
        return self.categories.get(code) if code else None

    def clean(self):
        data = super().clean()
        centre = settings.STADTLOTSE["MAP_CENTER"]
        lat, lon = data.get("lat"), data.get("lon")
        if lat is not None and lon is not None and (round(lat, 5), round(lon, 5)) == (round(centre[0], 5), round(centre[1], 5)):
            # The map's starting point: a pin nobody moved says nothing about where the problem is.
            message = _("The pin is still where the map starts. Please move it to the place of the problem.")
            self.location_errors.append(message)
            self.add_error(None, message)
        return data

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
            "photos": data["photos"],
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
        return ids.format_id(settings.STADTLOTSE["TICKET_PREFIX"], timezone.localdate().year, 42)

    def clean_ticket(self):
        # What people type when they look a ticket up: "SL-2026-0042", "sl 2026 42".
        public_id = ids.parse_typed(self.cleaned_data["ticket"])
        if public_id is None:
            raise ValidationError(
                _("This is not a ticket id. Ticket ids look like %(example)s.") % {"example": self.example()}
            )
        # Only public reports: "exists but not public" would let anyone count and probe the ids.
        self.found = disclosure.public_tickets().filter(public_id__iexact=public_id).only("public_id").first()
        if self.found is None:
            raise ValidationError(_("There is no public report with the id %(id)s. If it is your own report, "
                                    "open it with the private link from your confirmation.") % {"id": public_id})
        return self.found.public_id


class AnswerForm(PublicForm):
    """The reporter's answer to a question from the city."""

    text = forms.CharField(label=_("Your answer"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    text.marked_required = True  # type: ignore[attr-defined]  # read by BoundField.marked_required above

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators.append(MaxLengthValidator(settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]))


class EraseContactForm(PublicForm):
    """The reporter deletes their contact data now; a ticked box is the confirmation."""

    confirm = forms.BooleanField(
        label=_("Yes, delete my name, e-mail address and phone number. I will get no more messages about this report."),
        error_messages={"required": _("Please tick the box to confirm that your contact details should be deleted.")},
    )


class ReopenForm(PublicForm):
    """The reporter asks for a closed ticket to be opened again."""

    reason = forms.CharField(
        label=_("Why is the problem not solved?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason.marked_required = True  # type: ignore[attr-defined]  # read by BoundField.marked_required above

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].validators.append(MaxLengthValidator(settings.STADTLOTSE["MAX_DESCRIPTION_CHARS"]))


class SupportForm(PublicForm):
    """"Me too": support an existing report, optionally following it by e-mail."""

    email = forms.CharField(
        label=_("E-mail address for updates (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We send you a link to confirm; then you hear when the status changes."),
    )


class SubscribeForm(PublicForm):
    """Follow a published ticket by e-mail."""

    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We send you a link to confirm. Every mail has a link to stop them."),
    )
    email.marked_required = True  # type: ignore[attr-defined]  # read by BoundField.marked_required above


MAP_DAYS = (7, 30, 90, 365)


def filter_category_choices():
    """(choices, names): every active category, groups included, as its path ("Abfall › Sperrmüll") in
    tree order; and id → display name of all categories (inactive ones still name old tickets)."""
    rows, names = [], {}
    for category in Category.objects.select_related("parent__parent"):
        names[category.pk] = category.display_name
        if not category.is_active:
            continue
        chain = list(reversed(category.ancestors()))
        rows.append(([(node.order, node.name) for node in chain], category.service_code, category.path_name))
    return [(code, label) for _key, code, label in sorted(rows)], names


class MapFilterForm(PublicForm):
    """The filters of the public map and its list (query string; every field optional)."""

    SORTS = {
        "new": ("-created_at", "-id"),
        "old": ("created_at", "id"),
        "supporters": ("-supporters", "-created_at", "-id"),
    }

    category = forms.ChoiceField(label=_("Category"), required=False,
                                 error_messages={"invalid_choice": _("Please choose one of the listed categories.")})
    status = forms.ChoiceField(label=_("Status"), required=False,
                               error_messages={"invalid_choice": _("Please choose one of the listed states.")})
    district = forms.ChoiceField(label=_("District"), required=False,
                                 error_messages={"invalid_choice": _("Please choose one of the listed districts.")})
    days = forms.ChoiceField(label=_("Reported within"), required=False,
                             error_messages={"invalid_choice": _("Please choose one of the listed periods.")})
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("new", _("newest first")), ("old", _("oldest first")), ("supporters", _("most supporters first")),
    ], error_messages={"invalid_choice": _("Please choose one of the listed orders.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices, self.category_names = filter_category_choices()
        self.fields["category"].choices = [("", _("all categories"))] + choices
        self.fields["status"].choices = [
            ("", _("all")), ("open", _("open")), ("closed", _("closed")),
            *[(value, label) for value, label in Ticket.Status.choices],
        ]
        self.areas = {a.slug: a for a in Area.objects.only("pk", "slug", "name").order_by("name")}
        self.fields["district"].choices = [("", _("whole city"))] + [(s, a.name) for s, a in self.areas.items()]
        self.fields["days"].choices = [("", _("any time"))] + [
            (str(days), _("the last %(days)d days") % {"days": days}) for days in MAP_DAYS
        ]

    def map_filter(self):
        """The MapFilter for the valid fields (call after is_valid(); invalid fields are left out)."""
        data = getattr(self, "cleaned_data", {})
        code = data.get("category")
        return MapFilter(
            category=Category.objects.filter(service_code=code).first() if code else None,
            status=data.get("status") or "",
            area_id=self.areas[data["district"]].pk if data.get("district") else None,
            days=int(data["days"]) if data.get("days") else None,
        )

    def ordering(self):
        return self.SORTS[getattr(self, "cleaned_data", {}).get("sort") or "new"]
