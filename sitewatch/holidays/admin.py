from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.holidays.models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ("date", "kind", "name")

    def has_add_permission(self, request, obj=None):
        return bool(request.user.is_city_admin)

    def has_change_permission(self, request, obj=None):
        return bool(request.user.is_city_admin)

    def has_delete_permission(self, request, obj=None):
        return bool(request.user.is_city_admin)


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedAdmin):
    """The yearly holiday arrangement, entered by the city administrator from the State Council notice."""

    city_admin_only = True
    list_display = ("year", "source_notice", "entered_by", "entered_at", "updated_at")
    readonly_fields = ("entered_by", "entered_at", "updated_at")
    inlines = [CalendarDayInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)
