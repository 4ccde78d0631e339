from django import forms
from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.registry.models import (
    Device,
    DeviceModel,
    District,
    Firm,
    FirmSanction,
    MonitoringPoint,
    Project,
)


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    scope_method = "districts"
    list_display = ("name", "code", "sort_order")


@admin.register(Firm)
class FirmAdmin(ScopedAdmin):
    write_kind, scope_method = "firm", "firms"
    list_display = ("name", "credit_code", "contact_name", "contact_phone", "is_builder", "is_contractor",
                    "is_supervisor", "is_integrator", "is_operator")
    list_filter = ("is_builder", "is_contractor", "is_supervisor", "is_integrator", "is_operator")
    search_fields = ("name", "credit_code")


class PointInline(admin.TabularInline):
    model = MonitoringPoint
    extra = 0
    fields = ("kind", "name", "location", "status")


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    write_kind, scope_method = "project", "projects"
    list_display = ("name", "district", "status", "stage", "investment_cny", "floor_area_m2", "must_connect_label")
    list_filter = ("district", "status", "stage")
    search_fields = ("name", "address")
    autocomplete_fields = ("builder", "contractor", "supervisor", "integrator")
    inlines = [PointInline]

    @admin.display(description="须接入")
    def must_connect_label(self, obj):
        return "是" if obj.must_connect else "否"


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(ScopedAdmin):
    write_kind, scope_method = "point", "points"
    list_display = ("name", "kind", "project", "location", "status")
    list_filter = ("kind", "status", "project__district")
    search_fields = ("name", "project__name")
    autocomplete_fields = ("project",)


class DeviceForm(forms.ModelForm):
    """Secrets are write-only: the form never shows the stored value; left blank keeps it."""

    hj212_password = forms.CharField(label="HJ 212 访问密码（PW）", required=False,
                                     widget=forms.PasswordInput(render_value=False),
                                     help_text="留空则保持原密码不变。")
    gb_password = forms.CharField(label="国标注册密码", required=False,
                                  widget=forms.PasswordInput(render_value=False), help_text="留空则保持原密码不变。")

    class Meta:
        model = Device
        fields = ("project", "point", "kind", "name", "brand", "device_model", "model", "serial", "apn_card",
                  "ip_address", "installer", "hj212_mn", "hj212_password", "gb_device_id", "gb_password")

    def clean(self):
        data = super().clean()
        for name in Device.SECRET_FIELDS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(Device)
class DeviceAdmin(ScopedAdmin):
    write_kind, scope_method = "device", "devices"
    form = DeviceForm
    list_display = ("name", "kind", "project", "brand", "model", "serial", "hj212_mn", "gb_device_id", "installer")
    list_filter = ("kind", "brand", "project__district")
    search_fields = ("name", "serial", "hj212_mn", "gb_device_id", "project__name")
    autocomplete_fields = ("project", "point", "installer", "device_model")


@admin.register(DeviceModel)
class DeviceModelAdmin(ScopedAdmin):
    write_kind, scope_method = "device_model", "device_models"
    deletable = True
    list_display = ("model", "brand_display", "kind", "commitment_listed")
    list_filter = ("kind", "brand", "commitment_listed")
    list_editable = ("commitment_listed",)
    search_fields = ("model", "brand_name")


@admin.register(FirmSanction)
class FirmSanctionAdmin(ScopedAdmin):
    """Entered by the city bureau (the weekly assessment will propose them); audited."""

    city_admin_only = True
    list_display = ("firm", "kind", "starts_on", "ends_on", "decided_at")
    list_filter = ("kind",)
    search_fields = ("firm__name",)
    autocomplete_fields = ("firm",)
    readonly_fields = ("decided_by", "decided_at")

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        if not change:
            obj.decided_by, obj.decided_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
