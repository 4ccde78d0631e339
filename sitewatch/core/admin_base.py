"""Admin permissions decided by the visibility layer, not by Django's per-model permissions."""

from django.contrib import admin

from sitewatch.accounts.visibility import scope_for


class ScopedAdmin(admin.ModelAdmin):
    """`write_kind` names the WRITE_ROLES entry; `scope_method` the Scope queryset to list."""

    write_kind: str | None = None
    scope_method: str | None = None
    city_admin_only = False
    deletable = False

    def _scope(self, request):
        return scope_for(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return getattr(self._scope(request), self.scope_method)(qs) if self.scope_method else qs

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def _may_write(self, request) -> bool:
        if not self.admin_site.has_permission(request):
            return False
        if self.city_admin_only:
            return bool(getattr(request.user, "is_city_admin", False))
        return self.write_kind is not None and self._scope(request).can_write(self.write_kind)

    def has_add_permission(self, request):
        return self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        return self.deletable and self._may_write(request)
