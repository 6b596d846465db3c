"""Security headers Django does not set itself: a Content-Security-Policy and a Permissions-Policy.

Scripts only from our own origin, no inline scripts and no eval: an injected <script> or
onclick= does not run even if escaping ever failed. Styles allow 'unsafe-inline' because
Leaflet and Django's admin set style attributes; styles cannot run code.
"""

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings


@cache
def policy():
    tiles = urlsplit(settings.STADTLOTSE["MAP_TILE_URL"].replace("{s}", "*"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {tile_origin}".strip(),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# The report form may ask for the position (to place the pin); nothing else is needed.
PERMISSIONS = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        return response
