from django import forms
from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.lib.masking import mask_passwords
from sitewatch.monitoring.models import (
    Channel,
    DeviceState,
    Flip,
    GbRegistration,
    StreamResolution,
    UnregisteredDevice,
)
from sitewatch.registry.models import MonitoringPoint


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
                       "count", "sample_masked")
    exclude = ("sample",)

    @admin.display(description="报文样例")
    def sample_masked(self, obj):
        return mask_passwords(obj.sample)


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ("point",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        device = self.instance.device if self.instance.pk else None
        if device is not None:
            self.fields["point"].queryset = MonitoringPoint.objects.filter(project_id=device.project_id)
        self.fields["point"].help_text = "只能选择该设备所属项目的点位；一个点位对应一个视频通道。"

    def clean_point(self):
        point = self.cleaned_data.get("point")
        if point is not None:
            if point.project_id != self.instance.device.project_id:
                raise forms.ValidationError("点位不属于该设备所在项目。")
            taken = Channel.objects.filter(point=point).exclude(pk=self.instance.pk).first()
            if taken is not None:
                raise forms.ValidationError(f"该点位已对应通道 {taken.gb_channel_id}（{taken.name}）。")
        return point


@admin.register(Channel)
class ChannelAdmin(ScopedAdmin):
    """Channels come from the devices' catalogues; the operator assigns each to a point."""

    write_kind = "channel_point"
    scope_method = "channels"
    form = ChannelForm
    list_display = ("gb_channel_id", "name", "device", "online", "catalog_status", "main_resolution",
                    "sub_resolution", "point")
    list_filter = ("online", "catalog_status", "in_catalog")
    search_fields = ("gb_channel_id", "name", "device__name", "device__gb_device_id")
    readonly_fields = ("device", "gb_channel_id", "name", "manufacturer", "model", "parent_id", "catalog_status",
                       "in_catalog", "online", "changed_at", "first_seen", "last_catalog_at", "main_resolution",
                       "sub_resolution", "resolution_source", "resolution_at")
    fields = ("point", *readonly_fields)

    def has_add_permission(self, request):
        return False


@admin.register(GbRegistration)
class GbRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("device", "registered", "transport", "contact_address", "last_keepalive_at", "manufacturer",
                    "model_name", "channel_count")
    list_filter = ("registered", "transport")
    search_fields = ("device__name", "device__gb_device_id")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(device__in=self._scope(request).devices())


@admin.register(StreamResolution)
class StreamResolutionAdmin(ReadOnlyAdmin):
    list_display = ("channel", "stream", "resolution", "source", "at")
    list_filter = ("stream", "source")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(channel__in=self._scope(request).channels())
