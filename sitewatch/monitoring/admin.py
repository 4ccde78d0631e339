from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.monitoring.models import DeviceState, Flip, UnregisteredDevice


class ReadOnlyAdmin(ScopedAdmin):
    """Rows written by the gateways and loops: readable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeviceState)
class DeviceStateAdmin(ScopedAdmin):
    """The operator may set a device's HJ 212 CRC variant (for vendors that do not use the standard's)."""

    write_kind = "device"
    list_display = ("device", "online", "last_seen", "changed_at", "remote_addr", "crc_variant", "clock_skew_seconds")
    list_filter = ("online", "crc_variant", "device__kind")
    search_fields = ("device__name", "device__hj212_mn", "device__gb_device_id")
    fields = ("device", "online", "last_seen", "changed_at", "remote_addr", "crc_variant", "clock_skew_seconds")
    readonly_fields = ("device", "online", "last_seen", "changed_at", "remote_addr", "clock_skew_seconds")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(device__in=self._scope(request).devices())

    def has_add_permission(self, request):
        return False


@admin.register(Flip)
class FlipAdmin(ReadOnlyAdmin):
    list_display = ("device", "old_online", "new_online", "reason", "at")
    list_filter = ("new_online", "reason")
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(device__in=self._scope(request).devices())


@admin.register(UnregisteredDevice)
class UnregisteredDeviceAdmin(ReadOnlyAdmin):
    scope_method = "unregistered_devices"
    list_display = ("identifier", "protocol", "reason", "district", "remote_address", "first_seen", "last_seen", "count")
    list_filter = ("protocol", "reason")
    search_fields = ("identifier", "remote_address")
    readonly_fields = ("protocol", "identifier", "reason", "district", "remote_address", "first_seen", "last_seen",
                       "count", "sample")
