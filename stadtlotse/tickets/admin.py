from django.contrib import admin

from .models import Contact, Event, TextTemplate, Ticket


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written by the domain functions: the admin may look, not change.

    A ticket changed here would skip the workflow and leave no Event, so tickets, their timeline,
    notifications and deliveries are only shown; changes go through the back office.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactInline(admin.StackedInline):
    model = Contact
    can_delete = False
    fields = ["name", "email", "phone", "wants_feedback", "preferred", "consent_at", "erased_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "status", "category", "department", "publication", "created_at"]
    list_filter = ["status", "publication", "channel"]
    list_select_related = ["category", "department"]
    search_fields = ["public_id", "external_id"]
    ordering = ["-created_at", "-id"]
    inlines = [ContactInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "kind", "visibility", "actor_kind", "actor_name", "status_to"]
    list_filter = ["kind", "visibility", "actor_kind"]
    list_select_related = ["ticket"]
    search_fields = ["ticket__public_id", "actor_name"]
    ordering = ["-created_at", "-id"]

    def has_delete_permission(self, request, obj=None):
        # The timeline is the audit log: append-only.
        return False


@admin.register(TextTemplate)
class TextTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "purpose", "status", "category", "is_active"]
    list_filter = ["purpose", "status", "is_active"]
    search_fields = ["name", "text"]
    autocomplete_fields = ["category"]
