from django.contrib import admin

from stadtlotse.catalog.models import Department
from stadtlotse.tickets.admin import ReadOnlyAdmin

from .forms import DepartmentAdminForm
from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "department", "connector", "status", "attempts", "delivered_at"]
    list_filter = ["status", "connector", ("department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["ticket", "department"]
    search_fields = ["ticket__public_id", "external_id"]
    ordering = ["-created_at", "-id"]


# Registered here, not in catalog: most of a department's page is its connector's settings.
@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    # Connector settings are edited through validated fields; secrets are write-only.
    form = DepartmentAdminForm
    list_display = ["name", "slug", "connector", "email", "is_active"]
    list_filter = ["connector", "is_active"]
    search_fields = ["name", "name_en", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}
