"""The small HTTP client the connectors share (standard library only: two verbs, form or JSON bodies)."""

import urllib.error
import urllib.request

from django.conf import settings

from .delivery import DeliveryError

USER_AGENT = "Stadtlotse-Connector/1"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


def request(method, url, *, body=None, headers=None):
    """Send one request; returns (status, body bytes). Network errors raise DeliveryError, HTTP errors do not."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    # Only http(s) URLs reach here: connector settings are validated when saved.
    req = urllib.request.Request(url, data=body, method=method, headers=all_headers)  # noqa: S310
    timeout = settings.STADTLOTSE["CONNECTOR_TIMEOUT_SECONDS"]
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(MAX_RESPONSE_BYTES)
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{url.split('?', 1)[0]}: {getattr(exc, 'reason', exc)}") from exc
