import secrets

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from stadtlotse.accounts.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "department", "rate", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "owner"]
    fields = ["name", "owner", "department", "rate", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        plain = None
        if not change:
            # A new key is generated here and shown exactly once; only its hash is kept.
            plain = secrets.token_urlsafe(32)
            obj.key_hash = ApiKey.digest_of(plain)
        super().save_model(request, obj, form, change)
        if plain:
            messages.warning(
                request, _("The new API key is %(key)s. Copy it now: it will not be shown again.") % {"key": plain}
            )
