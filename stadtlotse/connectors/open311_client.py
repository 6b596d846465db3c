"""The Open311 connector: a GeoReport v2 client for a department whose system speaks Open311.

Out: `POST requests.{xml|json}` (form-encoded) with the mapped service code, location, description
(starting with our ticket id), attributes and media URL; the answer's `service_request_id` becomes
the ticket's external id. A `token` answer is followed through `GET tokens/{token}` on the next
attempts, without posting again. Before posting again after an attempt whose answer was lost,
the back end's recent requests are searched for our ticket id (exactly once).

Back: `poll(department)` reads `servicerequestupdates` in overlapping windows, deduplicated by
`update_id`; a back end without that extension is asked for its requests by id instead
(`GET requests?service_request_id=…`), and a change of `status`/`updated_datetime` is the update.
Settings (Department.connector_settings): endpoint, api_key, format, jurisdiction_id, service_codes.
"""

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET  # stdlib ElementTree with DTDs and entities refused
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from stadtlotse.catalog.models import Department
from stadtlotse.tickets.models import Ticket

from . import http, status
from .errors import DeliveryError
from .models import Delivery, PollState
from .webhook import media_urls

logger = logging.getLogger(__name__)
S = Ticket.Status
MAX_DESCRIPTION = 4000
FIRST_WINDOW = timedelta(hours=24)
OVERLAP = timedelta(minutes=10)
FALLBACK_BATCH = 50
PAGE_SIZE = 500
MAX_PAGES = 40
ROOT_ITEMS = {"service_requests": "request", "service_request_updates": "request_update", "errors": "error"}

# mySociety's extended statuses (lower case, as GET servicerequestupdates writes them) → our status.
# Plain "open" (and unknown values) carry no change: their text reaches the desk as an internal note.
INCOMING = {
    "investigating": S.ACCEPTED, "action_scheduled": S.ACCEPTED, "planned": S.ACCEPTED,
    "in_progress": S.IN_PROGRESS,
    "fixed": S.DONE, "closed": S.DONE,
    "not_councils_responsibility": S.REJECTED, "no_further_action": S.REJECTED, "cancelled": S.REJECTED,
}


class Open311Error(DeliveryError):
    pass


def _config(department: Department) -> tuple[dict[str, Any], str, str]:
    config = department.connector_settings
    endpoint = config.get("endpoint", "")
    if not endpoint:
        raise Open311Error("Open311 endpoint missing in the department's connector settings")
    return config, endpoint.rstrip("/") + "/", "json" if config.get("format") == "json" else "xml"


def _call(department: Department, method: str, path: str, params: dict[str, Any]) -> list[dict[str, str]]:
    config, endpoint, fmt = _config(department)
    params = dict(params)
    if config.get("jurisdiction_id"):
        params["jurisdiction_id"] = config["jurisdiction_id"]
    url = f"{endpoint}{path}.{fmt}"
    body = urlencode(params, doseq=True).encode()
    if method == "GET":
        code, answer = http.request("GET", f"{url}?{body.decode()}", headers={"Accept": "*/*"})
    else:
        code, answer = http.request("POST", url, body=body,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        items = parse(answer, fmt)
    except ValueError as exc:
        raise Open311Error(f"{path}: HTTP {code}, unreadable answer ({exc})") from exc
    if not 200 <= code < 300:
        described = "; ".join(f"{e.get('code', '')}: {e.get('description', '')}" for e in items if isinstance(e, dict))
        raise Open311Error(f"{path}: HTTP {code} {described}".strip()[:500], )
    return items


def parse(answer: bytes, fmt: str) -> list[dict[str, Any]]:
    """The list of items of a GeoReport answer (requests, updates or errors) as dicts of strings."""
    if not answer.strip():
        return []
    if fmt == "json":
        try:
            data = json.loads(answer)
        except ValueError as exc:
            raise ValueError("not JSON") from exc
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise ValueError("not a list")
        return [item for item in data if isinstance(item, dict)]
    # Entity expansion (billion laughs) and external entities need a DTD. Refused by the parser
    # itself, after decoding: a byte search misses a DOCTYPE written in UTF-16.
    try:
        root = SafeET.fromstring(answer, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ValueError("XML with a DOCTYPE or entities is not accepted") from exc
    except SafeET.ParseError as exc:
        raise ValueError(f"malformed XML: {exc}") from exc
    item = ROOT_ITEMS.get(root.tag)
    elements = root.findall(item) if item else list(root)
    return [{child.tag: (child.text or "").strip() for child in element} for element in elements]


def _ours(ticket: Ticket) -> str:
    """The description as sent: our ticket id first, so the request can be found again by it."""
    text = f"[{ticket.public_id}] {ticket.description}"
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def request_params(delivery: Delivery) -> dict[str, Any]:
    ticket, department = delivery.ticket, delivery.department
    config = department.connector_settings
    codes = config.get("service_codes") or {}
    params = {
        "api_key": config.get("api_key", ""),
        "service_code": codes.get(ticket.category.service_code, ticket.category.service_code),
        "description": _ours(ticket),
    }
    if ticket.has_location():
        params["lat"], params["long"] = f"{ticket.lat:.6f}", f"{ticket.lon:.6f}"
    if ticket.address:
        params["address_string"] = ticket.address
    for code, value in (ticket.attributes or {}).items():
        if isinstance(value, list):
            params[f"attribute[{code}][]"] = [str(v) for v in value]
        else:
            params[f"attribute[{code}]"] = str(value)
    photos = media_urls(ticket)
    if photos:
        params["media_url"] = photos[0]
    return params


def _find_earlier(delivery: Delivery) -> str:
    """The back end's id of a request an earlier attempt created but whose answer was lost, or ''."""
    params = {
        "service_code": request_params(delivery)["service_code"],
        "start_date": (delivery.created_at - timedelta(minutes=5)).isoformat(timespec="seconds"),
    }
    marker = f"[{delivery.ticket.public_id}]"
    for item in _call(delivery.department, "GET", "requests", params):
        if (item.get("description") or "").startswith(marker) and item.get("service_request_id"):
            return item["service_request_id"]
    return ""


def _resolve_token(delivery: Delivery) -> str:
    items = _call(delivery.department, "GET", f"tokens/{delivery.token}", {})
    ids = [request_id for item in items if (request_id := item.get("service_request_id"))]
    if not ids:
        raise Open311Error(f"token {delivery.token}: the back end has no request id yet")
    return ids[0]


def post_request(delivery: Delivery) -> str:
    """Forward once; returns the back end's service_request_id (raises while only a token is known)."""
    if delivery.token:
        return _resolve_token(delivery)
    if delivery.attempts > 1:
        earlier = _find_earlier(delivery)
        if earlier:
            return earlier
    items = _call(delivery.department, "POST", "requests", request_params(delivery))
    if not items:
        raise Open311Error("requests: empty answer")
    first = items[0]
    if first.get("service_request_id"):
        return str(first["service_request_id"])[:100]
    if first.get("token"):
        # Kept on the delivery (saved with the failure), so the next attempts ask for the id instead of posting.
        delivery.token = str(first["token"])[:100]
        return _resolve_token(delivery)
    raise Open311Error("requests: neither service_request_id nor token in the answer")


def _tickets_by_external_id(department: Department, ids: Iterable[str]) -> dict[str, Ticket]:
    """Our tickets by the back end's ids, found through their deliveries (indexed by department and id)."""
    deliveries = (
        Delivery.objects.filter(department=department, status=Delivery.Status.DELIVERED, external_id__in=ids)
        .select_related("ticket__department").order_by("id")
    )
    return {delivery.external_id: delivery.ticket for delivery in deliveries}


def _apply(department: Department, ticket: Ticket, *, key: str, new_status: str | None, note: str,
           updated_at: datetime | None = None) -> str:
    try:
        outcome = status.apply_update(ticket, source=status.OPEN311_POLL, sender=f"open311: {department.slug}",
                                      key=key, department=department, move_name=status.move_to(new_status),
                                      note=note, public=new_status is not None, updated_at=updated_at)
    except status.UpdateRefused as exc:
        logger.warning("Open311 update %s for %s from %s refused: %s", key, ticket.public_id, department.slug, exc)
        return "refused"
    return "duplicate" if outcome.duplicate else "applied"


def poll(department: Department, now: datetime | None = None) -> dict[str, int]:
    """Fetch and apply the department's updates since the last poll. Returns counts by outcome."""
    # W3C datetimes carry whole seconds: round up, so nothing from this second falls between two windows.
    now = ((now or timezone.now()) + timedelta(seconds=1)).replace(microsecond=0)
    state, _created = PollState.objects.get_or_create(department=department)
    start = (state.polled_until or now - FIRST_WINDOW) - OVERLAP
    counts = {"applied": 0, "duplicate": 0, "refused": 0, "unknown": 0}
    try:
        updates = _fetch_updates(department, start, now)
    except Open311Error as exc:
        if "HTTP 404" not in str(exc):
            state.last_error = str(exc)[:1000]
            state.save(update_fields=["last_error"])
            raise
        _poll_requests(department, counts)
    else:
        updates = [u for u in updates if u.get("update_id") and u.get("service_request_id")]
        updates.sort(key=lambda u: (parse_datetime(u.get("updated_datetime") or "") or now, u["update_id"]))
        tickets = _tickets_by_external_id(department, {u["service_request_id"] for u in updates})
        for update in updates:
            ticket = tickets.get(update["service_request_id"])
            if ticket is None:
                counts["unknown"] += 1
                continue
            new_status = INCOMING.get((update.get("status") or "").lower())
            result = _apply(department, ticket, key=f"update:{update['update_id']}", new_status=new_status,
                            note=update.get("description") or "",
                            updated_at=parse_datetime(update.get("updated_datetime") or ""))
            counts[result] += 1
    state.polled_until = now
    state.last_error = ""
    state.save(update_fields=["polled_until", "last_error"])
    return counts


def _fetch_updates(department: Department, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """All updates of the window, page by page where the back end pages (a repeated page ends it)."""
    params = {"api_key": department.connector_settings.get("api_key", ""),
              "start_date": start.isoformat(timespec="seconds"), "end_date": end.isoformat(timespec="seconds"),
              "page_size": PAGE_SIZE}
    seen: set[str | None] = set()
    updates: list[dict[str, str]] = []
    for page in range(1, MAX_PAGES + 1):
        items = _call(department, "GET", "servicerequestupdates", {**params, "page": page})
        new = [item for item in items if item.get("update_id") not in seen]
        seen.update(item.get("update_id") for item in new)
        updates.extend(new)
        if len(items) < PAGE_SIZE or not new:
            break
    return updates


def _poll_requests(department: Department, counts: dict[str, int]) -> None:
    """Fallback without the updates extension: the open tickets' requests by id, a batch at a time."""
    open_ids = list(
        Ticket.objects.open().filter(external_system=department.slug, department=department)
        .exclude(external_id="").order_by("id").values_list("external_id", flat=True)[:1000]
    )
    for offset in range(0, len(open_ids), FALLBACK_BATCH):
        batch = open_ids[offset:offset + FALLBACK_BATCH]
        items = _call(department, "GET", "requests", {"service_request_id": ",".join(batch)})
        tickets = _tickets_by_external_id(department, batch)
        for item in items:
            ticket = tickets.get(item.get("service_request_id", ""))  # "" is no ticket's: those were left out
            if ticket is None or item.get("status") != "closed":
                continue
            key = f"request:{item['service_request_id']}:{item.get('updated_datetime', '')}:closed"
            counts[_apply(department, ticket, key=key, new_status=S.DONE, note=item.get("status_notes") or "")] += 1
