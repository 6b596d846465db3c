import json
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .geometry import shape_from_geojson




def pick_language(de: str, en: str | None) -> str:
    """The English text when English is active and one exists, the German one otherwise."""
    if en and (get_language() or "de").startswith("en"):
        return en
    return de


class Topic(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("Infrastructure / waste")
    SOCIAL = "social", _("Social matter")
    SAFETY = "safety", _("Safety / conflict")


class Priority(models.TextChoices):
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class TreeNode:
    """For models with a `parent`: the chain up to the root (bounded, in case of a cycle in bad data)."""

    MAX_DEPTH = 10
    # How many levels the tree has at most; queries over a whole subtree reach this far down.
    LEVELS = MAX_DEPTH
    if TYPE_CHECKING:
        # The models' own `parent` field (a foreign key to the same model).
        parent: Self | None

    def ancestors(self) -> list[Self]:
        """This node and its parents, nearest first."""
        chain: list[Self] = []
        node: Self | None = self
        while node is not None and len(chain) < self.MAX_DEPTH:
            chain.append(node)
            node = node.parent
        return chain


class Department(models.Model):
    class Connector(models.TextChoices):
        PORTAL = "portal", _("Back office (portal)")
        EMAIL = "email", _("E-mail")
        OPEN311 = "open311", _("Open311")
        WEBHOOK = "webhook", _("Webhook")

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    connector = models.CharField(_("connector"), max_length=20, choices=Connector.choices, default=Connector.PORTAL)
    connector_settings = models.JSONField(_("connector settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return pick_language(self.name, self.name_en)

    def clean(self) -> None:
        if self.connector == self.Connector.EMAIL and not self.email:
            raise ValidationError({"email": _("A department with the e-mail connector needs an e-mail address.")})


# The two tree models; both carry LEVELS, which the subtree queries read from `self.model`.
_Node = TypeVar("_Node", "Category", "Area")


class TreeQuerySet(models.QuerySet[_Node]):
    """Queries over a tree of `TreeNode`s (categories, districts), in one database query each."""

    def _up_paths(self) -> list[str]:
        """Lookups from a node to each of its ancestors: parent, parent__parent, … (LEVELS - 1 of them)."""
        return ["__".join(["parent"] * level) for level in range(1, self.model.LEVELS)]

    def subtree(self, node: models.Model) -> Self:
        """The node and everything below it; lazy, so `category__in=…subtree(c)` stays one query."""
        below = Q(pk=node.pk)
        for path in self._up_paths():
            below |= Q(**{path: node.pk})
        return self.filter(below)

    def subtree_ids(self, node: models.Model) -> list[int]:
        """The ids of the node and of everything below it."""
        return list(self.subtree(node).values_list("pk", flat=True))


class CategoryQuerySet(TreeQuerySet["Category"]):
    def active(self) -> "CategoryQuerySet":
        return self.filter(is_active=True)

    def reportable(self) -> "CategoryQuerySet":
        """Categories a resident can choose: active ones without active children, under active parents."""
        categories = self.active().exclude(children__is_active=True)
        for path in self._up_paths():
            categories = categories.exclude(**{f"{path}__is_active": False})
        return categories.distinct()


class Category(TreeNode, models.Model):
    class RoutingMode(models.TextChoices):
        DIRECT = "direct", _("directly to the department")
        DESK = "desk", _("via the coordination desk")

    QUESTION_TYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    service_code = models.CharField(_("service code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    # Open311 attribute definitions: [{"code", "datatype", "required", "description",
    # "description_en", "order", "values": [{"key", "name", "name_en"}]}]
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    routing_mode = models.CharField(
        _("routing"), max_length=10, choices=RoutingMode.choices, default=RoutingMode.DESK
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.INFRASTRUCTURE)
    default_priority = models.CharField(
        _("default priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    deadline_hours = models.PositiveIntegerField(_("deadline (hours)"), null=True, blank=True)
    needs_moderation = models.BooleanField(_("moderate before publication"), default=True)
    # Reports about people (someone helpless in a doorway, a sleeping place, a conflict): their exact
    # place is never public, only a generalised one (tickets/disclosure.py). Inherited by subcategories.
    about_people = models.BooleanField(
        _("about people"), default=False,
        help_text=_("The public sees only an approximate location (about 100 m) and no address."),
    )
    stopper = models.TextField(_("stopper notice"), blank=True, help_text=_("If set, reports are refused with this advice."))
    stopper_en = models.TextField(_("stopper notice (English)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    # group › category › subcategory
    LEVELS = 3

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        validate_questions(self.questions)
        seen, node = {self.pk}, self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent
        # Subtree queries (map, feeds, filters, figures) reach LEVELS down, so the tree may not grow deeper.
        if self.parent is not None and len(self.parent.ancestors()) >= self.LEVELS:
            raise ValidationError({"parent": _("Categories have at most %(levels)d levels: group, category and "
                                               "subcategory.") % {"levels": self.LEVELS}})

    @property
    def display_name(self) -> str:
        return pick_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return pick_language(self.description, self.description_en)

    @property
    def display_stopper(self) -> str:
        return pick_language(self.stopper, self.stopper_en)

    @property
    def group(self) -> "Category":
        return self.ancestors()[-1]

    @property
    def is_about_people(self) -> bool:
        """This category or one above it is about people."""
        return any(node.about_people for node in self.ancestors())

    @property
    def path_name(self) -> str:
        return " › ".join(c.display_name for c in reversed(self.ancestors()))

    def sorted_questions(self) -> list[dict[str, Any]]:
        # Questions are JSON (Open311 attribute definitions): their values are of any JSON type.
        questions: list[dict[str, Any]] = self.questions
        return sorted(questions, key=lambda q: (q.get("order", 0), q["code"]))


def validate_questions(questions: object) -> None:
    if not isinstance(questions, list):
        raise ValidationError(_("Extra questions must be a list."))
    codes = set()
    for q in questions:
        if not isinstance(q, dict) or not q.get("code") or q.get("datatype") not in Category.QUESTION_TYPES:
            raise ValidationError(
                _("Each extra question needs a code and a datatype (%(types)s).")
                % {"types": ", ".join(Category.QUESTION_TYPES)}
            )
        if q["code"] in codes:
            raise ValidationError(_("Question code %(code)s is used twice.") % {"code": q["code"]})
        codes.add(q["code"])
        if q["datatype"].endswith("valuelist") and not q.get("values"):
            raise ValidationError(_("Question %(code)s needs a list of values.") % {"code": q["code"]})


class Area(TreeNode, models.Model):
    """A district (Bezirk, Stadtbezirk) with its boundary as a GeoJSON geometry in WGS84."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    code = models.CharField(_("official code"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    geometry = models.JSONField(_("boundary (GeoJSON geometry)"))
    population = models.PositiveIntegerField(_("inhabitants"), null=True, blank=True)
    # Bounding box, kept from the geometry, for fast range filters and map extents.
    min_lat = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)
    min_lon = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TreeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            shape_from_geojson(self.geometry)
        except ValueError as exc:
            raise ValidationError({"geometry": str(exc)}) from exc

    def set_bounds(self) -> None:
        min_lon, min_lat, max_lon, max_lat = shape_from_geojson(self.geometry).bounds
        self.min_lat, self.max_lat, self.min_lon, self.max_lon = min_lat, max_lat, min_lon, max_lon

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns only; no other objects are touched.
        self.set_bounds()
        super().save(*args, **kwargs)

    def geometry_json(self) -> str:
        return json.dumps(self.geometry)


class RoutingRule(models.Model):
    """(category or one of its ancestors, district or any) → department. The most specific rule wins."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Empty: any category."),
    )
    area = models.ForeignKey(
        Area, verbose_name=_("district"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Empty: the whole city."),
    )
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.category or _('any category')} / {self.area or _('whole city')} → {self.department}"

    def clean(self) -> None:
        # Checked here rather than by a constraint: "NULLS NOT DISTINCT" is PostgreSQL-only.
        twins = RoutingRule.objects.filter(category=self.category, area=self.area).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError(_("A rule for this category and district exists already."))


class KnowledgeArticle(models.Model):
    """A short how-to for the desk and departments, shown on tickets of its category and the categories below."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="articles")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("knowledge base article")
        verbose_name_plural = _("knowledge base articles")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def for_category(cls, category: Category) -> "models.QuerySet[KnowledgeArticle]":
        return cls.objects.filter(is_active=True, category__in=[c.pk for c in category.ancestors()]).order_by("title")
