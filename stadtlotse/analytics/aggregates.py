"""Daily aggregates: build `DailyFigure` rows, keep them fresh, and read the dashboard's figures from them.

`refresh()` rebuilds the days whose tickets changed since the last run (every workflow change
touches `Ticket.updated_at`, which is indexed), so a run every few minutes is cheap; `rebuild()`
does every day. The reading functions mirror those of `figures` and return the same shapes;
counts are exact as of the last run, durations are read back from their classes (`DURATION_BINS`):
a median of "≤ 48" means the median ticket took more than the class below and at most 48 hours.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from stadtlotse.catalog.models import Category, Department
from stadtlotse.tickets.models import Event, Ticket

from . import figures
from .figures import RESOLVED, Durations, Filter, Share
from .models import ALL_BIN_COLUMNS, BIN_COLUMNS, DURATION_BINS, DailyFigure, MonthlyFigure

COUNTS = ("received", "resolved", "with_deadline", "in_time", "forwarded", "reforwarded", "reopened", "duplicates",
          "direct", "desk")
# Margin for tickets changed while the last run was reading.
MARGIN = timedelta(minutes=5)

RESPONSE_EVENT = (Q(actor_kind__in=[Event.ActorKind.USER, Event.ActorKind.EXTERNAL])
                  & (Q(visibility=Event.Visibility.PUBLIC) | Q(kind=Event.Kind.MESSAGE_TO_REPORTER))
                  & ~Q(kind=Event.Kind.CREATED))
ACCEPTANCE_EVENT = Q(status_to__in=[Ticket.Status.ACCEPTED, Ticket.Status.IN_PROGRESS])


def bin_index(hours):
    for i, upper in enumerate(DURATION_BINS):
        if upper is None or hours <= upper:
            return i
    return len(DURATION_BINS) - 1


def _first(condition):
    events = Event.objects.filter(condition, ticket=OuterRef("pk")).order_by("created_at", "pk")
    return Subquery(events.values("created_at")[:1])


def compute_day(day, *, stamp=None):
    """The DailyFigure rows (unsaved) for the tickets received on local `day`, stamped `stamp` (default now)."""
    forwards = Event.objects.filter(ticket=OuterRef("pk"), kind=Event.Kind.FORWARDED).order_by()
    tickets = Filter(day, day).tickets().order_by().annotate(
        forwards=Coalesce(Subquery(forwards.values("ticket").annotate(c=Count("pk")).values("c")[:1],
                                   output_field=IntegerField()), 0),
        first_forwarder=Subquery(forwards.order_by("created_at", "pk").values("actor_kind")[:1]),
        was_reopened=Exists(Event.objects.filter(ticket=OuterRef("pk"), kind=Event.Kind.REOPENED)),
        first_response=_first(RESPONSE_EVENT), acceptance=_first(ACCEPTANCE_EVENT),
    ).values_list("category_id", "area_id", "department_id", "channel", "status", "created_at", "resolved_at",
                  "due_at", "forwards", "first_forwarder", "was_reopened", "first_response", "acceptance")
    rows = {}
    now = stamp or timezone.now()
    for (category, area, department, channel, status, created, resolved, due, n_forwards, forwarder, reopened,
         response, accepted) in tickets:
        key = (category, area, department, channel)
        row = rows.get(key)
        if row is None:
            row = rows[key] = DailyFigure(day=day, category_id=category, area_id=area, department_id=department,
                                          channel=channel, computed_at=now)
        row.received += 1
        if status in RESOLVED and resolved:
            row.resolved += 1
            row.count_duration("resolution", bin_index((resolved - created).total_seconds() / 3600))
            if due:
                row.with_deadline += 1
                row.in_time += resolved <= due
        row.forwarded += n_forwards >= 1
        row.reforwarded += n_forwards >= 2
        row.reopened += bool(reopened)
        row.duplicates += status == Ticket.Status.DUPLICATE
        row.direct += forwarder == Event.ActorKind.SYSTEM
        row.desk += forwarder == Event.ActorKind.USER
        if response:
            row.count_duration("first_response", bin_index(max((response - created).total_seconds(), 0) / 3600))
        if accepted:
            row.count_duration("acceptance", bin_index(max((accepted - created).total_seconds(), 0) / 3600))
    return list(rows.values())


@transaction.atomic
def rebuild_day(day, *, stamp=None):
    """Replace the day's rows; returns how many were written."""
    rows = compute_day(day, stamp=stamp)
    DailyFigure.objects.filter(day=day).delete()
    DailyFigure.objects.bulk_create(rows, batch_size=500)
    return len(rows)


SUMMED = (*COUNTS, *ALL_BIN_COLUMNS)
KEY_FIELDS = ("category_id", "area_id", "department_id", "channel")


@transaction.atomic
def rebuild_month(first):
    """Replace the month's MonthlyFigure rows by the sums of its DailyFigure rows."""
    months = {}
    now = timezone.now()
    daily = DailyFigure.objects.filter(day__gte=first, day__lte=_month_end(first)).order_by()
    # The database sums the month's days per key.
    for row in daily.values(*KEY_FIELDS).annotate(**{f"sum_{name}": Sum(name) for name in SUMMED}).iterator(
            chunk_size=2000):
        months[tuple(row[k] for k in KEY_FIELDS)] = MonthlyFigure(
            day=first, computed_at=now, **{k: row[k] for k in KEY_FIELDS},
            **{name: row[f"sum_{name}"] for name in SUMMED})
    MonthlyFigure.objects.filter(day=first).delete()
    MonthlyFigure.objects.bulk_create(months.values(), batch_size=500)
    return len(months)


def days_to_refresh(*, full=False):
    """The local days whose figures may have changed since the last run (all days when `full`)."""
    last = None if full else DailyFigure.objects.aggregate(last=Max("computed_at"))["last"]
    tickets = Ticket.objects.order_by()
    if last is not None:
        tickets = tickets.filter(updated_at__gte=last - MARGIN)
        # Few tickets change between runs; read their receipt times and turn them into local days.
        return sorted({timezone.localdate(moment) for moment in tickets.values_list("created_at", flat=True)
                       .iterator(chunk_size=5000)})
    bounds = tickets.aggregate(first=Min("created_at"), last=Max("created_at"))
    if bounds["first"] is None:
        return []
    day, last_day, out = timezone.localdate(bounds["first"]), timezone.localdate(bounds["last"]), []
    while day <= last_day:
        out.append(day)
        day += timedelta(days=1)
    return out


def refresh(*, full=False, progress=None):
    """Rebuild the days that need it. `progress(done, total, day)` is called after each day."""
    # Every row of a run carries the run's start, so the next run picks up whatever changed meanwhile.
    stamp = timezone.now()
    days = days_to_refresh(full=full)
    written = 0
    for i, day in enumerate(days, 1):
        written += rebuild_day(day, stamp=stamp)
        if progress:
            progress(i, len(days), day)
    for first in sorted({day.replace(day=1) for day in days}):
        rebuild_month(first)
    return len(days), written


def last_computed():
    return DailyFigure.objects.aggregate(last=Max("computed_at"))["last"]


# --- reading ----------------------------------------------------------------------------------------

def _month_end(first):
    return figures._next_bucket(first, "month") - timedelta(days=1)


def _narrow(figures_, f):
    return f.narrow(figures_).order_by()


def daily_rows(f, start=None, end=None):
    return _narrow(DailyFigure.objects.filter(day__gte=start or f.start, day__lte=end or f.end), f)


def parts(f):
    """Querysets that together cover the period once: whole months from MonthlyFigure, the days
    before and after them from DailyFigure."""
    first = f.start if f.start.day == 1 else figures._next_bucket(f.start, "month")
    months = []
    while first <= f.end and _month_end(first) <= f.end:
        months.append(first)
        first = figures._next_bucket(first, "month")
    if not months:
        return [daily_rows(f)]
    out = [_narrow(MonthlyFigure.objects.filter(day__gte=months[0], day__lte=months[-1]), f)]
    if f.start < months[0]:
        out.append(daily_rows(f, f.start, months[0] - timedelta(days=1)))
    if _month_end(months[-1]) < f.end:
        out.append(daily_rows(f, _month_end(months[-1]) + timedelta(days=1), f.end))
    return out


def rows(f):
    """Every day of the period from the daily figures (for tests and small periods)."""
    return daily_rows(f)


def intake(f, *, unit="day"):
    out = {day: {"period": day, "total": 0, **dict.fromkeys(figures.CHANNELS, 0)}
           for day in figures.buckets(f.start, f.end, unit)}
    # Months can be read from the monthly rows; days and weeks need the daily ones.
    sources = parts(f) if unit == "month" else [daily_rows(f)]
    for source in sources:
        for row in source.values("day", "channel").annotate(n=Sum("received")):
            bucket = out[figures._bucket_start(row["day"], unit)]
            bucket[row["channel"]] += row["n"]
            bucket["total"] += row["n"]
    return list(out.values())


def rates(f):
    sums = dict.fromkeys(COUNTS, 0)
    for source in parts(f):
        for key, value in source.aggregate(**{key: Coalesce(Sum(key), 0) for key in COUNTS}).items():
            sums[key] += value
    sums["total"] = sums.pop("received")
    for key in ("resolved", "with_deadline", "in_time"):
        sums.pop(key)
    return sums


def within_deadline(f, *, by="department"):
    data = {}
    for source in parts(f):
        for row in (source.filter(with_deadline__gt=0).values(f"{by}_id")
                    .annotate(total=Sum("with_deadline"), part=Sum("in_time"))):
            total, part = data.get(row[f"{by}_id"], (0, 0))
            data[row[f"{by}_id"]] = (total + row["total"], part + row["part"])
    model = Department if by == "department" else Category
    names = {obj.pk: obj.display_name for obj in model.objects.filter(pk__in=data)}
    return sorted((Share(names.get(pk, "—"), total, part) for pk, (total, part) in data.items()),
                  key=lambda s: s.label)


def top_categories(f, *, limit=3):
    per_area = defaultdict(list)
    counts = defaultdict(int)
    for source in parts(f):
        for row in source.filter(area__isnull=False).values("area_id", "category_id").annotate(n=Sum("received")):
            counts[(row["area_id"], row["category_id"])] += row["n"]
    for (area_id, category_id), n in counts.items():
        per_area[area_id].append((n, category_id))
    return figures.ranked_per_district(per_area, limit)


def district_counts(f):
    counts = defaultdict(int)
    for source in parts(f):
        for area_id, n in (source.filter(area__isnull=False).values("area_id").annotate(n=Sum("received"))
                           .values_list("area_id", "n")):
            counts[area_id] += n
    return dict(counts)


def _from_bins(counts):
    """Median and 90th percentile as the upper bound of the class holding them (inf: the open-ended class)."""
    import math

    total = sum(counts)
    if not total:
        return Durations()

    def at_rank(rank):
        seen = 0
        for i, n in enumerate(counts):
            seen += n
            if seen >= rank:
                return DURATION_BINS[i] if DURATION_BINS[i] is not None else float("inf")
        return float("inf")

    return Durations(count=total, median=at_rank(math.ceil(total / 2)), p90=at_rank(math.ceil(total * 0.9)))


def durations(f):
    sums = dict.fromkeys(ALL_BIN_COLUMNS, 0)
    for source in parts(f):
        for name, value in source.aggregate(**{name: Coalesce(Sum(name), 0) for name in ALL_BIN_COLUMNS}).items():
            sums[name] += value
    return {kind: _from_bins([sums[name] for name in names]) for kind, names in BIN_COLUMNS.items()}
