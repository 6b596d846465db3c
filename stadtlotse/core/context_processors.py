from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    config = settings.STADTLOTSE
    return {
        "CITY_NAME": config["CITY_NAME"],
        "SITE_URL": settings.SITE_URL,
        # For the maps' data attributes (read by static/stadtlotse/maps.js).
        "MAP": {
            "tile_url": config["MAP_TILE_URL"],
            "attribution": config["MAP_ATTRIBUTION"],
            "center": ",".join(str(v) for v in config["MAP_CENTER"]),
            "zoom": config["MAP_ZOOM"],
        },
    }
