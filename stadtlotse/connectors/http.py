"""The small HTTP client the connectors share (standard library only: two verbs, form or JSON bodies).

Every request goes to a checked address (core/addresses.py): public internet addresses, or the
city's internal systems listed in STADTLOTSE_CONNECTOR_ALLOWED_HOSTS. Redirects are not followed
(a 3xx is an answer like any other), so a target cannot send us on to an address nobody checked.
"""

import http.client
from urllib.parse import urlsplit

from django.conf import settings

from stadtlotse.core import addresses

from .errors import DeliveryError

USER_AGENT = "Stadtlotse-Connector/1"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


def target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address) for `url`; raises addresses.AddressRefused or ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("only http and https URLs")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = addresses.resolve(parts.hostname, port, allowed_hosts=settings.STADTLOTSE["CONNECTOR_ALLOWED_HOSTS"])
    return parts.scheme, parts.hostname, port, address


def request(method: str, url: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Send one request; returns (status, body bytes). Network errors and refused addresses raise DeliveryError."""
    shown = url.split("?", 1)[0]
    try:
        scheme, host, port, address = target(url)
    except (ValueError, addresses.AddressRefused) as exc:
        raise DeliveryError(f"{shown}: {exc}") from exc
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    conn = addresses.connection(scheme, host, port, address, timeout=settings.STADTLOTSE["CONNECTOR_TIMEOUT_SECONDS"])
    try:
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{shown}: {exc}") from exc
    finally:
        conn.close()
