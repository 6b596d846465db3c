"""Photos that an Open311 client sends as `media_url`: fetched once, carefully, then treated like uploads.

The URL comes from outside, so fetching it must not become a way into the city's network
(server-side request forgery): only http and https, only hosts whose every address is public
(unless `STADTLOTSE_FETCH_PRIVATE_URLS` is set, for tests and closed networks), connected to
the address that was checked (core/addresses.py), no redirects, a short timeout and a size
limit read as the bytes arrive.
"""

import http.client
import io
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from stadtlotse.core import addresses

TIMEOUT_SECONDS = 5
MAX_URL_CHARS = 2000


class FetchError(Exception):
    """The URL could not be used; the message says why, for the app developer."""


def fetch(url, max_bytes):
    """The body of `url` as a file object (with .name), at most `max_bytes`; raises FetchError."""
    if len(url) > MAX_URL_CHARS:
        raise FetchError(_("The URL is too long."))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(_("Only http and https URLs can be fetched."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = addresses.resolve(parts.hostname, port, check=not settings.STADTLOTSE["FETCH_PRIVATE_URLS"])
    except addresses.UnknownHost as exc:
        raise FetchError(str(exc)) from exc
    except addresses.NotPublic as exc:
        raise FetchError(_("Photos are only fetched from public internet addresses.")) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # To the address that was checked; for https the certificate is still checked for the name.
    connection = addresses.connection(parts.scheme, parts.hostname, port, address, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers={"User-Agent": "Stadtlotse (Open311 media_url)"})
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(_("The server answered with HTTP status %(status)d.") % {"status": response.status})
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(_("The photo is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)})
        body = response.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise FetchError(_("The photo is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)})
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(_("The photo could not be fetched: %(reason)s") % {"reason": exc}) from exc
    finally:
        connection.close()
    photo = io.BytesIO(body)
    photo.name = parts.path.rsplit("/", 1)[-1][:60] or "media_url"
    return photo
