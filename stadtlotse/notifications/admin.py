from django.contrib import admin

from stadtlotse.tickets.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "channel", "template", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "template"]
    list_select_related = ["ticket"]
    search_fields = ["ticket__public_id", "recipient"]
    ordering = ["-created_at", "-id"]
