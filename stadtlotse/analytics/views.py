"""The staff dashboard: filters, charts with their tables, CSV per table and the whole report as XLSX."""

import csv

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import charts, exports, opendata, public, report
from .forms import DashboardForm
from .cells import safe_cell


def _form(request):
    form = DashboardForm(request.GET or {}, user=request.user)
    form.is_valid()
    return form


@login_required
@require_safe
def dashboard(request):
    form = _form(request)
    src, computed_at = report.source()
    tables = report.build(form.filter(), unit=form.cleaned_data["unit"], src=src) if form.is_valid() else {}
    return render(request, "analytics/dashboard.html", {
        "form": form, "tables": tables.values(), "query": request.GET.urlencode(), "computed_at": computed_at,
    })


@login_required
@require_safe
def table_csv(request, key):
    if key not in report.KEYS:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return HttpResponse("\n".join(e for errors in form.errors.values() for e in errors), status=400,
                            content_type="text/plain; charset=utf-8")
    f = form.filter()
    table = report.build_one(f, key, unit=form.cleaned_data["unit"], src=report.source()[0])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stadtlotse-{key}-{f.start}-{f.end}.csv"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(str(c) if not isinstance(c, (int, float, type(None))) else c) for c in row])
    return response


@login_required
@require_safe
def export_xlsx(request):
    """The whole report as a workbook: a cover sheet with period and filters, then one sheet per table."""
    form = _form(request)
    if not form.is_valid():
        return HttpResponse("\n".join(e for errors in form.errors.values() for e in errors), status=400,
                            content_type="text/plain; charset=utf-8")
    f = form.filter()
    src, computed_at = report.source()
    data = exports.workbook(f, report.build(f, unit=form.cleaned_data["unit"], src=src), by=request.user,
                            computed_at=computed_at)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="stadtlotse-auswertung-{f.start}-{f.end}.xlsx"'
    return response


@require_safe
def statistics(request):
    """The public statistics page: counts below five are shown as "< 5"."""
    data = public.statistics()
    months = [(date_format(m.period, "YEAR_MONTH_FORMAT"), public.masked(m.received), public.masked(m.resolved))
              for m in data["months"]]
    groups = [(g.name, public.masked(g.count),
               (f"≤ {g.median:g}" if g.binned else round(g.median, 1)) if g.count >= public.MIN_COUNT else "–")
              for g in data["groups"]]
    chart = charts.columns("chart-months", _("Reports received per month"),
                           _("Reports received in each of the last twelve months; the table below gives the numbers."),
                           [(label, received) for label, received, _resolved in months])
    return render(request, "analytics/statistics.html", {
        "months": months, "groups": groups, "chart": chart, "period": data["period"], "as_of": data["as_of"],
        "min_count": public.MIN_COUNT,
    })


class OpenDataPeriodForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period lies after its end."))
        return data


def _open_data(request, chunks, content_type, extension):
    form = OpenDataPeriodForm(request.GET)
    if not form.is_valid():
        messages = [f"{name}: {error}" if name != "__all__" else error
                    for name, errors in form.errors.items() for error in errors]
        return HttpResponse("\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8")
    tickets = opendata.published(form.cleaned_data.get("start"), form.cleaned_data.get("end"))
    # The site's own address, not the Host header: a forged host must not reach a cached copy's links.
    response = StreamingHttpResponse(chunks(tickets, base_url=settings.SITE_URL.rstrip("/")),
                                     content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="stadtlotse-meldungen.{extension}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def open_data_csv(request):
    return _open_data(request, opendata.csv_lines, "text/csv; charset=utf-8", "csv")


@require_safe
def open_data_geojson(request):
    return _open_data(request, opendata.geojson_chunks, "application/geo+json", "geojson")


@require_safe
def open_data(request):
    """What the open data files hold, field by field, and under which licence."""
    return render(request, "analytics/open_data.html", {
        "licence": settings.STADTLOTSE["OPEN_DATA_LICENCE"], "licence_url": settings.STADTLOTSE["OPEN_DATA_LICENCE_URL"],
    })
