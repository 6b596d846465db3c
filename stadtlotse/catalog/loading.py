"""Filling the catalog from data files: districts from GeoJSON, and the demo category tree.

Both are idempotent: running them again updates what exists (matched by slug or service code)
and adds what is new, so `make run` twice keeps the data.
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from . import geometry
from .geometry import shape_from_geojson
from .models import Area, Category, Department, RoutingRule

DATA_DIR = Path(__file__).resolve().parent / "data"

# A GeoJSON feature or a node of the catalog file, as json.loads gives it.
JSON = dict[str, Any]
# Told (number, total, name) after each district.
Progress = Callable[[int, int, str], object]


class CatalogDataError(ValueError):
    """The data file cannot be used; the message says why and where."""


def read_features(path: str | Path) -> list[JSON]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogDataError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogDataError(f"{path}: not valid GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise CatalogDataError(f"{path}: expected a GeoJSON FeatureCollection")
    features: list[JSON] = data["features"]
    return features


def district_slug(name: str) -> str:
    return slugify(name.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue"))


@transaction.atomic
def import_areas(features: Sequence[JSON], *, name_property: str = "name", code_property: str | None = None,
                 population: dict[str, int] | None = None, progress: Progress | None = None) -> tuple[int, int]:
    """Create or update one Area per feature. Returns (created, updated). All or nothing."""
    population = population or {}
    created = updated = 0
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        name = str(properties.get(name_property) or "").strip()
        if not name:
            raise CatalogDataError(f"feature {number}: property {name_property!r} is missing or empty")
        try:
            shape_from_geojson(feature.get("geometry"))
        except ValueError as exc:
            raise CatalogDataError(f"feature {number} ({name}): {exc}") from None
        defaults: dict[str, Any] = {"name": name, "geometry": feature["geometry"]}
        if code_property:
            defaults["code"] = str(properties.get(code_property) or "")
        if name in population:
            defaults["population"] = population[name]
        _, was_created = Area.objects.update_or_create(slug=district_slug(name), defaults=defaults)
        created += was_created
        updated += not was_created
        if progress:
            progress(number, len(features), name)
    geometry.changed_here()
    transaction.on_commit(geometry.areas_changed)
    return created, updated


def _load_category(node: JSON, parent: Category | None, order: int) -> Category:
    fields = {
        "parent": parent,
        "name": node["name"],
        "name_en": node.get("name_en", ""),
        "description": node.get("description", ""),
        "description_en": node.get("description_en", ""),
        "keywords": node.get("keywords", ""),
        "questions": node.get("questions", []),
        "routing_mode": node.get("routing_mode", parent.routing_mode if parent else Category.RoutingMode.DESK),
        "topic": node.get("topic", parent.topic if parent else "infrastructure"),
        "default_priority": node.get("default_priority", "normal"),
        "deadline_hours": node.get("deadline_hours"),
        "needs_moderation": node.get("needs_moderation", parent.needs_moderation if parent else True),
        "about_people": node.get("about_people", parent.about_people if parent else False),
        "stopper": node.get("stopper", ""),
        "stopper_en": node.get("stopper_en", ""),
        "order": order,
    }
    category, _ = Category.objects.update_or_create(service_code=node["code"], defaults=fields)
    for child_order, child in enumerate(node.get("children", []), start=1):
        _load_category(child, category, child_order)
    return category


@transaction.atomic
def load_catalog(path: str | Path = DATA_DIR / "demo-catalog.json", *, progress: Progress | None = None) -> None:
    """Districts, departments, categories and routing rules from a catalog file like demo-catalog.json."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    districts = data["districts"]
    import_areas(read_features(Path(path).parent / districts["file"]), name_property=districts["name_property"],
                 population=districts.get("population"), progress=progress)
    for item in data["departments"]:
        Department.objects.update_or_create(
            slug=item["slug"],
            defaults={key: item[key] for key in ("name", "name_en", "email", "connector") if key in item},
        )
    for order, group in enumerate(data["categories"], start=1):
        _load_category(group, None, order)
    for rule in data["rules"]:
        category = Category.objects.get(service_code=rule["category"]) if rule.get("category") else None
        area = Area.objects.get(slug=rule["area"]) if rule.get("area") else None
        RoutingRule.objects.update_or_create(
            category=category, area=area, defaults={"department": Department.objects.get(slug=rule["department"])}
        )
