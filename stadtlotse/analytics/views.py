"""The staff dashboard: filters, charts with their tables, CSV per table and the whole report as XLSX."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import exports, report
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
