"""The figures of the analytics dashboard, each a named function of a `Filter`.

Every figure counts tickets *received* in the filter's period (local calendar days in the city's
time zone), narrowed by district, category (each with everything below it), department and
channel. The backlog is the exception: it is the open tickets now.

Definitions (the dashboard's explanations say the same):
- first response: the first thing staff or a department's system told the reporter — a public
  event or a question to the reporter by a person or an external system. Automatic routing at
  intake is not a response.
- acceptance: the first change to "accepted" or "in progress".
- resolution: closed as done or rejected (duplicates are not resolutions); the time is to the
  last closing (`resolved_at`).
- within the deadline: closed (done or rejected) no later than `due_at`; only tickets that had a
  deadline count.
- forwarded: reached a department at least once; re-forwarded ("forwarding rate"): was forwarded
  again after the first forwarding, i.e. the first department was not the last one asked.
- routed directly / by the desk: who made the first forwarding — the system (the category routes
  directly) or a person at the desk.

Percentiles are computed in Python over at most `MAX_VALUES` durations per figure (the tickets with
the lowest ids when there are more; `Durations.truncated` says so), the same way on SQLite and
PostgreSQL. Median: the mean of the two middle values for an even count; 90th percentile: nearest rank.
"""

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shapely.geometry.base import BaseGeometry

from stadtlotse.catalog.models import Area, Category, Department
from stadtlotse.catalog.geometry import shape_from_geojson
from stadtlotse.tickets.models import Event, Ticket

S = Ticket.Status
MAX_VALUES = 200_000
UNITS = ("day", "week", "month")
CHANNELS = tuple(Ticket.Channel.values)
# Age of open tickets: (upper bound in days or None, key, label)
AGE_BUCKETS = ((1, "d0_1", _("under 1 day")), (7, "d1_7", _("1–7 days")), (30, "d7_30", _("7–30 days")),
               (90, "d30_90", _("30–90 days")), (None, "d90_", _("over 90 days")))
AGE_LABELS = {key: label for _days, key, label in AGE_BUCKETS}
RESOLVED = (S.DONE, S.REJECTED)


@dataclass(frozen=True)
class Filter:
    """What a figure covers. `end` is inclusive. `departments` restricts a department user to theirs."""

    start: date
    end: date
    district: Area | None = None
    category: Category | None = None
    department: Department | None = None
    channel: str = ""
    departments: frozenset | None = None

    def bounds(self):
        """The period as aware datetimes: local midnight of `start` to local midnight after `end`."""
        zone = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone))

    def scope(self):
        """Tickets matching everything but the period."""
        return self.narrow(Ticket.objects.all())

    def narrow(self, rows):
        """Tickets, or daily/monthly figures (same field names), matching everything but the period."""
        if self.district:
            rows = rows.filter(area_id__in=Area.objects.subtree(self.district).values("pk"))
        if self.category:
            rows = rows.filter(category_id__in=Category.objects.subtree(self.category).values("pk"))
        if self.department:
            rows = rows.filter(department=self.department)
        if self.departments is not None:
            rows = rows.filter(department_id__in=self.departments)
        if self.channel:
            rows = rows.filter(channel=self.channel)
        return rows

    def tickets(self):
        """Tickets received in the period and matching the filters."""
        since, until = self.bounds()
        return self.scope().filter(created_at__gte=since, created_at__lt=until)

    def describe(self):
        """The filters as (label key, value) pairs, for cover sheets and captions."""
        rows = [("period", f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}")]
        for name in ("district", "category", "department"):
            value = getattr(self, name)
            rows.append((name, str(getattr(value, "display_name", None) or value) if value else ""))
        rows.append(("channel", str(Ticket.Channel(self.channel).label) if self.channel else ""))
        return rows


# --- intake ---------------------------------------------------------------------------------------

def _bucket_start(day, unit):
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day, unit):
    if unit == "week":
        return day + timedelta(days=7)
    if unit == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def buckets(start, end, unit):
    """Every bucket start from the one holding `start` to the one holding `end`."""
    day, last, out = _bucket_start(start, unit), _bucket_start(end, unit), []
    while day <= last:
        out.append(day)
        day = _next_bucket(day, unit)
    return out


def intake(f, *, unit="day"):
    """Reports received per day, week (from Monday) or month, by channel.

    Returns one dict per bucket, gaps included: {"period": date, "total": n, "<channel>": n, …}.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[unit]
    zone = timezone.get_current_timezone()
    rows = {day: {"period": day, "total": 0, **dict.fromkeys(CHANNELS, 0)} for day in buckets(f.start, f.end, unit)}
    counted = (f.tickets().order_by().annotate(bucket=trunc("created_at", tzinfo=zone))
               .values("bucket", "channel").annotate(n=Count("pk")))
    for row in counted:
        bucket = row["bucket"]
        day = bucket.date() if isinstance(bucket, datetime) else bucket
        if day in rows:
            rows[day][row["channel"]] += row["n"]
            rows[day]["total"] += row["n"]
    return list(rows.values())


# --- backlog --------------------------------------------------------------------------------------

def backlog(f, *, now=None):
    """Open tickets now (received up to the end of the period), counted by age: [(bucket key, count)]."""
    now = now or timezone.now()
    _since, until = f.bounds()
    tickets = f.scope().open().filter(created_at__lt=min(until, now))
    counts, lower = {}, None
    for upper_days, label, _label in AGE_BUCKETS:
        q = Q()
        if upper_days is not None:
            q &= Q(created_at__gt=now - timedelta(days=upper_days))
        if lower is not None:
            q &= Q(created_at__lte=now - timedelta(days=lower))
        counts[label] = Count("pk", filter=q)
        lower = upper_days
    totals = tickets.order_by().aggregate(**counts)
    return [(key, totals[key]) for _days, key, _label in AGE_BUCKETS]


# --- durations ------------------------------------------------------------------------------------

@dataclass
class Durations:
    """Durations in hours: how many, median, 90th percentile (None when there are none)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    truncated: bool = False
    values: list = field(default_factory=list, repr=False)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (p in 0–100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(hours, *, truncated=False):
    values = sorted(hours)
    if not values:
        return Durations(truncated=truncated)
    return Durations(count=len(values), median=statistics.median(values), p90=percentile(values, 90),
                     truncated=truncated, values=values)


def _hours(pairs):
    pairs = list(pairs[: MAX_VALUES + 1])
    truncated = len(pairs) > MAX_VALUES
    return summarize([max((end - begin).total_seconds(), 0) / 3600 for begin, end in pairs[:MAX_VALUES]],
                     truncated=truncated)


FIRST_RESPONSE = (Q(events__actor_kind__in=[Event.ActorKind.USER, Event.ActorKind.EXTERNAL])
                  & (Q(events__visibility=Event.Visibility.PUBLIC) | Q(events__kind=Event.Kind.MESSAGE_TO_REPORTER))
                  & Q(events__kind__in=[k for k in Event.Kind.values if k != Event.Kind.CREATED]))
ACCEPTANCE = Q(events__status_to__in=[S.ACCEPTED, S.IN_PROGRESS])


def _time_to_event(f, condition):
    pairs = (f.tickets().order_by("pk").annotate(first=Min("events__created_at", filter=condition))
             .filter(first__isnull=False).values_list("created_at", "first"))
    return _hours(pairs)


def time_to_first_response(f):
    return _time_to_event(f, FIRST_RESPONSE)


def time_to_acceptance(f):
    return _time_to_event(f, ACCEPTANCE)


def time_to_resolution(f):
    pairs = f.tickets().filter(status__in=RESOLVED, resolved_at__isnull=False).order_by("pk")
    return _hours(pairs.values_list("created_at", "resolved_at"))


def durations(f):
    """All three durations: {"first_response": Durations, "acceptance": …, "resolution": …}."""
    return {"first_response": time_to_first_response(f), "acceptance": time_to_acceptance(f),
            "resolution": time_to_resolution(f)}


# --- deadlines ------------------------------------------------------------------------------------

@dataclass
class Share:
    label: str
    total: int
    part: int

    @property
    def share(self):
        return self.part / self.total if self.total else None


def within_deadline(f, *, by="department"):
    """Per department or category: closed tickets that had a deadline, and how many were closed in time."""
    if by not in ("department", "category"):
        raise ValueError(f"unknown grouping {by!r}")
    rows = (f.tickets().filter(status__in=RESOLVED, resolved_at__isnull=False, due_at__isnull=False)
            .order_by().values(f"{by}_id")
            .annotate(total=Count("pk"), part=Count("pk", filter=Q(resolved_at__lte=F("due_at")))))
    model = Department if by == "department" else Category
    names = {obj.pk: obj.display_name for obj in model.objects.filter(pk__in=[r[f"{by}_id"] for r in rows])}
    out = [Share(names.get(r[f"{by}_id"], "—"), r["total"], r["part"]) for r in rows]
    return sorted(out, key=lambda s: s.label)


# --- rates ----------------------------------------------------------------------------------------

def rates(f):
    """Counts behind the rates, over the tickets received in the period.

    Keys: total, forwarded, reforwarded, reopened, duplicates, direct, desk. Shares: see `shares()`.
    """
    forwards = Event.objects.filter(ticket=OuterRef("pk"), kind=Event.Kind.FORWARDED).order_by()
    forward_count = Coalesce(
        Subquery(forwards.values("ticket").annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField()), 0
    )
    first_forwarder = Subquery(forwards.order_by("created_at", "pk").values("actor_kind")[:1])
    tickets = f.tickets().order_by().annotate(
        forwards=forward_count, first_forwarder=first_forwarder,
        was_reopened=Exists(Event.objects.filter(ticket=OuterRef("pk"), kind=Event.Kind.REOPENED)),
    )
    return tickets.aggregate(
        total=Count("pk"),
        forwarded=Count("pk", filter=Q(forwards__gte=1)),
        reforwarded=Count("pk", filter=Q(forwards__gte=2)),
        reopened=Count("pk", filter=Q(was_reopened=True)),
        duplicates=Count("pk", filter=Q(status=S.DUPLICATE)),
        direct=Count("pk", filter=Q(first_forwarder=Event.ActorKind.SYSTEM)),
        desk=Count("pk", filter=Q(first_forwarder=Event.ActorKind.USER)),
    )


def shares(counts):
    """The rates as fractions (None where the base is 0): forwarding, reopen, duplicate of all received;
    direct and desk of those forwarded."""
    def ratio(part, whole):
        return counts[part] / counts[whole] if counts[whole] else None

    return {"forwarded": ratio("forwarded", "total"), "reforwarded": ratio("reforwarded", "forwarded"),
            "reopened": ratio("reopened", "total"), "duplicates": ratio("duplicates", "total"),
            "direct": ratio("direct", "forwarded"), "desk": ratio("desk", "forwarded")}


# --- districts ------------------------------------------------------------------------------------

def top_categories(f, *, limit=3):
    """Per district, its `limit` most reported categories: [(district name, [(category name, n), …])]."""
    rows = (f.tickets().filter(area__isnull=False).order_by().values("area_id", "category_id")
            .annotate(n=Count("pk")))
    per_area = {}
    for row in rows:
        per_area.setdefault(row["area_id"], []).append((row["n"], row["category_id"]))
    return ranked_per_district(per_area, limit)


def ranked_per_district(per_area, limit):
    """{district id: [(count, category id), …]} → the top_categories() answer, with names."""
    areas = dict(Area.objects.filter(pk__in=per_area).values_list("pk", "name"))
    categories = {c.pk: c.display_name for c in Category.objects.filter(
        pk__in={cid for pairs in per_area.values() for _n, cid in pairs})}
    out = []
    for area_id, pairs in per_area.items():
        pairs.sort(key=lambda p: (-p[0], categories[p[1]]))
        out.append((areas[area_id], [(categories[cid], n) for n, cid in pairs[:limit]]))
    return sorted(out)


# (area id, updated_at) -> (shape, km², simplified shape)
_shapes: dict[tuple[int, datetime], tuple[BaseGeometry, float, BaseGeometry]] = {}


def district_shape(area):
    """The district's shapely geometry, parsed once per process and boundary version."""
    key = (area.pk, area.updated_at)
    if key not in _shapes:
        if len(_shapes) > 1000:
            _shapes.clear()
        shape = shape_from_geojson(area.geometry)
        _shapes[key] = (shape, km2(shape), shape.simplify(0.0003))
    return _shapes[key]


def km2(shape):
    """A district's area in km², from its lon/lat polygon (equirectangular at its own latitude: ample
    for a city, well under 1 % off)."""
    from shapely.affinity import scale

    lat = shape.centroid.y
    return scale(shape, xfact=111.320 * math.cos(math.radians(lat)), yfact=110.574, origin=(0, 0)).area


@dataclass
class DistrictFigure:
    area: Area
    count: int
    km2: float

    @property
    def per_km2(self):
        return self.count / self.km2 if self.km2 else None

    @property
    def per_1000(self):
        return self.count * 1000 / self.area.population if self.area.population else None


def district_counts(f):
    return dict(f.tickets().filter(area__isnull=False).order_by().values("area_id")
                .annotate(n=Count("pk")).values_list("area_id", "n"))


def districts(f, *, counts=None):
    """Reports received per district (the districts without children, as the map draws them)."""
    counts = district_counts(f) if counts is None else counts
    leaves = Area.objects.filter(children__isnull=True).order_by("name")
    return [DistrictFigure(area, counts.get(area.pk, 0), district_shape(area)[1]) for area in leaves]
