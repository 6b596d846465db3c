"""District boundaries as geometry: validation of the GeoJSON an Area stores, and the version that
tells every process when the districts changed (routing/areas.py rebuilds its index on a new one)."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

VERSION_KEY = "stadtlotse:areas-version"
# Changes this process made that have not committed yet (a test's transaction, an import under way):
# the index must not answer from the old districts meanwhile, though the shared version is unchanged.
_local_changes = 0


def shape_from_geojson(geometry: object) -> BaseGeometry:
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


def areas_version() -> int:
    """The shared version of the districts (bumped after every committed change)."""
    version: int = cache.get(VERSION_KEY, 0)
    return version


def local_changes() -> int:
    return _local_changes


def changed_here() -> None:
    """The districts changed in this process; its index is stale from now on, committed or not."""
    global _local_changes
    _local_changes += 1


def areas_changed() -> None:
    """The districts changed and the change committed: every process rebuilds its index."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    changed_here()
