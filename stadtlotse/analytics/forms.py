from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stadtlotse.catalog.models import Area, Category, Department
from stadtlotse.tickets.models import Ticket

from .figures import Filter

# Bounds that keep every figure's query and chart small: two years per view, a quarter per day.
MAX_DAYS = 731
MAX_DAYS_PER_DAY = 92
DEFAULT_DAYS = 30


class DashboardForm(forms.Form):
    """The dashboard's filters. A department user's choice is limited to their own departments."""

    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    unit = forms.ChoiceField(label=_("Intake per"), required=False,
                             choices=[("day", _("day")), ("week", _("week")), ("month", _("month"))])
    district = forms.ModelChoiceField(label=_("District"), required=False, empty_label=_("all"),
                                      queryset=Area.objects.defer("geometry").order_by("name"))
    category = forms.ModelChoiceField(label=_("Category"), required=False, empty_label=_("all"),
                                      queryset=Category.objects.order_by("order", "name"))
    department = forms.ModelChoiceField(label=_("Department"), required=False, empty_label=_("all"),
                                        queryset=Department.objects.order_by("name"))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("all")), *Ticket.Channel.choices])

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        if not user.is_desk:
            self.fields["department"].queryset = Department.objects.filter(pk__in=user.department_ids()).order_by("name")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start of the period lies after its end."))
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise forms.ValidationError(_("Please choose a period of at most %(days)d days.") % {"days": MAX_DAYS})
        data["unit"] = data.get("unit") or ("day" if days <= MAX_DAYS_PER_DAY else "month")
        if data["unit"] == "day" and days > MAX_DAYS_PER_DAY:
            raise forms.ValidationError(
                _("Intake per day is shown for at most %(days)d days; please choose week or month.")
                % {"days": MAX_DAYS_PER_DAY})
        data["start"], data["end"] = start, end
        return data

    def filter(self):
        """The Filter for the cleaned data; department users only ever see their departments."""
        data = self.cleaned_data
        departments = None if self.user.is_desk else frozenset(self.user.department_ids())
        return Filter(data["start"], data["end"], district=data.get("district"), category=data.get("category"),
                      department=data.get("department"), channel=data.get("channel") or "",
                      departments=departments)
