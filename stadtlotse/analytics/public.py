"""Figures for the public statistics page: few, explained, and never a count below `MIN_COUNT` shown exactly.

Received per month counts every report received (published or not: the count reveals nothing of
its content); resolved counts those of the month's reports that are closed as done or rejected
by now. Time to resolution is given per category group over the last twelve months.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from stadtlotse.catalog.models import Category

from . import aggregates, figures
from .figures import RESOLVED, Filter
from .models import BIN_COLUMNS, DURATION_BINS

# Figures covering fewer reports than this are shown as "< 5": small numbers can point at people.
MIN_COUNT = 5
MONTHS = 12


def masked(n):
    """A count for the public: the number itself from MIN_COUNT on, "< 5" below."""
    return n if n >= MIN_COUNT else f"< {MIN_COUNT}"


def last_months(today=None, months=MONTHS):
    today = today or timezone.localdate()
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        month += 12
        year -= 1
    return Filter(date(year, month, 1), today)


@dataclass
class Month:
    period: date
    received: int
    resolved: int


def monthly(f, src):
    """Received and (of those) resolved per month, from the daily figures or from the tickets."""
    rows = {day: Month(day, 0, 0) for day in figures.buckets(f.start, f.end, "month")}
    if src is aggregates:
        for source in aggregates.parts(f):
            for row in source.values("day").annotate(received=Sum("received"), resolved=Sum("resolved")):
                month = rows[row["day"].replace(day=1)]
                month.received += row["received"]
                month.resolved += row["resolved"]
    else:
        zone = timezone.get_current_timezone()
        data = (f.tickets().order_by().annotate(month=TruncMonth("created_at", tzinfo=zone)).values("month")
                .annotate(received=Count("pk"), resolved=Count("pk", filter=Q(status__in=RESOLVED))))
        for row in data:
            month = rows[row["month"].date() if hasattr(row["month"], "date") else row["month"]]
            month.received, month.resolved = row["received"], row["resolved"]
    return list(rows.values())


@dataclass
class GroupTime:
    name: str
    count: int
    median: float | None
    binned: bool


def resolution_by_group(f, src):
    """Median hours to resolution per top-level category, with how many resolutions it rests on."""
    groups = {c.pk: c for c in Category.objects.select_related("parent__parent")}
    group_of = {pk: c.group.pk for pk, c in groups.items()}
    out = []
    if src is aggregates:
        bins = defaultdict(lambda: [0] * len(DURATION_BINS))
        columns = BIN_COLUMNS["resolution"]
        for source in aggregates.parts(f):
            for row in source.filter(resolved__gt=0).values("category_id").annotate(
                    **{f"sum_{name}": Sum(name) for name in columns}):
                target = bins[group_of[row["category_id"]]]
                for i, name in enumerate(columns):
                    target[i] += row[f"sum_{name}"]
        for group_id, counts in bins.items():
            d = aggregates._from_bins(counts)
            out.append(GroupTime(groups[group_id].display_name, d.count, d.median, True))
    else:
        hours = defaultdict(list)
        pairs = (f.tickets().filter(status__in=RESOLVED, resolved_at__isnull=False).order_by("pk")
                 .values_list("category_id", "created_at", "resolved_at")[: figures.MAX_VALUES])
        for category_id, created, resolved in pairs:
            hours[group_of[category_id]].append(max((resolved - created).total_seconds(), 0) / 3600)
        for group_id, values in hours.items():
            d = figures.summarize(values)
            out.append(GroupTime(groups[group_id].display_name, d.count, d.median, False))
    return sorted(out, key=lambda g: g.name)


def statistics(today=None):
    """Everything the public page shows: {"period": Filter, "months": [...], "groups": [...], "as_of": …}."""
    f = last_months(today)
    src, computed_at = _source()
    return {"period": f, "months": monthly(f, src), "groups": resolution_by_group(f, src), "as_of": computed_at}


def _source():
    last = aggregates.last_computed()
    return (aggregates, last) if last else (figures, None)
