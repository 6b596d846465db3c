"""The one way a report enters Stadtlotse, whatever the channel (web form, Open311, staff entry, e-mail).

`submit()` validates everything first and raises a ValidationError naming each bad field, in the
active language, before anything is written. Then, in one transaction, it writes the ticket, the
contact, the first Event, the routing (forward for `direct` categories) and the jobs that forward
and notify. Only after that commit does the caller learn the ticket id.
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtlotse.catalog.models import Area, Category, pick_language
from stadtlotse.intake import abuse, confirmation, screening
from stadtlotse.media import media
from stadtlotse.notifications import notify
from stadtlotse.routing.areas import find_area
from stadtlotse.routing.departments import choose_department
from stadtlotse.tickets import ids, workflow
from stadtlotse.tickets.models import Contact, Event, Ticket, TicketSequence

logger = logging.getLogger(__name__)

MAX_ADDRESS_CHARS = 300
MAX_ANSWER_CHARS = 2000


@dataclass
class ContactData:
    name: str = ""
    email: str = ""
    phone: str = ""
    wants_feedback: bool = False
    preferred: str = Contact.Preferred.EMAIL

    def is_empty(self):
        return not (self.name or self.email or self.phone)


def next_public_id(now=None):
    """The next ticket id of the year of receipt (in the city's time zone): SL-2026-0042.

    Must run inside the transaction that creates the ticket: the sequence row stays locked until
    commit, so concurrent reports queue here, and a rolled-back report gives its number back.
    """
    prefix = settings.STADTLOTSE["TICKET_PREFIX"]
    year = timezone.localtime(now or timezone.now()).year
    TicketSequence.objects.bulk_create([TicketSequence(prefix=prefix, year=year)], ignore_conflicts=True)
    sequence = TicketSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return ids.format_id(prefix, year, sequence.last_number)


def clean_text(value):
    """Text as people typed it, without NUL and other control characters (PostgreSQL refuses NUL)."""
    value = (value or "").replace("\r\n", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32).strip()


def check_category(category):
    if category is None:
        raise ValidationError({"category": _("Please choose a category.")})
    if not category.is_active or category.children.filter(is_active=True).exists():
        raise ValidationError({"category": _("Please choose one of the listed categories.")})
    if category.stopper:
        raise ValidationError({"category": category.display_stopper})


def check_description(text):
    limits = settings.STADTLOTSE
    if len(text) < limits["MIN_DESCRIPTION_CHARS"]:
        raise ValidationError(
            {"description": _("Please describe the problem in at least %(n)d characters.")
             % {"n": limits["MIN_DESCRIPTION_CHARS"]}}
        )
    if len(text) > limits["MAX_DESCRIPTION_CHARS"]:
        raise ValidationError(
            {"description": _("The description is too long: at most %(max)d characters, this one has %(n)d.")
             % {"max": limits["MAX_DESCRIPTION_CHARS"], "n": len(text)}}
        )


def locate(lat, lon):
    """The district for a point; ValidationError when the point is not a coordinate or outside the city."""
    for name, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise ValidationError({name: _("The coordinates must be numbers.")})
        if abs(value) > bound:
            raise ValidationError({name: _("The coordinates are not a place on Earth.")})
    area = find_area(lat, lon)
    if area is None and Area.objects.exists():
        raise ValidationError(
            {"location": _("This place lies outside %(city)s. Please place the pin inside the city.")
             % {"city": settings.STADTLOTSE["CITY_NAME"]}}
        )
    return area


def check_contact(contact):
    errors = {}
    contact.name = clean_text(contact.name)[:200]
    contact.email = (contact.email or "").strip()
    contact.phone = clean_text(contact.phone)
    if contact.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            errors["email"] = _("This e-mail address is not valid.")
    if contact.phone:
        digits = sum(ch.isdigit() for ch in contact.phone)
        if digits < 5 or len(contact.phone) > 40 or any(ch not in "0123456789+-/() ." for ch in contact.phone):
            errors["phone"] = _("This phone number is not valid.")
    if contact.wants_feedback and not (contact.email or contact.phone):
        errors["email"] = _("To keep you informed, please give an e-mail address or a phone number.")
    if contact.preferred not in Contact.Preferred.values:
        errors["preferred"] = _("Unknown contact preference.")
    if errors:
        raise ValidationError(errors)


def check_answers(category, answers):
    """Answers to the category's extra questions, checked against their Open311 datatypes."""
    answers = answers or {}
    questions = {q["code"]: q for q in category.questions}
    errors, cleaned = {}, {}
    for code in answers:
        if code not in questions:
            errors[f"attribute[{code}]"] = _("“%(code)s” is not a question of this category.") % {"code": code}
    for code, question in questions.items():
        value = answers.get(code)
        empty = value is None or value == "" or value == []
        if empty:
            if question.get("required"):
                errors[f"attribute[{code}]"] = _("Please answer: %(question)s") % {
                    "question": pick_language(question.get("description"), question.get("description_en")) or code
                }
            continue
        try:
            cleaned[code] = _clean_answer(question, value)
        except ValueError as exc:
            errors[f"attribute[{code}]"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_answer(question, value):
    datatype = question["datatype"]
    keys = [str(v["key"]) for v in question.get("values", [])]
    if datatype == "multivaluelist":
        values = value if isinstance(value, (list, tuple)) else [value]
        values = [str(v) for v in values]
        if any(v not in keys for v in values):
            raise ValueError(_("Please choose from the listed answers."))
        return values
    if isinstance(value, (list, tuple)):
        raise ValueError(_("Only one answer is possible here."))
    value = clean_text(str(value))
    if datatype == "singlevaluelist":
        if value not in keys:
            raise ValueError(_("Please choose from the listed answers."))
        return value
    if datatype == "number":
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise ValueError(_("Please enter a number.")) from None
        if not math.isfinite(number):
            raise ValueError(_("Please enter a number."))
        return number
    if datatype == "datetime":
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(_("Please enter a date and time like 2026-03-01T14:30.")) from None
    if len(value) > MAX_ANSWER_CHARS:
        raise ValueError(_("This answer is too long: at most %(max)d characters.") % {"max": MAX_ANSWER_CHARS})
    return value


def submit(*, category, description, lat=None, lon=None, address="", channel=Ticket.Channel.WEB,
           contact=None, answers=None, photos=None, language="de", by=None, now=None, source=None):
    """Validate a report and store it as a ticket with everything that must follow it. Returns the Ticket.

    `photos` are uploaded files (or `media.Photo`s already checked); see `media.check_photos`.
    Their problems are reported under the key "photos".

    `by` is the member of staff entering a report received by phone, letter or at the counter;
    None for reports the resident made themselves. Raises ValidationError (field → message) and
    writes nothing when the report is not acceptable.

    `source` (an `abuse.Source`: client IP, Open311 key) is checked against the block list together
    with the contact's e-mail address; a blocked sender gets `abuse.SourceBlocked` before anything
    else is looked at. The description is screened (`screening.screen`) inside the transaction; a
    flagged report is stored with its flags and waits for moderation, whatever its category says.
    """
    errors = {}
    description = clean_text(description)
    address = clean_text(address)
    contact = contact or ContactData()
    if source is not None:
        abuse.check_not_blocked(ip=source.ip, email=(contact.email or "").strip(), api_key=source.api_key)
    area = None
    for check in (
        lambda: check_category(category),
        lambda: check_description(description),
        lambda: check_contact(contact),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if len(address) > MAX_ADDRESS_CHARS:
        errors["address"] = [_("The address is too long: at most %(max)d characters.") % {"max": MAX_ADDRESS_CHARS}]
    if lat is None and lon is None:
        if not address:
            errors["location"] = [_("Please mark the place on the map or enter an address.")]
    elif lat is None or lon is None:
        errors["location"] = [_("Please give both latitude and longitude.")]
    else:
        try:
            area = locate(lat, lon)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    cleaned_answers = {}
    if "category" not in errors:
        try:
            cleaned_answers = check_answers(category, answers)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if channel not in Ticket.Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    checked_photos = []
    try:
        # Residents' photos may have fewer pixels than staff's: decoding them is what costs.
        checked_photos = media.check_photos(photos, staff=by is not None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    language = "en" if (language or "").startswith("en") else "de"
    now = now or timezone.now()
    stored_photos = []
    # Outside the transaction: when it rolls back, the photos' files are deleted too.
    with media.deleted_on_error(stored_photos), transaction.atomic():
        flags = [flag.as_dict() for flag in screening.screen(
            description, address=address, sources=_screening_sources(source, contact))]
        unconfirmed = confirmation.needs_confirmation(channel=channel, contact=contact, by=by)
        ticket = Ticket.objects.create(
            public_id=next_public_id(now),
            channel=channel,
            category=category,
            description=description,
            lat=lat,
            lon=lon,
            address=address,
            area=area,
            attributes=cleaned_answers,
            language=language,
            priority=category.default_priority,
            topic=category.topic,
            publication=(Ticket.Publication.PENDING if category.needs_moderation or flags or unconfirmed
                         else Ticket.Publication.PUBLISHED),
            flags=flags,
            awaiting_confirmation=unconfirmed,
            created_at=now,
            updated_at=now,
        )
        if not contact.is_empty():
            Contact.objects.create(
                ticket=ticket, name=contact.name, email=contact.email, phone=contact.phone,
                wants_feedback=contact.wants_feedback, preferred=contact.preferred, consent_at=now,
            )
        actor = by if by is not None else workflow.REPORTER
        data = {"channel": channel, "photos": len(checked_photos)} if checked_photos else {"channel": channel}
        if source is not None and source.api_key is not None:
            # Which app sent it: that app may comment on the report before it is published.
            data["submitted_with_key"] = source.api_key.pk
        workflow.record(ticket, Event.Kind.CREATED, by=actor, visibility=Event.Visibility.PUBLIC,
                        status_to=Ticket.Status.NEW, data=data, at=now)
        try:
            media.store_photos(ticket, checked_photos, at=now, stored=stored_photos)
        except OSError as exc:
            # Disk full, media directory read-only or gone: the transaction rolls back, files already
            # written are deleted, and the sender learns why instead of meeting a server error.
            logger.error("Photos of a report could not be stored: %s", exc)
            raise ValidationError({"photos": [_(
                "Your photos could not be saved because of a problem on our side. Please try again later, "
                "or send the report without photos."
            )]}) from exc
        if unconfirmed:
            # Stored, but routed and announced only when the sender confirms (confirmation.confirm).
            confirmation.ask(ticket)
            return ticket
        if category.routing_mode == Category.RoutingMode.DIRECT:
            department = choose_department(category, area)
            if department is not None:
                # The receipt mail below already names the department; no separate status mail.
                workflow.forward(ticket, department, by=workflow.SYSTEM, notify=False)
        notify.received(ticket)
    return ticket


def _screening_sources(source, contact):
    """Who sent the text, for the "same text again" check: IP and e-mail address.

    Only for reports a resident sent (a `source`): staff entering several reports of one caller, or
    the demo, may well repeat a text. Not the API key: one app's key stands for many residents.
    """
    if source is None:
        return []
    sources = []
    if source.ip:
        sources.append(f"ip:{source.ip}")
    if contact.email:
        sources.append(f"email:{contact.email.strip().lower()}")
    return sources
