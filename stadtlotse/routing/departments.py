"""Which department is responsible: the most specific routing rule wins.

A rule naming the ticket's own category beats one naming a parent category, which beats one for
any category; among equally specific categories, a rule for the district beats one for a parent
district, which beats one for the whole city.
"""

from collections.abc import Sequence

from django.db.models import Model, Q

from stadtlotse.catalog.models import Area, Category, Department, RoutingRule


# Keyed by pk; a rule's empty category or district (None) is simply not found.
def _depths(chain: Sequence[Model]) -> dict[int | None, int]:
    return {node.pk: depth for depth, node in enumerate(chain)}


def choose_department(category: Category | None, area: Area | None) -> Department | None:
    """The department for a report of `category` in `area` (either may be None), or None when no rule fits."""
    category_depth = _depths(category.ancestors()) if category else {}
    area_depth = _depths(area.ancestors()) if area else {}
    rules = (
        RoutingRule.objects.filter(Q(category__isnull=True) | Q(category_id__in=category_depth))
        .filter(Q(area__isnull=True) | Q(area_id__in=area_depth))
        .filter(department__is_active=True)
        .select_related("department")
    )
    unmatched = 99
    best = min(
        rules,
        key=lambda r: (
            category_depth.get(r.category_id, unmatched),
            area_depth.get(r.area_id, unmatched),
            r.pk,
        ),
        default=None,
    )
    return best.department if best else None
