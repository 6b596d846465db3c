"""The dashboard as tables: one `Table` per chart, shared by the page, the CSV downloads and the XLSX export."""

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stadtlotse.tickets.models import Ticket

from . import aggregates, charts, figures
from .models import DURATION_BINS


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list
    description: str = ""
    chart: str = field(default="", repr=False)


def _percent(share):
    return None if share is None else round(share * 100, 1)


def _hours(value):
    return None if value is None else round(value, 1)


def intake_table(f, unit, src=figures):
    rows = src.intake(f, unit=unit)
    fmt = {"day": "SHORT_DATE_FORMAT", "week": "SHORT_DATE_FORMAT", "month": "YEAR_MONTH_FORMAT"}[unit]
    labels = [date_format(row["period"], fmt) for row in rows]
    title = {"day": _("Reports received per day"), "week": _("Reports received per week (from Monday)"),
             "month": _("Reports received per month")}[unit]
    total = sum(row["total"] for row in rows)
    table = Table("intake", title,
                  [_("Period"), _("Total"), *[Ticket.Channel(c).label for c in figures.CHANNELS]],
                  [[label, row["total"], *[row[c] for c in figures.CHANNELS]] for label, row in zip(labels, rows)],
                  _("%(total)d reports in %(buckets)d periods; the table splits them by channel.")
                  % {"total": total, "buckets": len(rows)})
    table.chart = charts.columns("chart-intake", title, table.description,
                                 [(label, row["total"]) for label, row in zip(labels, rows)])
    return table


def backlog_table(f, now):
    rows = [[figures.AGE_LABELS[key], n] for key, n in figures.backlog(f, now=now)]
    title = _("Open tickets by age")
    table = Table("backlog", title, [_("Age"), _("Open tickets")], rows,
                  _("%(total)d tickets are open now.") % {"total": sum(n for _l, n in rows)})
    table.chart = charts.bars("chart-backlog", title, table.description, [(str(label), n) for label, n in rows])
    return table


def _bound(value, binned):
    if value is None:
        return None
    if not binned:
        return round(value, 1)
    return f"> {DURATION_BINS[-2]:g}" if value == float("inf") else f"≤ {value:g}"


def durations_table(f, src=figures):
    binned = src is not figures
    names = {"first_response": _("First response"), "acceptance": _("Acceptance"), "resolution": _("Resolution")}
    rows = []
    for key, d in src.durations(f).items():
        rows.append([names[key], d.count, _bound(d.median, binned), _bound(d.p90, binned)])
    title = _("Time from receipt, in hours")
    description = _("Half of the tickets took at most the median; nine in ten at most the 90th percentile.")
    if binned:
        description += " " + _("Read from the daily figures: each value is the upper bound of its class of durations.")
    table = Table("durations", title, [_("Step"), _("Tickets"), _("Median (h)"), _("90th percentile (h)")], rows,
                  description)
    if not binned:
        table.chart = charts.bars("chart-durations", title, table.description,
                                  [(f"{r[0]} – {_('median')}", r[2]) for r in rows]
                                  + [(f"{r[0]} – {_('90th percentile')}", r[3]) for r in rows], unit=" h")
    return table


def deadline_table(f, by, src=figures):
    shares = src.within_deadline(f, by=by)
    key = f"deadline_{by}"
    title = (_("Closed within the deadline, per department") if by == "department"
             else _("Closed within the deadline, per category"))
    rows = [[s.label, s.total, s.part, _percent(s.share)] for s in shares]
    table = Table(key, title, [_("Department") if by == "department" else _("Category"), _("Closed with a deadline"),
                               _("Within the deadline"), _("Share (%)")], rows,
                  _("Tickets received in the period, closed as done or rejected, that had a deadline."))
    table.chart = charts.bars(f"chart-{key}", title, table.description, [(r[0], r[3]) for r in rows],
                              unit=" %", maximum=100)
    return table


def rates_table(f, src=figures):
    counts = src.rates(f)
    shares = figures.shares(counts)
    names = [
        ("forwarded", _("Forwarded to a department"), "total"),
        ("reforwarded", _("Forwarded again (first department was not the right one)"), "forwarded"),
        ("reopened", _("Reopened"), "total"),
        ("duplicates", _("Duplicates"), "total"),
        ("direct", _("Routed directly by category"), "forwarded"),
        ("desk", _("Routed by the desk"), "forwarded"),
    ]
    bases = {"total": _("of all received"), "forwarded": _("of those forwarded")}
    rows = [[label, counts[key], counts[base], bases[base], _percent(shares[key])] for key, label, base in names]
    title = _("Forwarding, reopen, duplicate and routing rates")
    table = Table("rates", title, [_("Figure"), _("Tickets"), _("Base"), _("Base is"), _("Share (%)")], rows,
                  _("%(total)d reports received in the period.") % {"total": counts["total"]})
    table.chart = charts.bars("chart-rates", title, table.description, [(r[0], r[4]) for r in rows], unit=" %",
                              maximum=100)
    return table


def top_categories_table(f, src=figures):
    rows = []
    for district, top in src.top_categories(f):
        for rank, (name, n) in enumerate(top, 1):
            rows.append([district, rank, name, n])
    return Table("top_categories", _("Most reported categories per district"),
                 [_("District"), _("Rank"), _("Category"), _("Reports")], rows)


def districts_table(f, src=figures):
    districts = figures.districts(f, counts=src.district_counts(f))
    rows = [[d.area.name, d.count, round(d.km2, 1), round(d.per_km2, 2) if d.per_km2 is not None else None,
             round(d.per_1000, 2) if d.per_1000 is not None else None] for d in districts]
    title = _("Reports per km² by district")
    table = Table("districts", title, [_("District"), _("Reports"), _("Area (km²)"), _("Reports per km²"),
                                       _("Reports per 1,000 inhabitants")], rows,
                  _("Darker districts had more reports per square kilometre; the table gives the exact numbers."))
    table.chart = charts.choropleth("chart-districts", title, table.description, districts,
                                    value=lambda d: d.per_km2, legend_title=_("Reports per km²"))
    return table


def source():
    """Where the figures come from: the daily aggregates once they have been built, the tickets otherwise
    (a fresh or small installation). Returns (module, time of the last aggregation or None)."""
    last = aggregates.last_computed()
    return (aggregates, last) if last else (figures, None)


def build_one(f, key, *, unit="day", now=None, src=figures):
    """One table by key, or KeyError."""
    builders = {
        "intake": lambda: intake_table(f, unit, src), "backlog": lambda: backlog_table(f, now),
        "durations": lambda: durations_table(f, src),
        "deadline_department": lambda: deadline_table(f, "department", src),
        "deadline_category": lambda: deadline_table(f, "category", src), "rates": lambda: rates_table(f, src),
        "top_categories": lambda: top_categories_table(f, src), "districts": lambda: districts_table(f, src),
    }
    return builders[key]()


def build(f, *, unit="day", now=None, src=figures):
    """Every table of the dashboard, in page order, as {key: Table}."""
    return {key: build_one(f, key, unit=unit, now=now, src=src) for key in KEYS}


KEYS = ("intake", "backlog", "durations", "deadline_department", "deadline_category", "rates", "top_categories",
        "districts")
