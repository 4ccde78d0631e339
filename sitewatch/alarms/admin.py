"""Admin: threshold versions (new versions only; old ones read-only), reference values, and the
judgements and alarms (read-only records)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from sitewatch.accounts.models import Role
from sitewatch.alarms.models import Alarm, DustJudgement, DustReference, DustThreshold
from sitewatch.alarms.services import threshold_new_version
from sitewatch.core.admin_base import ScopedAdmin

REVISED_FIELDS = ("parameter", "period", "mode", "warning_value", "alarm_value", "enabled")


def _maintains_thresholds(request) -> bool:
    """The city administrator and the platform operator keep thresholds and reference values."""
    user = request.user
    return bool(getattr(user, "is_city_admin", False) or getattr(user, "role", None) == Role.OPERATOR)


class _MaintainedAdmin(ScopedAdmin):
    def _may_write(self, request) -> bool:
        return self.admin_site.has_permission(request) and _maintains_thresholds(request)


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = DustThreshold
        fields = ("parameter", "period", "mode", "warning_value", "alarm_value", "enabled", "effective_from", "note")

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        if value is not None and value < timezone.now() - dt.timedelta(minutes=1):
            raise forms.ValidationError("生效时间不能早于当前时间：已判定的时段不会按新版本重新判定。")
        return value


@admin.register(DustThreshold)
class DustThresholdAdmin(_MaintainedAdmin):
    """Adding is the only edit: each save is a new version; existing versions are read-only."""

    form = ThresholdForm
    list_display = ("__str__", "mode", "warning_value", "alarm_value", "enabled", "effective_from", "created_by",
                    "revise_link")
    list_filter = ("parameter", "period", "mode")
    readonly_fields = ("version", "created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        fields = list(ThresholdForm.Meta.fields)
        return fields + ["version", "created_by", "created_at"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = threshold_new_version(
            parameter=data["parameter"], period=data["period"], mode=data["mode"],
            warning_value=data["warning_value"], alarm_value=data["alarm_value"], enabled=data["enabled"],
            effective_from=data.get("effective_from"), note=data["note"], by=request.user, now=timezone.now(),
        )
        obj.pk, obj.version, obj.created_by, obj.created_at = created.pk, created.version, request.user, created.created_at

    @admin.display(description="修订")
    def revise_link(self, obj):
        values = {name: getattr(obj, name) for name in REVISED_FIELDS}
        values = {k: ("on" if v is True else "" if v is False else v) for k, v in values.items() if v is not None}
        url = reverse("admin:alarms_dustthreshold_add") + "?" + urlencode(values)
        return format_html('<a href="{}">基于此版本新增版本</a>', url)


@admin.register(DustReference)
class DustReferenceAdmin(_MaintainedAdmin):
    list_display = ("district", "parameter", "hour", "value", "source", "entered_by", "updated_at")
    list_filter = ("district", "parameter")
    date_hierarchy = "hour"
    fields = ("district", "parameter", "hour", "value", "source", "entered_by", "entered_at", "updated_at")
    readonly_fields = ("entered_by", "entered_at", "updated_at")

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        if not obj.source:
            obj.source = "管理后台录入"
        super().save_model(request, obj, form, change)


class _RecordAdmin(ScopedAdmin):
    """Read-only records of visible devices."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(device__in=self._scope(request).devices())

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Alarm)
class AlarmAdmin(_RecordAdmin):
    list_display = ("device", "parameter", "period", "level", "started_at", "ended_at", "peak_value", "peak_at",
                    "threshold")
    list_filter = ("level", "period", "parameter", "device__project__district")
    search_fields = ("device__name", "device__project__name")
    list_select_related = ("device", "threshold")


@admin.register(DustJudgement)
class DustJudgementAdmin(_RecordAdmin):
    list_display = ("device", "parameter", "period", "period_start", "coverage", "mean", "reference",
                    "judged_value", "outcome", "threshold")
    list_filter = ("outcome", "period", "parameter")
    search_fields = ("device__name", "device__project__name")
    list_select_related = ("device", "threshold")
