"""Duplicate candidates while a resident reports, and "support this report" instead of a new one.

The search is bounded: a bounding box around the point on the indexed lat/lon columns, open and
published tickets of the same group of categories, recent ones only, at most CANDIDATE_LIMIT rows
read; exact distances are computed in Python on that handful.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from stadtlotse.catalog.models import Category
from stadtlotse.notifications import subscriptions
from stadtlotse.tickets.models import Attachment, Ticket

EARTH_RADIUS_M = 6_371_000
METERS_PER_DEGREE_LAT = 111_320
CANDIDATE_LIMIT = 200


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat, lon, radius_m):
    """(min_lat, max_lat, min_lon, max_lon) of a square around the point that contains the circle."""
    dlat = radius_m / METERS_PER_DEGREE_LAT
    dlon = radius_m / (METERS_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def related_category_ids(category):
    """The category's group and everything in it (the tree is at most three levels deep)."""
    group = category.group
    return list(
        Category.objects.filter(Q(pk=group.pk) | Q(parent=group) | Q(parent__parent=group)).values_list("pk", flat=True)
    )


def public_photos():
    """Attachments the public may see (the ticket's publication is checked by the caller's queryset)."""
    return Attachment.objects.filter(is_hidden=False).exclude(public_version="").order_by("created_at", "id")


@dataclass
class Candidate:
    ticket: Ticket
    distance: float

    @property
    def thumbnail(self):
        photos = self.ticket.public_photos
        return photos[0] if photos else None


def similar_tickets(category, lat, lon, *, radius=None, days=None, now=None, limit=5):
    """Open published tickets of the category's group near (lat, lon), nearest first, as Candidates."""
    config = settings.STADTLOTSE
    radius = config["DUPLICATE_RADIUS_METERS"] if radius is None else radius
    days = config["DUPLICATE_DAYS"] if days is None else days
    now = now or timezone.now()
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    tickets = (
        Ticket.objects.published().open()
        .filter(lat__range=(min_lat, max_lat), lon__range=(min_lon, max_lon),
                category_id__in=related_category_ids(category), created_at__gte=now - timedelta(days=days))
        .select_related("category", "area")
        .order_by("-created_at", "-id")[:CANDIDATE_LIMIT]
    )
    candidates = [Candidate(t, distance_m(lat, lon, t.lat, t.lon)) for t in tickets]
    candidates = sorted((c for c in candidates if c.distance <= radius), key=lambda c: (c.distance, -c.ticket.pk))
    candidates = candidates[:limit]
    # Thumbnails for the few that are shown: one query.
    by_id = {c.ticket.pk: c.ticket for c in candidates}
    for ticket in by_id.values():
        ticket.public_photos = []
    for photo in public_photos().filter(ticket_id__in=by_id):
        by_id[photo.ticket_id].public_photos.append(photo)
    return candidates


@transaction.atomic
def support(ticket, *, email="", language="de"):
    """A resident supports an existing report instead of filing a new one.

    Adds one to its supporters; with an e-mail address, also subscribes it to the ticket's updates
    (double opt-in: a confirmation mail is queued). Raises ValidationError({"email": ...}) for a bad
    address, before anything changes.
    """
    subscription = None
    if email:
        subscription = subscriptions.subscribe(ticket, email, language=language)
    Ticket.objects.filter(pk=ticket.pk).update(supporters=F("supporters") + 1)
    ticket.refresh_from_db(fields=["supporters"])
    return subscription
