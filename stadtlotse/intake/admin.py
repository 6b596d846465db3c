from django.contrib import admin

from .models import BlockedSource


@admin.register(BlockedSource)
class BlockedSourceAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "api_key", "reason", "created_by", "created_at", "expires_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["kind", "value", "api_key", "reason", "expires_at", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
