from django.contrib import admin
from django.db import transaction

from . import geometry
from .models import Area, Category, KnowledgeArticle, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "service_code", "parent", "routing_mode", "topic", "deadline_hours", "about_people",
                    "is_active"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter), "routing_mode", "topic", "about_people", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["name", "name_en", "service_code", "keywords"]
    autocomplete_fields = ["parent"]
    ordering = ["parent__name", "order", "name"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "population"]
    search_fields = ["name", "code", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # Boundaries run to megabytes; only the change form reads one (Django loads it there on access).
        return super().get_queryset(request).defer("geometry")

    # The district index in every process is rebuilt when the version changes; bumped only after
    # commit, so no process can rebuild from the old rows and keep them under the new version.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(geometry.areas_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(geometry.areas_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(geometry.areas_changed)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "department"]
    list_filter = [("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["category__name", "category__service_code", "area__name", "department__name"]
    autocomplete_fields = ["category", "area", "department"]
    ordering = ["category__name", "area__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "area", "department").defer("area__geometry")


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["category"]
