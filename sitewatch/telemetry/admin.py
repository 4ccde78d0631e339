from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.monitoring.admin import ReadOnlyAdmin
from sitewatch.telemetry.models import FactorAlias, RawPacket, Reading


@admin.register(FactorAlias)
class FactorAliasAdmin(ScopedAdmin):
    """Vendor factor names and unit scaling, set by the operator (or the city)."""

    write_kind = "device_model"
    deletable = True
    list_display = ("vendor_code", "parameter", "scale", "device", "updated_at")
    list_filter = ("parameter",)
    search_fields = ("vendor_code", "device__name", "device__hj212_mn")
    autocomplete_fields = ("device",)


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ("device", "cn", "data_time", "pm25", "pm10", "tsp", "noise", "flags", "received_at")
    list_filter = ("cn",)
    search_fields = ("device__hj212_mn", "device__name")
    date_hierarchy = "data_time"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(device__in=self._scope(request).devices())


@admin.register(RawPacket)
class RawPacketAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "identifier", "cn", "outcome", "remote_addr")
    list_filter = ("protocol", "outcome")
    search_fields = ("identifier",)
    date_hierarchy = "received_at"
