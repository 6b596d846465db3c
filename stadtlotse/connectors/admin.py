from django.contrib import admin

from stadtlotse.tickets.admin import ReadOnlyAdmin

from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "department", "connector", "status", "attempts", "delivered_at"]
    list_filter = ["status", "connector", ("department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["ticket", "department"]
    search_fields = ["ticket__public_id", "external_id"]
    ordering = ["-created_at", "-id"]
