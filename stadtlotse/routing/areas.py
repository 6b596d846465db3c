"""Which district a point lies in: shapely geometries in an STRtree, built once per process.

The index is rebuilt when the districts change (checked through a version number in the cache,
which import_areas and the admin bump), so several web processes stay in step.
"""

import threading
from collections.abc import Iterable

from shapely import STRtree, prepare
from shapely.geometry import Point

from stadtlotse.catalog import geometry
from stadtlotse.catalog.geometry import shape_from_geojson
from stadtlotse.catalog.models import Area

_lock = threading.Lock()
_index: "AreaIndex | None" = None

# (shared version in the cache, changes made in this process): the index is current while both hold.
Version = tuple[int, int]


class AreaIndex:
    def __init__(self, areas: Iterable[Area], version: Version) -> None:
        areas = list(areas)
        self.version = version
        self.ids = [a.pk for a in areas]
        self.geometries = [shape_from_geojson(a.geometry) for a in areas]
        for geom in self.geometries:
            prepare(geom)
        self.tree = STRtree(self.geometries)

    def find(self, lat: float, lon: float) -> int | None:
        """The id of the district containing the point, or None (the smallest one where districts nest)."""
        point = Point(lon, lat)
        hits = [int(i) for i in self.tree.query(point) if self.geometries[i].covers(point)]
        if not hits:
            return None
        return self.ids[min(hits, key=lambda i: self.geometries[i].area)]


def current_version() -> int:
    return geometry.areas_version()


def bump_version() -> None:
    geometry.areas_changed()


def reset() -> None:
    """Forget this process's index (tests, after changing districts inside their transaction)."""
    geometry.changed_here()


def get_index() -> AreaIndex:
    global _index
    version = (geometry.areas_version(), geometry.local_changes())
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = AreaIndex(list(Area.objects.order_by("pk")), version)
            index = _index
    return index


def find_area(lat: float, lon: float) -> Area | None:
    """The district (Area) at the point, or None when the point lies outside every district."""
    area_id = get_index().find(lat, lon)
    return Area.objects.get(pk=area_id) if area_id is not None else None
