"""What the public map shows: published tickets, open or resolved recently, filtered and bounded.

The GeoJSON feed never reads more than MAP_MAX_POINTS + 1 rows of single points. Above that, the
database counts the points per grid cell (GROUP BY on the cell number computed from lat/lon), so
the answer stays small whatever the box holds. Both read only indexed columns
(publication, status, lat, lon; publication, status, resolved_at, lat, lon).
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Func
from django.urls import reverse
from django.utils import timezone

from stadtlotse.catalog.models import Category
from stadtlotse.core import ratelimit
from stadtlotse.tickets import disclosure
from stadtlotse.tickets.models import Ticket

# Cells per side of the box when clustering.
GRID_CELLS = 24
# A clustered answer (a district or the whole city) is the same for everyone looking at that box and
# changes slowly; counting a city's points costs seconds at a million tickets, so it is kept a minute.
CLUSTER_CACHE_SECONDS = 60


class CellNumber(Func):
    """The grid cell of a non-negative offset: FLOOR, or on SQLite the native cast (which truncates).

    SQLite's FLOOR is a Python function Django registers, called once per row: far slower over
    a city's worth of points than the built-in CAST.
    """

    function = "FLOOR"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)", **extra_context)


class BadFilter(ValueError):
    """A filter value the map cannot use; the message says which and why."""


class ClustersRefused(Exception):
    """The source has asked for too many freshly counted cluster answers; try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass
class MapFilter:
    """The filters of /karte, as given in the query string (all optional)."""

    category: Category | None = None
    status: str = ""
    area_id: int | None = None
    days: int | None = None
    bbox: tuple | None = None  # (min_lon, min_lat, max_lon, max_lat)


def parse_bbox(value):
    """"min_lon,min_lat,max_lon,max_lat" (as Leaflet's toBBoxString) → a tuple of floats, or BadFilter."""
    parts = value.split(",")
    if len(parts) != 4:
        raise BadFilter("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise BadFilter("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from None
    if not all(abs(v) < float("inf") for v in (min_lon, min_lat, max_lon, max_lat)):
        raise BadFilter("bbox must be finite numbers")
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise BadFilter("bbox must have min < max, longitudes within ±180 and latitudes within ±90")
    return min_lon, min_lat, max_lon, max_lat


STATUS_GROUPS = {
    "open": Ticket.OPEN_STATUSES,
    "done": (Ticket.Status.DONE,),
    "closed": Ticket.CLOSED_STATUSES,
}


def on_map(map_filter, now=None):
    """Published tickets the map shows for these filters (open ones, and closed ones for a while)."""
    open_part, resolved_part = map_parts(map_filter, now)
    return open_part | resolved_part


def map_parts(map_filter, now=None):
    """on_map() as two querysets, open and recently resolved: each one can use its own index, which the
    database's planner does not manage for the OR of both."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.STADTLOTSE["MAP_RESOLVED_DAYS"])
    return (
        _filtered(disclosure.public_tickets().filter(status__in=Ticket.OPEN_STATUSES), map_filter, now),
        _filtered(disclosure.public_tickets().filter(status__in=Ticket.CLOSED_STATUSES, resolved_at__gte=cutoff),
                  map_filter, now),
    )


def _filtered(tickets, map_filter, now):
    if map_filter.status:
        statuses = STATUS_GROUPS.get(map_filter.status, (map_filter.status,))
        tickets = tickets.filter(status__in=statuses)
    if map_filter.category is not None:
        tickets = tickets.filter(category__in=Category.objects.subtree(map_filter.category))
    if map_filter.area_id:
        tickets = tickets.filter(area_id=map_filter.area_id)
    if map_filter.days:
        tickets = tickets.filter(created_at__gte=now - timedelta(days=map_filter.days))
    return tickets


def category_names():
    """id → display name of every category (a small table, read once per request)."""
    return {c.pk: c.display_name for c in Category.objects.only("pk", "name", "name_en")}


def geojson(map_filter, now=None, names=None, *, source: str = "") -> dict:
    """A GeoJSON FeatureCollection for the box: single tickets, or grid clusters when there are too many.

    `names`: category id → display name, when the caller has them already. `source`: the client's
    IP; counting clusters anew (not from the cache) is limited per source (MAP_CLUSTER_RATE_PER_IP),
    else ClustersRefused.
    """
    key = _cache_key(map_filter)
    if now is None and (cached := cache.get(key)) is not None:
        return cached
    limit = settings.STADTLOTSE["MAP_MAX_POINTS"]
    parts = []
    for tickets in map_parts(map_filter, now):
        tickets = tickets.filter(lat__isnull=False, lon__isnull=False)
        if map_filter.bbox:
            # Widened by the public grid, then decided on the public point below: whether a ticket is
            # in the box must not tell where exactly it is (a tiny box around a doorway would).
            min_lon, min_lat, max_lon, max_lat = _widened(map_filter.bbox)
            tickets = tickets.filter(lat__range=(min_lat, max_lat), lon__range=(min_lon, max_lon))
        parts.append(tickets)
    rows: list[tuple[str, float, float, str, int]] = []
    people = disclosure.people_category_ids()
    for tickets in parts:
        if len(rows) <= limit:
            for public_id, lat, lon, status, category_id in (
                    tickets.order_by().values_list("public_id", "lat", "lon", "status", "category_id")[: limit + 1]):
                shown = disclosure.point(lat, lon, about_people=category_id in people)
                if shown is None:  # not reached: the query above left out tickets without a position
                    continue
                lat, lon = shown
                if _inside(map_filter.bbox, lat, lon):
                    rows.append((public_id, lat, lon, status, category_id))
    if len(rows) <= limit:
        names = names if names is not None else category_names()
        labels = dict(Ticket.Status.choices)
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": public_id,
                    "status": status,
                    "status_label": str(labels.get(status, status)),
                    "category": names.get(category_id, ""),
                    "url": reverse("publicweb:ticket", args=[public_id]),
                },
            }
            for public_id, lat, lon, status, category_id in sorted(rows)
        ]
        return {"type": "FeatureCollection", "features": features, "clustered": False}
    if source:
        # A fresh count of a city's points costs the database over 100 ms, and every other box misses
        # the cache: without a limit, anyone could keep both cores busy by panning a few pixels at a time.
        rate = ratelimit.Rate.parse(settings.STADTLOTSE["MAP_CLUSTER_RATE_PER_IP"])
        verdict = ratelimit.hit("map-clusters", source, rate)
        if not verdict.allowed:
            raise ClustersRefused(verdict.retry_after)
    # Counted in one query: summing two grids measured slower over a whole city than the OR (bench/geojson.py).
    answer = {"type": "FeatureCollection", "features": clusters([parts[0] | parts[1]], map_filter.bbox),
              "clustered": True}
    if now is None:
        cache.set(key, answer, CLUSTER_CACHE_SECONDS)
    return answer


def _widened(bbox):
    """The box grown by one public grid cell on every side."""
    min_lon, min_lat, max_lon, max_lat = bbox
    margin_lat = disclosure.GRID_METERS / disclosure.METERS_PER_DEGREE_LAT
    margin_lon = margin_lat / max(math.cos(math.radians(max(abs(min_lat), abs(max_lat)))), 0.01)
    return (max(min_lon - margin_lon, -180.0), max(min_lat - margin_lat, -90.0),
            min(max_lon + margin_lon, 180.0), min(max_lat + margin_lat, 90.0))


def _inside(bbox, lat, lon):
    if bbox is None:
        return True
    min_lon, min_lat, max_lon, max_lat = bbox
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def _cache_key(map_filter):
    """The clustered answer's cache key: the filters and the box (clusters carry no names or labels)."""
    category = map_filter.category.pk if map_filter.category else ""
    box = ",".join(f"{v:.5f}" for v in map_filter.bbox) if map_filter.bbox else "world"
    return f"map-clusters:{category}:{map_filter.status}:{map_filter.area_id or ''}:{map_filter.days or ''}:{box}"


def clusters(parts, bbox):
    """Points counted per cell of a GRID_CELLS × GRID_CELLS grid over the box, placed at their mean position.

    `parts`: querysets counted separately (each on its own index) and added up per cell.
    """
    if bbox is None:
        bbox = (-180.0, -90.0, 180.0, 90.0)
    min_lon, min_lat, max_lon, max_lat = bbox
    cell_lat = (max_lat - min_lat) / GRID_CELLS
    cell_lon = (max_lon - min_lon) / GRID_CELLS
    merged = {}
    for tickets in parts:
        for cell in _cells(tickets, min_lat, min_lon, cell_lat, cell_lon):
            key = (cell["cy"], cell["cx"])
            n, lat_sum, lon_sum = merged.get(key, (0, 0.0, 0.0))
            merged[key] = (n + cell["n"], lat_sum + cell["mean_lat"] * cell["n"], lon_sum + cell["mean_lon"] * cell["n"])
    # A cluster's place is a mean of exact points: for a cell holding one report about a person it would
    # be that person's doorway. So it is generalised like a single report about people.
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": _cluster_point(lat_sum / n, lon_sum / n)},
            "properties": {"cluster": True, "count": n},
        }
        for _key, (n, lat_sum, lon_sum) in sorted(merged.items())
    ]


def _cluster_point(lat, lon):
    lat, lon = disclosure.grid_point(lat, lon)
    return [lon, lat]


def _cells(tickets, min_lat, min_lon, cell_lat, cell_lon):
    return (
        tickets.order_by()
        .annotate(
            cy=CellNumber((F("lat") - min_lat) / cell_lat),
            cx=CellNumber((F("lon") - min_lon) / cell_lon),
        )
        .values("cy", "cx")
        .annotate(n=Count("pk"), mean_lat=Avg("lat"), mean_lon=Avg("lon"))
        .order_by("cy", "cx")
    )
