from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .models import Membership, SecondFactor, User
from .views import admin_login

# The admin's stock login would bypass the throttle and the second factor; it redirects to ours.
admin.site.login = admin_login  # type: ignore[method-assign]  # replaced on purpose, see above


# Django's user forms name auth.User in their Meta; ours is swapped in, so they are rebound here.
class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # Meta is not in django-stubs
        model = User
        fields = ["username", "role"]


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):  # type: ignore[name-defined]  # Meta is not in django-stubs
        model = User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    fieldsets = [
        # Django's UserAdmin sets fieldsets; the stubs type the attribute as ModelAdmin's optional one.
        *auth_admin.UserAdmin.fieldsets[:1],  # type: ignore[index]
        (_("Role in Stadtlotse"), {"fields": ["role"]}),
        *auth_admin.UserAdmin.fieldsets[1:],  # type: ignore[index]
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "role", "usable_password", "password1", "password2"]}),
    ]
    inlines = [MembershipInline]


@admin.register(SecondFactor)
class SecondFactorAdmin(admin.ModelAdmin):
    """Only for removing a lost second factor; the user sets up a new one at their next login."""

    list_display = ["user", "confirmed_at"]
    search_fields = ["user__username", "user__last_name"]
    readonly_fields = ["user", "confirmed_at"]
    fields = ["user", "confirmed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
