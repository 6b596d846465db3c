"""The inputs of the GeoReport v2 server: the POST of a service request and the GET requests filters.

Error messages name the Open311 parameter they concern, because the person reading them is an
app developer looking at the request they sent.
"""

import math
import re
from datetime import datetime
from datetime import timezone as dt_timezone

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stadtlotse.accounts.models import ApiKey
from stadtlotse.catalog.models import Category
from stadtlotse.routing.areas import get_index

ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d+)?$")
# Parameters that may legitimately repeat; every other one must not carry two different values.
REPEATABLE = {"media_url", "media_url[]"}
MAX_PAGE_SIZE = 1000
MAX_UPDATE_TEXT = 5000


class SingleValuedForm(forms.Form):
    """A POST form whose parameters (except REPEATABLE and attribute[...]) must not carry two values."""

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._input_errors = {}
        for name in data:
            if not name.startswith("attribute") and name not in REPEATABLE and len(set(data.getlist(name))) > 1:
                self._input_errors[name] = _("This parameter was sent more than once with different values.")

    def clean(self):
        for name, message in self._input_errors.items():
            if name in self.fields:
                self.add_error(name, forms.ValidationError(message, code="conflict"))
            else:
                # attribute[...] and unknown parameters have no form field; the message carries the name.
                self.add_error(None, forms.ValidationError(f"{name}: {message}", code="conflict"))
        return super().clean()

    def clean_api_key(self):
        value = self.cleaned_data["api_key"]
        api_key = ApiKey.verify(value)
        if api_key is None:
            raise forms.ValidationError(_("The api_key is not valid."), code="invalid_key")
        self.api_key = api_key
        return value


class ServiceRequestForm(SingleValuedForm):
    """POST Service Request. Construct with the QueryDict of the body; `answers` holds the attribute[...] values."""

    api_key = forms.CharField(max_length=200)
    jurisdiction_id = forms.CharField(required=False)  # checked by the view when one is configured
    service_code = forms.CharField(max_length=64)
    lat = forms.CharField(required=False, max_length=40)
    long = forms.CharField(required=False, max_length=40)
    address_string = forms.CharField(required=False, strip=True)
    address_id = forms.CharField(required=False)  # no address register: accepted and ignored
    email = forms.CharField(required=False, max_length=254)
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False, strip=False)
    device_id = forms.CharField(required=False)
    account_id = forms.CharField(required=False)
    media_url = forms.CharField(required=False, max_length=2000)  # fetched by the view (remote_media)
    locale = forms.CharField(required=False)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.category = None
        self.answers = {}
        for name in data:
            if not name.startswith("attribute"):
                continue
            values = data.getlist(name)
            match = ATTRIBUTE.match(name)
            if not match:
                self._input_errors[name] = _("Attributes are sent as attribute[code] or attribute[code][].")
                continue
            code, is_list = match.groups()
            if is_list:
                previous = self.answers.get(code, [])
                previous = previous if isinstance(previous, list) else [previous]
                self.answers[code] = previous + [v for v in values if v != ""]
                continue
            if len(set(values)) > 1:
                self._input_errors[name] = _("This parameter was sent more than once with different values.")
            value = values[-1]
            if value == "":
                continue
            if code in self.answers:
                self.answers[code] = self.answers[code] + [value]
            else:
                self.answers[code] = value

    def clean_service_code(self):
        code = self.cleaned_data["service_code"]
        self.category = Category.objects.reportable().filter(service_code=code).first()
        if self.category is None:
            raise forms.ValidationError(_("There is no service with the code “%(code)s”.") % {"code": code},
                                        code="unknown_service")
        return code

    def clean_lat(self):
        return _coordinate(self.cleaned_data["lat"], 90)

    def clean_long(self):
        return _coordinate(self.cleaned_data["long"], 180)

    def clean(self):
        super().clean()
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("long")
        if "lat" in self.errors or "long" in self.errors:
            return self.cleaned_data
        if lat is None and lon is not None:
            self.add_error("lat", _("lat and long must be sent together."))
        elif lon is None and lat is not None:
            self.add_error("long", _("lat and long must be sent together."))
        elif lat is None and not self.cleaned_data.get("address_string"):
            self.add_error("lat", _("Please send lat and long, or address_string."))
        elif lat is not None:
            index = get_index()
            if index.find(lat, lon) is None and abs(lon) <= 90 and index.find(lon, lat) is not None:
                self.add_error("lat", _("lat and long seem to be swapped: lat is the latitude (north–south)."))
        return self.cleaned_data


def _coordinate(value, bound):
    if value == "":
        return None
    if not NUMBER.match(value):
        raise forms.ValidationError(_("Please send a decimal number with a point, e.g. 52.4869."))
    number = float(value)
    if not math.isfinite(number) or abs(number) > bound:
        raise forms.ValidationError(_("This is not a coordinate on Earth (WGS84)."))
    return number


class W3CDateTimeField(forms.CharField):
    """An ISO 8601 / W3C datetime with a mandatory time zone (Z or ±HH:MM)."""

    default_error_messages = {
        "invalid": gettext_lazy("Please send a date and time with time zone, e.g. 2026-03-01T14:30:00+01:00."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        # An unescaped "+" in a query string arrives as a space: "…T00:00:00 01:00".
        value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # Far-off years would overflow when converted to UTC for the database.
        if not 1900 <= parsed.year <= 2199:
            raise forms.ValidationError(_("Please send a date between the years 1900 and 2199."), code="range")
        return parsed.astimezone(dt_timezone.utc)


class ListField(forms.CharField):
    """A comma-separated list; empty entries are dropped."""

    def __init__(self, *, choices=None, max_items=MAX_PAGE_SIZE, **kwargs):
        self.allowed, self.max_items = choices, max_items
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = super().to_python(value) or ""
        # CharField's own NUL check runs on the cleaned value, here a list, and misses it there;
        # PostgreSQL refuses NUL in text, so it is refused here, before any query.
        if "\x00" in text:
            raise forms.ValidationError(_("Null characters are not allowed."))
        items = [item.strip() for item in text.split(",") if item.strip()]
        if len(items) > self.max_items:
            raise forms.ValidationError(_("At most %(n)d values.") % {"n": self.max_items})
        if self.allowed is not None:
            wrong = [item for item in items if item not in self.allowed]
            if wrong:
                raise forms.ValidationError(
                    _("Unknown value “%(value)s”; allowed: %(allowed)s.")
                    % {"value": wrong[0], "allowed": ", ".join(self.allowed)}
                )
        return items


class RequestsQueryForm(forms.Form):
    """GET Service Requests: the spec's filters plus page/page_size, updated_after/_before and extensions."""

    jurisdiction_id = forms.CharField(required=False)
    service_request_id = ListField()
    service_code = ListField()
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False)
    status = ListField(choices=["open", "closed"])
    updated_after = W3CDateTimeField(required=False)
    updated_before = W3CDateTimeField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    extensions = forms.CharField(required=False)
    locale = forms.CharField(required=False)

    def clean_extensions(self):
        value = self.cleaned_data["extensions"].lower()
        if value not in ("", "true", "false"):
            raise forms.ValidationError(_("Please send true or false."))
        return value == "true"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, datetime) and isinstance(end, datetime) and start > end:
            self.add_error("end_date", _("end_date lies before start_date."))
        return data


class UpdatesQueryForm(forms.Form):
    """GET Service Request Updates (mySociety): a time window on the update, plus paging."""

    jurisdiction_id = forms.CharField(required=False)
    api_key = forms.CharField(required=False)  # FixMyStreet always sends one, empty when it has none
    service_request_id = ListField()
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    locale = forms.CharField(required=False)

    def clean_api_key(self):
        value = self.cleaned_data["api_key"]
        if value and ApiKey.verify(value) is None:
            raise forms.ValidationError(_("The api_key is not valid."), code="invalid_key")
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, datetime) and isinstance(end, datetime) and start > end:
            self.add_error("end_date", _("end_date lies before start_date."))
        return data


class UpdatePostForm(SingleValuedForm):
    """POST Service Request Update (mySociety): a city system reports a status change or a comment."""

    api_key = forms.CharField(max_length=200)
    jurisdiction_id = forms.CharField(required=False)
    service_request_id = forms.CharField(max_length=32)
    update_id = forms.CharField(max_length=100)
    status = forms.CharField(max_length=40)
    updated_datetime = W3CDateTimeField()
    description = forms.CharField(required=False, max_length=MAX_UPDATE_TEXT)
    # Sent by FixMyStreet and others; personal data of commenters is not kept.
    email = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    title = forms.CharField(required=False)
    account_id = forms.CharField(required=False)
    service_request_id_ext = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    public_anonymity_required = forms.CharField(required=False)
    email_alerts_requested = forms.CharField(required=False)
    media_url = forms.CharField(required=False)
    locale = forms.CharField(required=False)
