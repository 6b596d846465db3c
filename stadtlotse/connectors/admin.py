from typing import TYPE_CHECKING

from django.contrib import admin

from stadtlotse.catalog.models import Department
from stadtlotse.tickets.admin import ReadOnlyAdmin

from .forms import DepartmentAdminForm
from .models import Delivery

# Django's ModelAdmin is generic only in its stubs (no runtime subscript without django-stubs-ext).
if TYPE_CHECKING:
    _DepartmentModelAdmin = admin.ModelAdmin[Department]
else:
    _DepartmentModelAdmin = admin.ModelAdmin


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "department", "connector", "status", "attempts", "delivered_at"]
    list_filter = ["status", "connector", ("department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["ticket", "department"]
    search_fields = ["ticket__public_id", "external_id"]
    ordering = ["-created_at", "-id"]


# Registered here, not in catalog: most of a department's page is its connector's settings.
@admin.register(Department)
class DepartmentAdmin(_DepartmentModelAdmin):
    # Connector settings are edited through validated fields; secrets are write-only.
    form = DepartmentAdminForm
    list_display = ["name", "slug", "connector", "email", "is_active"]
    list_filter = ["connector", "is_active"]
    search_fields = ["name", "name_en", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}
