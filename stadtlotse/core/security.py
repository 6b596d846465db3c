"""Security headers Django does not set itself: the Content-Security-Policy (sent by django-csp) and a
Permissions-Policy.

Scripts only from our own origin, no inline scripts and no eval: an injected <script> or
onclick= does not run even if escaping ever failed. Styles allow 'unsafe-inline' because
Leaflet and Django's admin set style attributes; styles cannot run code.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.http import HttpRequest, HttpResponseBase


def content_security_policy(*, map_tile_url: str) -> dict[str, dict[str, list[Any]]]:
    """django-csp's CONTENT_SECURITY_POLICY setting; images also from the map's tile server."""
    tiles = urlsplit(map_tile_url.replace("{s}", "*"))
    tile_origin = [f"{tiles.scheme}://{tiles.netloc}"] if tiles.netloc else []
    return {"DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *tile_origin],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }}


# The report form may ask for the position (to place the pin); nothing else is needed.
PERMISSIONS = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        return response
