"""Open data: the published reports as CSV and GeoJSON, streamed row by row.

Only what the public ticket page shows: id, category, status, the public description, district,
coordinates (the public point of tickets/disclosure.py, generalised for reports about people) and
dates. Never contact data, internal notes, assignees, departments' internal fields, access tokens or
photos. Unpublished and hidden reports are left out.
"""

import csv
import json
from datetime import datetime, time, timedelta

from django.utils import timezone

from stadtlotse.catalog.models import Area, Category
from stadtlotse.tickets import disclosure

from .cells import safe_cell

# (name, description key) — the documentation page lists them in this order.
FIELDS = ("id", "url", "category_code", "category", "status", "description", "district", "lat", "lon",
          "received_at", "updated_at", "resolved_at")
CHUNK = 2000


def published(start=None, end=None):
    """Published reports received from local day `start` to `end` (inclusive; either may be None), oldest first."""
    zone = timezone.get_current_timezone()
    tickets = disclosure.public_tickets().order_by("created_at", "pk")
    if start:
        tickets = tickets.filter(created_at__gte=datetime.combine(start, time.min, tzinfo=zone))
    if end:
        tickets = tickets.filter(created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))
    return tickets


def records(tickets, *, base_url=""):
    """One dict per ticket with exactly FIELDS, reading in chunks so memory stays flat."""
    categories = {c.pk: (c.service_code, c.display_name) for c in Category.objects.all()}
    areas = dict(Area.objects.values_list("pk", "name"))
    people = disclosure.people_category_ids()
    rows = tickets.values_list("public_id", "category_id", "status", "public_description", "description",
                               "area_id", "lat", "lon", "created_at", "updated_at", "resolved_at")
    for (public_id, category_id, status, public_description, description, area_id, lat, lon, created, updated,
         resolved) in rows.iterator(chunk_size=CHUNK):
        code, name = categories.get(category_id, ("", ""))
        lat, lon = disclosure.point(lat, lon, about_people=category_id in people) or (None, None)
        yield {
            "id": public_id, "url": f"{base_url}/t/{public_id}", "category_code": code, "category": name,
            "status": status,
            # The same text the public ticket page shows.
            "description": public_description or description,
            "district": areas.get(area_id, ""), "lat": lat, "lon": lon,
            "received_at": created.isoformat(), "updated_at": updated.isoformat(),
            "resolved_at": resolved.isoformat() if resolved else None,
        }


class _Echo:
    def write(self, value):
        return value


def csv_lines(tickets, *, base_url=""):
    writer = csv.writer(_Echo())
    yield writer.writerow(FIELDS)
    for record in records(tickets, base_url=base_url):
        yield writer.writerow([safe_cell(record[name]) for name in FIELDS])


def geojson_chunks(tickets, *, base_url=""):
    """A FeatureCollection written piece by piece; reports without coordinates have a null geometry."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for record in records(tickets, base_url=base_url):
        lat, lon = record.pop("lat"), record.pop("lon")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        feature = json.dumps({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": record},
                             ensure_ascii=False)
        yield feature if first else "," + feature
        first = False
    yield "]}"
