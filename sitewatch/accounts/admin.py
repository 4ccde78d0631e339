from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from sitewatch.accounts.models import ApiToken, AuditEntry, Organisation, User
from sitewatch.core.admin_base import ScopedAdmin


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    city_admin_only = True
    list_display = ("name", "role", "district", "firm")
    list_filter = ("role", "district")
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    city_admin_only = True
    list_display = ("username", "display_name", "organisation", "is_active", "is_city_admin", "last_login")
    list_filter = ("is_active", "is_city_admin", "organisation__role")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("last_name", "first_name", "email", "phone")}),
        ("所属与权限", {"fields": ("organisation", "is_active", "is_staff", "is_city_admin")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "organisation", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    city_admin_only = True
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # tokens are shown once, so they are created with `sitewatch token create`


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    """Readable by the city bureau, never editable."""

    list_display = ("at", "actor_name", "action", "model", "object_repr", "remote_addr", "via")
    list_filter = ("action", "model", "via")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return self._scope(request).can_read_audit

    def has_view_permission(self, request, obj=None):
        return self._scope(request).can_read_audit

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


