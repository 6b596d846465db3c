"""What of a ticket each audience may see: the one place that decides, for every output.

Audiences: the public (ticket page, map, GeoJSON, list, feeds, Open311 GET, open data,
statistics), the reporter (their mails and private page), the department (forward mails,
connector payloads) and staff (the back office, everything). Public outputs ask here instead of
deciding for themselves:

    public_view(ticket)        may the public see this ticket at all (else 404)
    public_tickets()           the queryset of those tickets
    public_note(event)         the event's note as the public may read it ("" if not)
    public_text(event)         public_note, or a sentence saying what changed (feeds, Open311 updates)
    reporter_note(event)       the event's note as the reporter may read it (mails, private page)
    staff_note(event)          the event's note as staff may read it (mails to staff: the reporter's answer)
    public_point(ticket)       (lat, lon) as the public may see it, or None
    public_address(ticket)     the address as the public may see it ("" if not)
    public_photos()            the photos the public may see (none of reports about people)
    ticket_photos(ticket)      those of one ticket

Positions: every public output shows the same point, rounded to PUBLIC_DECIMALS (about 10 m).
For categories about people (Category.about_people) the point is the centre of the GRID_METERS
cell it lies in and the address is left out, so the doorway where someone sits is never public.
"""

import math
from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from stadtlotse.catalog.models import Category

from .models import Attachment, Event, Ticket, TicketQuerySet

K = Event.Kind

# Public events whose note was written for the public: the back-office forms call these fields
# "public note" / "public reason". Any other kind keeps its note internal, also a kind added later.
PUBLIC_NOTE_KINDS = frozenset({K.STATUS_CHANGED, K.PUBLIC_NOTE, K.MERGED, K.FORWARDED, K.EXTERNAL_UPDATE})
# Public events whose note the reporter reads too (private page, mails): also the reason for
# reopening, often their own words. Never the reason a merge was undone: the desk's internal judgement.
REPORTER_NOTE_KINDS = PUBLIC_NOTE_KINDS | {K.REOPENED}

PUBLIC_DECIMALS = 4
GRID_METERS = 100
METERS_PER_DEGREE_LAT = 111_320


def public_tickets() -> TicketQuerySet:
    """Tickets the public may see: published ones. (A report held back for its sender's confirmation
    is never published before it is confirmed, intake/confirmation.py.)"""
    return Ticket.objects.published()


def public_view(ticket: Ticket) -> bool:
    """May the public see this ticket (its page, feed items, Open311 entry)? Otherwise it does not exist for them:
    ids are sequential, so even "exists, not public" would let anyone enumerate categories and statuses."""
    return ticket.is_published


def public_note(event: Event) -> str:
    """The note of `event` as the public may read it: "" for internal events and internal kinds of note."""
    if event.visibility != Event.Visibility.PUBLIC or event.kind not in PUBLIC_NOTE_KINDS:
        return ""
    return event.note


# Internal events written for the reporter: the city's questions, their answers, and why the
# report (or a photo) was hidden from the public.
TO_REPORTER_KINDS = frozenset({K.MESSAGE_TO_REPORTER, K.MESSAGE_FROM_REPORTER, K.MODERATED})


def reporter_note(event: Event) -> str:
    """The note of `event` as the ticket's reporter may read it (private page, mails)."""
    if event.kind in TO_REPORTER_KINDS:
        return event.note
    if event.visibility != Event.Visibility.PUBLIC or event.kind not in REPORTER_NOTE_KINDS:
        return ""
    return event.note


def staff_note(event: Event) -> str:
    """The note of `event` as staff may read it (mails to the asker, the back office): all of it.

    Only for mails to staff addresses: the reporter's answer is internal, never public.
    """
    return event.note


def public_text(event: Event) -> str:
    """The public text of an update: its public note, or a sentence saying what changed."""
    note = public_note(event)
    if note:
        return note
    if event.visibility != Event.Visibility.PUBLIC:
        return ""
    if event.kind == K.FORWARDED and event.department is not None:
        return _("Forwarded to %(department)s.") % {"department": event.department.display_name}
    if event.status_to:
        return _("Status: %(status)s.") % {"status": Ticket.Status(event.status_to).label}
    return ""


def with_notes(events: Iterable[Event], *, audience_note: Callable[[Event], str] = public_note) -> list[Event]:
    """The events, each with `shown_note` set to what the audience may read (for the timeline template)
    and `shown_into` to the id a merge led into, if the audience may know that report ("" if not).

    The reporter knows what their report was merged into; the public only a report it can open.
    """
    events = list(events)
    into = {event.data.get("into") for event in events
            if event.kind == K.MERGED and isinstance(event.data, dict) and event.data.get("into")}
    if into and audience_note is not reporter_note:
        into = set(public_tickets().filter(public_id__in=into).values_list("public_id", flat=True))
    for event in events:
        event.shown_note = audience_note(event)
        target = event.data.get("into") if event.kind == K.MERGED and isinstance(event.data, dict) else None
        event.shown_into = target if isinstance(target, str) and target in into else ""
    return events


def people_category_ids() -> set[int]:
    """Ids of the categories about people, inherited down the tree (one query over the small table)."""
    rows = list(Category.objects.order_by().values_list("pk", "parent_id", "about_people"))
    parents: dict[int, int | None] = {pk: parent for pk, parent, _flag in rows}
    flagged = {pk for pk, _parent, flag in rows if flag}
    found: set[int] = set()
    for pk in parents:
        node: int | None = pk
        depth = 0
        while node is not None and depth < Category.MAX_DEPTH:
            if node in flagged:
                found.add(pk)
                break
            node, depth = parents.get(node), depth + 1
    return found


def point(lat: float | None, lon: float | None, *, about_people: bool) -> tuple[float, float] | None:
    """The public form of a position; the exact one only goes to staff, the reporter and the department."""
    if lat is None or lon is None:
        return None
    if about_people:
        return grid_point(lat, lon)
    return round(lat, PUBLIC_DECIMALS), round(lon, PUBLIC_DECIMALS)


def grid_point(lat: float, lon: float, meters: float = GRID_METERS) -> tuple[float, float]:
    """The centre of the `meters` × `meters` cell the position lies in: the same for every point in it."""
    lat_step = meters / METERS_PER_DEGREE_LAT
    centre_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    lon_step = meters / (METERS_PER_DEGREE_LAT * max(math.cos(math.radians(centre_lat)), 0.01))
    centre_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(centre_lat, 5), round(centre_lon, 5)


def public_point(ticket: Ticket, *, people_ids: set[int] | None = None) -> tuple[float, float] | None:
    """(lat, lon) of the ticket as every public output shows it, or None without a location.

    `people_ids`: people_category_ids(), when the caller renders many tickets.
    """
    if people_ids is None:
        about_people = ticket.category.is_about_people
    else:
        about_people = ticket.category_id in people_ids
    return point(ticket.lat, ticket.lon, about_people=about_people)


def public_address(ticket: Ticket, *, people_ids: set[int] | None = None) -> str:
    """The address as the public may see it: none for reports about people (it names the doorway)."""
    about_people = ticket.category.is_about_people if people_ids is None else ticket.category_id in people_ids
    return "" if about_people else ticket.address


def public_photos(*, people_ids: set[int] | None = None) -> QuerySet[Attachment]:
    """Attachments the public may see: the processed version of photos not hidden by moderation,
    never of a report about people (a photo shows the person and the doorway the generalised point hides).

    The ticket's publication is checked by the caller's queryset (public_tickets()). `people_ids`:
    people_category_ids(), when the caller has them already.
    """
    people = people_category_ids() if people_ids is None else people_ids
    return (Attachment.objects.filter(is_hidden=False).exclude(public_version="")
            .exclude(ticket__category_id__in=people).order_by("created_at", "id"))


def ticket_photos(ticket: Ticket) -> list[Attachment]:
    """The public photos of one ticket, decided on its (loaded) category: none for a report about people."""
    if ticket.category.is_about_people:
        return []
    return list(public_photos(people_ids=set()).filter(ticket=ticket))
