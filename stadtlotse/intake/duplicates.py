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
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from stadtlotse.catalog.models import Category
from stadtlotse.core import ratelimit
from stadtlotse.notifications import subscriptions
from stadtlotse.tickets import disclosure
from stadtlotse.tickets.models import Ticket

from .models import Support

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
    return Category.objects.subtree_ids(category.group)


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
    # Wide enough for every ticket whose public point lies within the radius: which tickets are found
    # then depends on the public points alone, never on the exact ones.
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius + disclosure.GRID_METERS)
    tickets = (
        Ticket.objects.published().open()
        .filter(lat__range=(min_lat, max_lat), lon__range=(min_lon, max_lon),
                category_id__in=related_category_ids(category), created_at__gte=now - timedelta(days=days))
        .select_related("category", "area")
        .order_by("-created_at", "-id")[:CANDIDATE_LIMIT]
    )
    # The distance shown is to the ticket's public point: to the exact one, it would let anyone find the
    # doorway of a report about a person by asking from a few places.
    people = disclosure.people_category_ids()
    candidates = []
    for t in tickets:
        public_lat, public_lon = disclosure.public_point(t, people_ids=people)
        candidates.append(Candidate(t, distance_m(lat, lon, public_lat, public_lon)))
    candidates = sorted((c for c in candidates if c.distance <= radius), key=lambda c: (c.distance, -c.ticket.pk))
    candidates = candidates[:limit]
    # Thumbnails for the few that are shown: one query.
    by_id = {c.ticket.pk: c.ticket for c in candidates}
    for ticket in by_id.values():
        ticket.public_photos = []
    for photo in disclosure.public_photos(people_ids=people).filter(ticket_id__in=by_id):
        by_id[photo.ticket_id].public_photos.append(photo)
    return candidates


def support_source(ip):
    """What a "me too" is counted by: a keyed hash of the client's IP, IPv6 by its /64 (no address is stored)."""
    return salted_hmac("stadtlotse.intake.support", ratelimit.grouped(ip or "unknown"), algorithm="sha256").hexdigest()


def supported_by(ticket, *, ip):
    """Whether this client's source already supports the ticket."""
    return Support.objects.filter(ticket=ticket, source=support_source(ip)).exists()


@transaction.atomic
def support(ticket, *, ip, email="", language="de"):
    """A resident supports an existing report instead of filing a new one.

    Adds one to its supporters, once per source (`support_source(ip)`): the same source again
    changes the count no more. With an e-mail address, also subscribes it to the ticket's updates
    (double opt-in: a confirmation mail is queued). Raises ValidationError({"email": ...}) for a bad
    address, before anything changes. Returns the Subscription or None.
    """
    subscription = None
    if email:
        subscription = subscriptions.subscribe(ticket, email, language=language)
    _support, created = Support.objects.get_or_create(ticket=ticket, source=support_source(ip))
    if created:
        Ticket.objects.filter(pk=ticket.pk).update(supporters=F("supporters") + 1)
    ticket.refresh_from_db(fields=["supporters"])
    return subscription
