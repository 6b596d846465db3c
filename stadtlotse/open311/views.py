"""Open311 GeoReport v2 server: discovery, services, service definitions, requests (GET and POST), tokens.

Every endpoint answers in JSON or XML by its URL suffix, with the spec's element names, and
reports problems as an Open311 error list with the HTTP status (400, 403, 404, 405). Error texts
are German unless `locale=en` or the Accept-Language header asks for English.
"""

import functools
import re
from datetime import timedelta
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stadtlotse.accounts.models import ApiKey
from stadtlotse.catalog.models import Area, Category, Department
from stadtlotse.connectors import status as inbound
from stadtlotse.core import idempotency, ratelimit
from stadtlotse.intake import abuse, intake
from stadtlotse.media import media
from stadtlotse.tickets import disclosure, workflow
from stadtlotse.tickets.models import Event, Ticket

from . import remote_media, updates
from .openapi import build
from .forms import MAX_PAGE_SIZE, RequestsQueryForm, ServiceRequestForm, UpdatePostForm, UpdatesQueryForm
from .render import datetime_value, errors, render

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
# Discovery's changeset: raise it when the endpoints or their behaviour change.
CHANGESET = "2026-11-20T00:00:00Z"
DEFAULT_WINDOW = timedelta(days=90)
# Updates without a window: the last day, like FixMyStreet's nightly mop-up.
DEFAULT_UPDATES_WINDOW = timedelta(days=1)
MAX_DESCRIPTION = 4000  # the spec's limit for description in responses

# intake.submit's field names → the Open311 parameters they came from.
INTAKE_FIELDS = {
    "category": "service_code",
    "lat": "lat",
    "lon": "long",
    "location": "lat/long",
    "address": "address_string",
    "description": "description",
    "email": "email",
    "phone": "phone",
    "photos": "media",
}


def _language(request):
    requested = (request.GET.get("locale") or "").lower()
    if request.method == "POST" and not requested:
        requested = (request.POST.get("locale") or "").lower()
    for code, _name in settings.LANGUAGES:
        if requested.startswith(code):
            return code
    return getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)[:2]


def _undecodable_field(request):
    """The first parameter whose name or value is not valid UTF-8, or None."""
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        for pair in request.body.split(b"&"):
            name, _sep, value = pair.partition(b"=")
            try:
                for part in (name, value):
                    unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(name).decode("utf-8", "replace")
    # Django decodes everything else with replacement characters; find them.
    params = list(request.GET.lists())
    if request.method == "POST":
        params += list(request.POST.lists())
    for name, values in params:
        if "\ufffd" in name or any("\ufffd" in value for value in values):
            return name
    return None


API_KEY_HEADER = "X-Api-Key"


def _key_outside_body(request):
    """The api_key a POST carries in its query string or X-Api-Key header ("" if none): readable unparsed."""
    return request.GET.get("api_key") or request.headers.get(API_KEY_HEADER) or ""


def _body_language(request):
    """The language of an answer given before the body is read: ?locale= or Accept-Language."""
    requested = (request.GET.get("locale") or "").lower()
    for code, _name in settings.LANGUAGES:
        if requested.startswith(code):
            return code
    return translation.get_language_from_request(request)[:2]


def body_refused(request, status, message):
    """An Open311 error list for a body refused unread by core.limits (too large, no length)."""
    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    with translation.override(_body_language(request)):
        return errors(fmt, status, [_("The request is too large.") if status == 413 else message])


def _refused_key(request, fmt):
    """403 for a POST whose key outside the body is not valid, before the (multipart) body is parsed."""
    key = _key_outside_body(request)
    if request.method != "POST" or not key or ApiKey.verify(key) is not None:
        return None
    with translation.override(_body_language(request)):
        return errors(fmt, 403, [_("api_key: missing or not valid.")])


def _post_data(request):
    """The POST parameters, with the key from the query string or header when the body has none."""
    key = _key_outside_body(request)
    if not key or "api_key" in request.POST:
        return request.POST
    data = request.POST.copy()
    data["api_key"] = key
    return data


def open311(*methods):
    """Decorate an endpoint: allowed methods (405 otherwise), language, UTF-8 check, no CSRF token."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt, **kwargs):
            allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
            refused = _refused_key(request, fmt)
            if refused is not None:
                return refused
            try:
                language = _language(request)
                undecodable = _undecodable_field(request)
            except (RequestDataTooBig, TooManyFieldsSent):
                return errors(fmt, 400, [_("The request is too large.")])
            with translation.override(language):
                if request.method not in allowed:
                    response = errors(fmt, 405, [_("Method %(method)s is not allowed here.")
                                                 % {"method": request.method}])
                    response["Allow"] = ", ".join(sorted(allowed))
                elif undecodable is not None:
                    response = errors(fmt, 400, [_("%(field)s: not valid UTF-8.") % {"field": undecodable}])
                else:
                    response = (_over_ip_rate(request, fmt) or _wrong_jurisdiction(request, fmt)
                                or view(request, *args, fmt=fmt, **kwargs))
            response["Content-Language"] = language
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorator


def too_many(fmt, verdict):
    response = errors(fmt, 429, [_("Too many requests. Please try again in %(seconds)d seconds.")
                                 % {"seconds": verdict.retry_after}])
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _over_ip_rate(request, fmt):
    rate = ratelimit.Rate.parse(settings.STADTLOTSE["OPEN311_RATE_PER_IP"])
    verdict = ratelimit.hit("open311-ip", ratelimit.client_ip(request), rate)
    return None if verdict.allowed else too_many(fmt, verdict)


def over_key_rate(api_key, fmt):
    """429 when the API key has used up its own rate, else None."""
    verdict = ratelimit.hit("open311-key", api_key.pk, api_key.get_rate())
    return None if verdict.allowed else too_many(fmt, verdict)


def _wrong_jurisdiction(request, fmt):
    """With a configured jurisdiction, a different jurisdiction_id is unknown here (404); none is fine."""
    configured = settings.STADTLOTSE["OPEN311_JURISDICTION"]
    given = request.GET.get("jurisdiction_id") or (request.POST.get("jurisdiction_id") if request.method == "POST" else "")
    if not configured or not given or given == configured:
        return None
    return errors(fmt, 404, [_("jurisdiction_id: “%(given)s” is not served here; this endpoint serves “%(ours)s”.")
                             % {"given": given, "ours": configured}])


def _field_errors(fmt, error_dict):
    messages = [message if field == NON_FIELD_ERRORS else f"{field}: {message}"
                for field, items in error_dict.items() for message in items]
    return errors(fmt, 400, messages)


# --- discovery and services ------------------------------------------------------------------


@open311("GET")
def discovery(request, fmt):
    data = {
        "changeset": CHANGESET,
        "contact": _("Coordination desk of %(city)s: %(email)s")
        % {"city": settings.STADTLOTSE["CITY_NAME"], "email": settings.STADTLOTSE["DESK_EMAIL"]},
        "key_service": _("API keys for submitting reports are issued on request by the coordination desk: %(email)s")
        % {"email": settings.STADTLOTSE["DESK_EMAIL"]},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.SITE_URL + "/open311/v2/",
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": FORMATS,
            }
        ],
    }
    test_url = settings.STADTLOTSE["OPEN311_TEST_URL"]
    if test_url:
        # A staging installation where app developers may try things without reaching the desk.
        data["endpoints"].append({"specification": SPECIFICATION, "url": test_url, "changeset": CHANGESET,
                                  "type": "test", "formats": FORMATS})
    return render(data, fmt, "discovery")


def _keywords(text):
    """Our keywords are separated by spaces (or commas); Open311 wants a comma-separated list."""
    words = text.split(",") if "," in text else text.split()
    return ",".join(word.strip() for word in words if word.strip())


def _reportable_categories():
    categories = Category.objects.reportable().select_related("parent__parent__parent").order_by("order", "name", "pk")
    # Listed in tree order: the group's place first, then the category's own.
    return sorted(categories, key=lambda c: [(node.order, node.name) for node in reversed(c.ancestors())])


@open311("GET")
def services(request, fmt):
    data = [
        {
            "service_code": category.service_code,
            "service_name": category.display_name,
            "description": category.display_description,
            "metadata": bool(category.questions),
            "type": "realtime",
            "keywords": _keywords(category.keywords),
            "group": category.group.display_name,
        }
        for category in _reportable_categories()
    ]
    return render(data, fmt, "services", "service")


DATATYPE_DESCRIPTIONS = {
    "number": lambda: _("A number, e.g. 3 or 2.5."),
    "datetime": lambda: _("Date and time (ISO 8601), e.g. 2026-03-01T14:30:00+01:00."),
    "singlevaluelist": lambda: _("One of the listed keys."),
    "multivaluelist": lambda: _("One or more of the listed keys, as attribute[code][]."),
}


def _attribute(question, position):
    english = translation.get_language() == "en"

    def pick(item, field):
        return (english and item.get(f"{field}_en")) or item.get(field) or ""

    attribute = {
        "variable": True,
        "code": question["code"],
        "datatype": question["datatype"],
        "required": bool(question.get("required")),
        "datatype_description": DATATYPE_DESCRIPTIONS[question["datatype"]]()
        if question["datatype"] in DATATYPE_DESCRIPTIONS else None,
        "order": question.get("order") or position,
        "description": pick(question, "description"),
    }
    if question["datatype"].endswith("valuelist"):
        attribute["values"] = [{"key": str(v["key"]), "name": pick(v, "name")} for v in question.get("values", [])]
    return attribute


@open311("GET")
def service_definition(request, fmt, service_code):
    category = Category.objects.reportable().filter(service_code=service_code).first()
    if category is None:
        return errors(fmt, 404, [_("There is no service with the code “%(code)s”.") % {"code": service_code}])
    data = {
        "service_code": category.service_code,
        "attributes": [_attribute(q, i) for i, q in enumerate(category.sorted_questions(), start=1)],
    }
    return render(data, fmt, "service_definition")


# --- requests ----------------------------------------------------------------------------------


@open311("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


def _service_notice(ticket):
    if ticket.department_id:
        return _("Your report was forwarded to %(department)s.") % {"department": ticket.department.display_name}
    return _("The coordination desk will look at your report and forward it.")


def _create_request(request, fmt):
    form = ServiceRequestForm(_post_data(request))
    if not form.is_valid():
        if form.has_error("api_key") and not form.has_error("api_key", "conflict"):
            return errors(fmt, 403, [_("api_key: missing or not valid.")])
        if form.has_error("service_code", "unknown_service"):
            return errors(fmt, 404, form.errors["service_code"])
        return _field_errors(fmt, form.errors)
    limited = over_key_rate(form.api_key, fmt)
    if limited:
        return limited
    try:
        return idempotency.run_once(request, f"open311:{form.api_key.pk}", lambda: _submit(request, form, fmt))
    except idempotency.KeyMisused:
        return errors(fmt, 400, [_("Idempotency-Key: malformed, or used before for a different request.")])


def _submit(request, form, fmt):
    data = form.cleaned_data
    contact = intake.ContactData(
        name=" ".join(part for part in (data["first_name"], data["last_name"]) if part),
        email=data["email"],
        phone=data["phone"],
        # An app that passes on an e-mail address expects its user to hear back.
        wants_feedback=bool(data["email"]),
    )
    if contact.email:
        # Per IP and per key are counted above; an address typed into many apps is counted here.
        verdict = abuse.hit_report_rate(email=contact.email)
        if not verdict.allowed:
            return too_many(fmt, verdict)
    photos, skipped = _media(request)
    if photos is None:
        return errors(fmt, 400, skipped)
    try:
        ticket = intake.submit(
            category=form.category, description=data["description"], lat=data["lat"], lon=data["long"],
            address=data["address_string"], channel=Ticket.Channel.APP, contact=contact, answers=form.answers,
            photos=photos, language=translation.get_language(),
            source=abuse.Source(ip=ratelimit.client_ip(request), api_key=form.api_key),
        )
    except abuse.SourceBlocked as exc:
        return errors(fmt, 403, [exc.text])
    except ValidationError as exc:
        return _field_errors(fmt, {INTAKE_FIELDS.get(field, field): items
                                   for field, items in exc.message_dict.items()})
    notice = _service_notice(ticket)
    if skipped:
        # Kept for the desk, who may ask the reporter for the photo; the app hears it at once.
        workflow.record(ticket, Event.Kind.INTERNAL_NOTE, by=workflow.SYSTEM,
                        note=_("Photos that could not be taken over:") + "\n" + "\n".join(skipped))
        notice += " " + _("%(n)d photo link(s) could not be fetched and were left out.") % {"n": len(skipped)}
    result = [{"service_request_id": ticket.public_id, "service_notice": notice, "account_id": None}]
    return render(result, fmt, "service_requests", "request", status=201)


# The ticket columns a GeoReport request shows; the rest (contact data, internals) is never read.
REQUEST_FIELDS = (
    "id", "public_id", "status", "category_id", "department_id", "area_id", "description", "public_description",
    "created_at", "updated_at", "due_at", "address", "lat", "lon", "channel", "publication",
)


MEDIA_PART = re.compile(r"^(media|media\[\]|photo\d{1,2})$")


def _media(request):
    """The photos of a POST: file parts (media, media[], photo1…) and media_url links, fetched now.

    Returns (photos, skipped). File parts go through intake's checks like the web form's (a bad
    file refuses the report: the client sent it). A link that cannot be fetched or is no photo is
    skipped with a note instead: a report must not be lost because a photo host is down.
    Too many photos: (None, [message]).
    """
    photos = [upload for name in sorted(request.FILES) if MEDIA_PART.match(name)
              for upload in request.FILES.getlist(name)]
    urls = [url for name in ("media_url", "media_url[]") for url in request.POST.getlist(name) if url.strip()]
    if len(photos) + len(urls) > settings.STADTLOTSE["MAX_PHOTOS"]:
        # Counted before fetching anything: a long list of URLs must not make us download them all.
        return None, [_("media: at most %(max)d photos per report.") % {"max": settings.STADTLOTSE["MAX_PHOTOS"]}]
    skipped = []
    for url in urls:
        try:
            fetched, problems = media.sort_photos([remote_media.fetch(url.strip(), settings.STADTLOTSE["MAX_PHOTO_BYTES"])])
        except remote_media.FetchError as exc:
            fetched, problems = [], [str(exc)]
        photos += fetched
        skipped += [f"media_url {url.strip()[:200]}: {problem}" for problem in problems]
    return photos, skipped


def _public_tickets():
    return disclosure.public_tickets().only(*REQUEST_FIELDS)


def _with_related(tickets):
    """Attach category, department, district and public notes to a page of tickets in three queries.

    Categories, departments and districts are few and shared by many tickets: one lookup table
    each instead of a join per row (and never the districts' large polygons).
    """
    tickets = list(tickets)
    ids = [t.pk for t in tickets]
    categories = Category.objects.defer("questions").in_bulk({t.category_id for t in tickets})
    departments = Department.objects.in_bulk({t.department_id for t in tickets if t.department_id})
    areas = Area.objects.only("id", "name").in_bulk({t.area_id for t in tickets if t.area_id})
    notes = {}
    for event in (Event.objects.public().exclude(note="").filter(ticket_id__in=ids)
                  .only("id", "ticket_id", "created_at", "kind", "visibility", "status_to", "note")
                  .order_by("ticket_id", "created_at", "id")):
        if disclosure.public_note(event):
            notes.setdefault(event.ticket_id, []).append(event)
    photos = {}
    people = disclosure.people_category_ids()
    for photo in disclosure.public_photos(people_ids=people).filter(ticket_id__in=ids).only("id", "ticket_id"):
        photos.setdefault(photo.ticket_id, []).append(photo)
    for ticket in tickets:
        ticket.public_photos = photos.get(ticket.pk, [])
        ticket.category = categories[ticket.category_id]
        ticket.department = departments.get(ticket.department_id)
        ticket.area = areas.get(ticket.area_id)
        ticket.public_notes = notes.get(ticket.pk, [])
        ticket.public_point = disclosure.public_point(ticket, people_ids=people)
        ticket.public_address = disclosure.public_address(ticket, people_ids=people)
    return tickets


def _photo_url(ticket, photo):
    """The public (processed) version of a photo; the ticket is published, or it would not be listed."""
    return settings.SITE_URL + reverse("publicweb:photo", args=[ticket.public_id, photo.pk])


def _request_data(ticket, extensions=False):
    """One ticket as a GeoReport request. Only public facts: never contact data, never internal notes."""
    notes = ticket.public_notes
    description = ticket.shown_description
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    data = {
        "service_request_id": ticket.public_id,
        "status": "open" if ticket.is_open else "closed",
        "status_notes": disclosure.public_note(notes[-1]) if notes else None,
        "service_name": ticket.category.display_name,
        "service_code": ticket.category.service_code,
        "description": description,
        "agency_responsible": ticket.department.display_name if ticket.department_id else None,
        "service_notice": None,
        "requested_datetime": datetime_value(ticket.created_at),
        "updated_datetime": datetime_value(ticket.updated_at),
        "expected_datetime": datetime_value(ticket.due_at) if ticket.is_open else None,
        "address": ticket.public_address or None,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.public_point[0] if ticket.public_point else None,
        "long": ticket.public_point[1] if ticket.public_point else None,
        "media_url": _photo_url(ticket, ticket.public_photos[0]) if ticket.public_photos else None,
    }
    if extensions:
        data["extended_attributes"] = {
            "detailed_status": ticket.status,
            "channel": ticket.channel,
            "district": ticket.area.name if ticket.area_id else None,
            "status_notes": [
                {"datetime": datetime_value(e.created_at), "status": e.status_to or None,
                 "note": disclosure.public_note(e)}
                for e in notes
            ],
            "media_urls": [_photo_url(ticket, photo) for photo in ticket.public_photos],
        }
    return data


def _list_requests(request, fmt):
    form = RequestsQueryForm(request.GET)
    if not form.is_valid():
        return _field_errors(fmt, form.errors)
    query = form.cleaned_data
    tickets = _public_tickets()
    if query["service_request_id"]:
        # The spec: an id list overrides every other filter.
        tickets = tickets.filter(public_id__in=query["service_request_id"])
    else:
        start, end = query["start_date"], query["end_date"]
        updated_after, updated_before = query["updated_after"], query["updated_before"]
        if not (start or end or updated_after or updated_before):
            start = timezone.now() - DEFAULT_WINDOW
        elif end and not start:
            start = end - DEFAULT_WINDOW
        if start:
            tickets = tickets.filter(created_at__gte=start)
        if end:
            tickets = tickets.filter(created_at__lte=end)
        if updated_after:
            tickets = tickets.filter(updated_at__gt=updated_after)
        if updated_before:
            tickets = tickets.filter(updated_at__lt=updated_before)
        if query["service_code"]:
            tickets = tickets.filter(category__service_code__in=query["service_code"])
        statuses = set(query["status"])
        if statuses == {"open"}:
            tickets = tickets.open()
        elif statuses == {"closed"}:
            tickets = tickets.closed()
    size = query["page_size"] or MAX_PAGE_SIZE
    offset = ((query["page"] or 1) - 1) * size
    page = tickets.order_by("-created_at", "-id")[offset:offset + size]
    data = [_request_data(ticket, query["extensions"]) for ticket in _with_related(page)]
    return render(data, fmt, "service_requests", "request")


@open311("GET")
def request_detail(request, fmt, service_request_id):
    extensions = request.GET.get("extensions", "").lower() == "true"
    ticket = next(iter(_with_related(_public_tickets().filter(public_id=service_request_id))), None)
    if ticket is None:
        return errors(fmt, 404, [_("There is no public request with the id “%(id)s”.") % {"id": service_request_id}])
    return render([_request_data(ticket, extensions)], fmt, "service_requests", "request")


@open311("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Tokens exist for servers that answer a POST later. Stadtlotse answers at once with the id, so
    the token of a request is its id: a client that asks anyway gets the id back.

    Only for a request the asker may see: a published one, or one sent with the api_key it gives
    (query string or X-Api-Key). Otherwise the answer of an unknown token, so counting through the
    sequential ids tells no one which unpublished reports exist.
    """
    ticket = Ticket.objects.filter(public_id=token).first()
    key = ApiKey.verify(request.GET.get("api_key") or request.headers.get(API_KEY_HEADER) or "")
    if ticket is None or not (disclosure.public_view(ticket) or (key and inbound.visible_to_key(ticket, key))):
        return errors(fmt, 404, [_("There is no request with the token “%(token)s”.") % {"token": token}])
    return render([{"service_request_id": token, "token": token}], fmt, "service_requests", "request")


# --- service request updates (mySociety extension) ---------------------------------------------


@open311("GET", "POST")
def service_request_updates(request, fmt):
    if request.method == "POST":
        return _post_update(request, fmt)
    form = UpdatesQueryForm(request.GET)
    if not form.is_valid():
        if form.has_error("api_key", "invalid_key"):
            return errors(fmt, 403, [_("api_key: missing or not valid.")])
        return _field_errors(fmt, form.errors)
    query = form.cleaned_data
    events = updates.public_updates()
    start, end = query["start_date"], query["end_date"]
    if not start:
        start = (end or timezone.now()) - DEFAULT_UPDATES_WINDOW
    events = events.filter(created_at__gte=start)
    if end:
        events = events.filter(created_at__lte=end)
    if query["service_request_id"]:
        events = events.filter(ticket__public_id__in=query["service_request_id"])
    size = query["page_size"] or MAX_PAGE_SIZE
    offset = ((query["page"] or 1) - 1) * size
    data = [
        {
            "update_id": str(event.pk),
            "service_request_id": event.ticket.public_id,
            "status": updates.outgoing_status(event),
            "updated_datetime": datetime_value(event.created_at),
            "description": disclosure.public_text(event),
            "media_url": "",
            "external_status_code": event.status_to or None,
        }
        for event in events[offset:offset + size]
    ]
    return render(data, fmt, "service_request_updates", "request_update")


def _post_update(request, fmt):
    form = UpdatePostForm(_post_data(request))
    if not form.is_valid():
        if form.has_error("api_key") and not form.has_error("api_key", "conflict"):
            return errors(fmt, 403, [_("api_key: missing or not valid.")])
        return _field_errors(fmt, form.errors)
    limited = over_key_rate(form.api_key, fmt)
    if limited:
        return limited
    data = form.cleaned_data
    unknown = errors(fmt, 404, [_("service_request_id: there is no request with the id “%(id)s”.")
                                % {"id": data["service_request_id"]}])
    ticket = Ticket.objects.filter(public_id=data["service_request_id"]).first()
    if ticket is None:
        return unknown
    try:
        outcome = updates.apply_update(
            ticket, form.api_key, status=data["status"], description=data["description"],
            update_id=data["update_id"], updated_at=data["updated_datetime"],
        )
    except updates.UpdateRefused as exc:
        if exc.reason == exc.NOT_VISIBLE:
            return unknown  # an app learns nothing about reports it may not see
        code, field = updates.REFUSALS.get(exc.reason, (400, ""))
        return errors(fmt, code, [f"{field}: {exc}" if field else str(exc)])
    result = [{"update_id": str(outcome.event.pk) if outcome.event else "", "account_id": None}]
    return render(result, fmt, "service_request_updates", "request_update", status=200 if outcome.duplicate else 201)


def openapi_description(request):
    """The OpenAPI 3 description of this API (for client generators and the fuzzing test)."""
    response = JsonResponse(build(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
