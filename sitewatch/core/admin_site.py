"""The Django admin, for the platform operator and the city bureau only."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# Role values (sitewatch.accounts.models.Role); this module loads before the models do.
ADMIN_ROLES = {"city", "operator"}


class SitewatchAdminSite(admin.AdminSite):
    site_header = "湛江市智慧渣土综合服务监管平台 · 管理后台"
    site_title = "管理后台"
    index_title = "数据维护"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.organisation_id
                    and user.organisation.role in ADMIN_ROLES)


class SitewatchAdminConfig(AdminConfig):
    default_site = "sitewatch.core.admin_site.SitewatchAdminSite"
