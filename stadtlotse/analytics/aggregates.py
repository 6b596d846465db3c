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

from stadtlotse.catalog.models import Area, Category, Department
from stadtlotse.tickets.models import Event, Ticket

from . import figures
from .figures import RESOLVED, Durations, Filter, Share, _subtree_ids
from .models import DURATION_BINS, DailyFigure

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


def compute_day(day):
    """The DailyFigure rows (unsaved) for the tickets received on local `day`."""
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
    empty = [0] * len(DURATION_BINS)
    now = timezone.now()
    for (category, area, department, channel, status, created, resolved, due, n_forwards, forwarder, reopened,
         response, accepted) in tickets:
        key = (category, area, department, channel)
        row = rows.get(key)
        if row is None:
            row = rows[key] = DailyFigure(day=day, category_id=category, area_id=area, department_id=department,
                                          channel=channel, first_response_bins=list(empty),
                                          acceptance_bins=list(empty), resolution_bins=list(empty), computed_at=now)
        row.received += 1
        if status in RESOLVED and resolved:
            row.resolved += 1
            row.resolution_bins[bin_index((resolved - created).total_seconds() / 3600)] += 1
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
            row.first_response_bins[bin_index(max((response - created).total_seconds(), 0) / 3600)] += 1
        if accepted:
            row.acceptance_bins[bin_index(max((accepted - created).total_seconds(), 0) / 3600)] += 1
    return list(rows.values())


@transaction.atomic
def rebuild_day(day):
    """Replace the day's rows; returns how many were written."""
    rows = compute_day(day)
    DailyFigure.objects.filter(day=day).delete()
    DailyFigure.objects.bulk_create(rows, batch_size=500)
    return len(rows)


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
    days = days_to_refresh(full=full)
    written = 0
    for i, day in enumerate(days, 1):
        written += rebuild_day(day)
        if progress:
            progress(i, len(days), day)
    return len(days), written


def last_computed():
    return DailyFigure.objects.aggregate(last=Max("computed_at"))["last"]


# --- reading ----------------------------------------------------------------------------------------

def rows(f):
    figures_ = DailyFigure.objects.filter(day__gte=f.start, day__lte=f.end).order_by()
    if f.district:
        figures_ = figures_.filter(area_id__in=_subtree_ids(Area, f.district))
    if f.category:
        figures_ = figures_.filter(category_id__in=_subtree_ids(Category, f.category))
    if f.department:
        figures_ = figures_.filter(department=f.department)
    if f.departments is not None:
        figures_ = figures_.filter(department_id__in=f.departments)
    if f.channel:
        figures_ = figures_.filter(channel=f.channel)
    return figures_


def intake(f, *, unit="day"):
    out = {day: {"period": day, "total": 0, **dict.fromkeys(figures.CHANNELS, 0)}
           for day in figures.buckets(f.start, f.end, unit)}
    for row in rows(f).values("day", "channel").annotate(n=Sum("received")):
        bucket = out[figures._bucket_start(row["day"], unit)]
        bucket[row["channel"]] += row["n"]
        bucket["total"] += row["n"]
    return list(out.values())


def rates(f):
    sums = rows(f).aggregate(**{key: Coalesce(Sum(key), 0) for key in COUNTS})
    sums["total"] = sums.pop("received")
    for key in ("resolved", "with_deadline", "in_time"):
        sums.pop(key)
    return sums


def within_deadline(f, *, by="department"):
    data = (rows(f).filter(with_deadline__gt=0).values(f"{by}_id")
            .annotate(total=Sum("with_deadline"), part=Sum("in_time")))
    model = Department if by == "department" else Category
    names = {obj.pk: obj.display_name for obj in model.objects.filter(pk__in=[r[f"{by}_id"] for r in data])}
    return sorted((Share(names.get(r[f"{by}_id"], "—"), r["total"], r["part"]) for r in data), key=lambda s: s.label)


def top_categories(f, *, limit=3):
    per_area = defaultdict(list)
    for row in rows(f).filter(area__isnull=False).values("area_id", "category_id").annotate(n=Sum("received")):
        per_area[row["area_id"]].append((row["n"], row["category_id"]))
    areas = dict(Area.objects.filter(pk__in=per_area).values_list("pk", "name"))
    categories = {c.pk: c.display_name for c in Category.objects.filter(
        pk__in={cid for pairs in per_area.values() for _n, cid in pairs})}
    out = []
    for area_id, pairs in per_area.items():
        pairs.sort(key=lambda p: (-p[0], categories[p[1]]))
        out.append((areas[area_id], [(categories[cid], n) for n, cid in pairs[:limit]]))
    return sorted(out)


def district_counts(f):
    return dict(rows(f).filter(area__isnull=False).values("area_id").annotate(n=Sum("received"))
                .values_list("area_id", "n"))


def _from_bins(counts):
    """Median and 90th percentile as the upper bound of the class holding them (None: open-ended)."""
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

    import math

    return Durations(count=total, median=at_rank(math.ceil(total / 2)), p90=at_rank(math.ceil(total * 0.9)))


def durations(f):
    sums = {key: [0] * len(DURATION_BINS) for key in ("first_response", "acceptance", "resolution")}
    for bins in rows(f).values_list("first_response_bins", "acceptance_bins", "resolution_bins").iterator(
            chunk_size=5000):
        for key, counts in zip(sums, bins):
            for i, n in enumerate(counts):
                if n:
                    sums[key][i] += n
    return {key: _from_bins(counts) for key, counts in sums.items()}
