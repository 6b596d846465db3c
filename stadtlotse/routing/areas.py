"""Which district a point lies in: shapely geometries in an STRtree, built once per process.

The index is rebuilt when the districts change (checked through a version number in the cache,
which import_areas and the admin bump), so several web processes stay in step.
"""

import threading

from django.core.cache import cache
from shapely import STRtree, prepare
from shapely.geometry import Point, shape
from shapely.validation import explain_validity
from django.utils.translation import gettext as _

VERSION_KEY = "stadtlotse:areas-version"

_lock = threading.Lock()
_index = None


def shape_from_geojson(geometry):
    """A valid shapely (Multi)Polygon from a GeoJSON geometry dict, or ValueError saying what is wrong."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(_("The boundary is not valid GeoJSON: %(error)s") % {"error": exc}) from exc
    if geom.is_empty:
        raise ValueError(_("The boundary is empty."))
    if not geom.is_valid:
        raise ValueError(_("The boundary is not a valid polygon: %(reason)s") % {"reason": explain_validity(geom)})
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError(_("The boundary's coordinates are not longitude/latitude in WGS84."))
    return geom


class AreaIndex:
    def __init__(self, areas, version):
        self.version = version
        self.ids = [a.pk for a in areas]
        self.geometries = [shape_from_geojson(a.geometry) for a in areas]
        for geom in self.geometries:
            prepare(geom)
        self.tree = STRtree(self.geometries)

    def find(self, lat, lon):
        """The id of the district containing the point, or None (the smallest one where districts nest)."""
        point = Point(lon, lat)
        hits = [i for i in self.tree.query(point) if self.geometries[i].covers(point)]
        if not hits:
            return None
        return self.ids[min(hits, key=lambda i: self.geometries[i].area)]


def current_version():
    return cache.get(VERSION_KEY, 0)


def bump_version():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    reset()


def reset():
    global _index
    with _lock:
        _index = None


def get_index():
    global _index
    from stadtlotse.catalog.models import Area

    version = current_version()
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = AreaIndex(list(Area.objects.order_by("pk")), version)
            index = _index
    return index


def find_area(lat, lon):
    """The district (Area) at the point, or None when the point lies outside every district."""
    from stadtlotse.catalog.models import Area

    area_id = get_index().find(lat, lon)
    return Area.objects.get(pk=area_id) if area_id is not None else None
