"""The analytics report as an XLSX workbook for the council."""

import io

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .cells import safe_cell

def _sheet_name(title, used):
    # Excel: at most 31 characters, none of []:*?/\ and unique within the workbook.
    name = "".join(c for c in title if c not in "[]:*?/\\")[:28]
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name[:26]} {n}", n + 1
    used.add(candidate)
    return candidate


def workbook(f, tables, *, by, computed_at=None):
    """XLSX bytes: a cover sheet saying period, filters, who exported it and when; one sheet per table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    cover = book.create_sheet(_("Cover"))
    cover.append([_("Stadtlotse – analytics report")])
    cover.append([])
    labels = {"period": _("Period"), "district": _("District"), "category": _("Category"),
              "department": _("Department"), "channel": _("Channel")}
    for key, value in f.describe():
        cover.append([labels[key], safe_cell(value or _("all"))])
    if f.departments is not None:
        cover.append([_("Restricted to"), _("the exporting user's departments")])
    cover.append([_("Exported"), date_format(timezone.localtime(), "DATETIME_FORMAT")])
    cover.append([_("Exported by"), safe_cell(str(by))])
    if computed_at:
        cover.append([_("Figures as of"), date_format(timezone.localtime(computed_at), "DATETIME_FORMAT")])
    cover.append([])
    cover.append([_("Figures cover the reports received in the period; the open backlog counts the tickets open "
                    "at the time of export.")])
    used = {_("Cover")}
    for table in tables.values():
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append([safe_cell(table.title)])
        if table.description:
            sheet.append([safe_cell(table.description)])
        sheet.append([safe_cell(str(c)) for c in table.columns])
        for row in table.rows:
            sheet.append([safe_cell(str(c)) if not isinstance(c, (int, float, type(None))) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
