"""Dust thresholds (versioned data), reference values, judged periods and alarms (DOMAIN §9).

Every state change is a row (ARCHITECTURE rule 2): a threshold is never edited, a new
version is added; each judged hour or day is a DustJudgement row with the values and the
threshold version it was judged by; an alarm keeps the version in force when it opened.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sitewatch.lib.dates import SHANGHAI
from sitewatch.telemetry.models import PARAMETERS

# The dust parameters that can carry thresholds: the canonical columns of telemetry.Reading.
JUDGED_PARAMETERS = ("pm25", "pm10", "tsp", "noise")
PARAMETER_CHOICES = [(name, PARAMETERS[name][1]) for name in JUDGED_PARAMETERS]


def parameter_label(name: str) -> str:
    return PARAMETERS[name][1]


def parameter_unit(name: str) -> str:
    return PARAMETERS[name][2]


class Period(models.TextChoices):
    REALTIME = "realtime", "实时值"
    HOURLY = "hourly", "小时均值"
    DAILY = "daily", "日均值"


class Mode(models.TextChoices):
    ABSOLUTE = "absolute", "绝对值"
    DIFFERENCE = "difference", "与参照值之差"


class Level(models.TextChoices):
    WARNING = "warning", "预警"
    ALARM = "alarm", "报警"


LEVEL_RANK = {Level.WARNING: 1, Level.ALARM: 2}


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("阈值版本不可修改：请新增一个版本。")


class DustThreshold(models.Model):
    """One version of the threshold of one parameter and averaging period.

    The version in force for a period is the newest whose `effective_from` is not after the
    period's start; a version with `enabled` off stops judging from then on.
    """

    parameter = models.CharField("监测参数", max_length=20, choices=PARAMETER_CHOICES)
    period = models.CharField("判定时段", max_length=10, choices=Period.choices)
    version = models.PositiveIntegerField("版本号", editable=False)
    mode = models.CharField("判定方式", max_length=12, choices=Mode.choices, default=Mode.ABSOLUTE)
    warning_value = models.FloatField("预警阈值", null=True, blank=True,
                                      help_text="达到（≥，含本数）即预警；留空则不设预警。")
    alarm_value = models.FloatField("报警阈值", null=True, blank=True,
                                    help_text="达到（≥，含本数）即报警；留空则不设报警。")
    enabled = models.BooleanField("启用", default=True, help_text="不勾选即自生效时间起停止判定该参数与时段。")
    effective_from = models.DateTimeField("生效时间", blank=True,
                                          help_text="自该时间开始的时段按本版本判定（时段按其开始时间归属）；"
                                                    "留空为保存时立即生效，不能早于当前时间。")
    note = models.CharField("修订说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["parameter", "period", "-version"]
        verbose_name = verbose_name_plural = "扬尘阈值（版本）"
        constraints = [
            models.UniqueConstraint(fields=["parameter", "period", "version"], name="dust_threshold_version_unique"),
            models.CheckConstraint(
                condition=Q(warning_value__isnull=True) | Q(alarm_value__isnull=True)
                | Q(warning_value__lt=models.F("alarm_value")),
                name="dust_threshold_warning_below_alarm",
                violation_error_message="预警阈值应小于报警阈值。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_parameter_display()}{self.get_period_display()} 第{self.version}版"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("阈值版本不可修改：请新增一个版本。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("阈值版本不可删除：请新增一个停用的版本。")

    @property
    def unit(self) -> str:
        return parameter_unit(self.parameter)

    @property
    def summary(self) -> str:
        """"PM10小时均值 ≥150 预警、≥200 报警（µg/m³）" and the like, for notes and notices."""
        if not self.enabled:
            return f"{self.get_parameter_display()}{self.get_period_display()}：停止判定"
        prefix = "与参照值之差" if self.mode == Mode.DIFFERENCE else ""
        parts = []
        if self.warning_value is not None:
            parts.append(f"{prefix}≥{_number(self.warning_value)}预警")
        if self.alarm_value is not None:
            parts.append(f"{prefix}≥{_number(self.alarm_value)}报警")
        return f"{self.get_parameter_display()}{self.get_period_display()}{'、'.join(parts)}（{self.unit}）"

    def clean(self) -> None:
        errors = {}
        if self.enabled and self.warning_value is None and self.alarm_value is None:
            errors["alarm_value"] = "启用的阈值至少要填写预警阈值或报警阈值之一。"
        if self.warning_value is not None and self.alarm_value is not None and self.warning_value >= self.alarm_value:
            errors["warning_value"] = "预警阈值应小于报警阈值。"
        if self.period == Period.REALTIME and self.mode == Mode.DIFFERENCE:
            # Reference values are hourly (the concurrent station mean), so only averages compare with them.
            errors["mode"] = "参照值为小时值，实时值只能按绝对值判定。"
        for name in ("warning_value", "alarm_value"):
            value = getattr(self, name)
            if value is not None and self.mode == Mode.ABSOLUTE and value < 0:
                errors[name] = "绝对值阈值不能为负数。"
        if errors:
            raise ValidationError(errors)


def _number(value: float) -> str:
    return f"{value:g}"


def _local(moment) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


class DustReference(models.Model):
    """The reference value of one district, parameter and hour (e.g. the mean of the district's
    national and provincial air stations), for the difference mode."""

    district = models.ForeignKey("registry.District", verbose_name="县（市、区）", on_delete=models.PROTECT,
                                 related_name="dust_references")
    parameter = models.CharField("监测参数", max_length=20, choices=PARAMETER_CHOICES, default="pm10")
    hour = models.DateTimeField("时段开始", help_text="整点，例如 10:00 表示 10:00—11:00 的小时值。")
    value = models.FloatField("参照值")
    source = models.CharField("来源", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-hour", "district__sort_order", "parameter"]
        verbose_name = verbose_name_plural = "扬尘参照值"
        constraints = [
            models.UniqueConstraint(fields=["district", "parameter", "hour"], name="dust_reference_unique",
                                    violation_error_message="该县（市、区）该时段的参照值已录入。"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.get_parameter_display()} {_local(self.hour)}"

    def clean(self) -> None:
        if self.hour is not None and (self.hour.minute or self.hour.second or self.hour.microsecond):
            raise ValidationError({"hour": "时段开始须为整点。"})
        if self.value is not None and self.value < 0:
            raise ValidationError({"value": "参照值不能为负数。"})


class Outcome(models.TextChoices):
    OK = "ok", "未超标"
    WARNING = "warning", "预警"
    ALARM = "alarm", "报警"
    INSUFFICIENT = "insufficient", "数据不足，不判定"
    UNDETERMINABLE = "undeterminable", "无法判定（无参照值）"


class DustJudgement(models.Model):
    """One judged hour or day of one parameter of one device: the evidence behind alarms."""

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE,
                               related_name="dust_judgements")
    parameter = models.CharField("监测参数", max_length=20, choices=PARAMETER_CHOICES)
    period = models.CharField("判定时段", max_length=10, choices=Period.choices)
    period_start = models.DateTimeField("时段开始")
    coverage = models.PositiveSmallIntegerField("有效数据量", help_text="小时：有数据的分钟数；日：有效小时数。")
    mean = models.FloatField("均值", null=True, blank=True)
    reference = models.FloatField("参照值", null=True, blank=True)
    judged_value = models.FloatField("判定值", null=True, blank=True, help_text="绝对值方式为均值；差值方式为均值减参照值。")
    threshold = models.ForeignKey(DustThreshold, verbose_name="阈值版本", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("判定结果", max_length=20, choices=Outcome.choices)
    created_at = models.DateTimeField("判定时间", auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "device_id", "parameter"]
        verbose_name = verbose_name_plural = "扬尘判定记录"
        constraints = [
            models.UniqueConstraint(fields=["device", "parameter", "period", "period_start"],
                                    name="dust_judgement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.get_parameter_display()}{self.get_period_display()} " \
               f"{_local(self.period_start)} {self.get_outcome_display()}"


class ClosedReason(models.TextChoices):
    RECOVERED = "recovered", "恢复至阈值以下"
    THRESHOLD_OFF = "threshold_off", "阈值停用"


class Alarm(models.Model):
    """An exceedance: opened by the first exceeding period, extended by the following ones,
    closed by the first period judged under the threshold (end = that period's start)."""

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE, related_name="alarms")
    parameter = models.CharField("监测参数", max_length=20, choices=PARAMETER_CHOICES)
    period = models.CharField("判定时段", max_length=10, choices=Period.choices)
    level = models.CharField("级别", max_length=10, choices=Level.choices, help_text="持续期间达到的最高级别。")
    started_at = models.DateTimeField("开始时间", db_index=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    last_exceeding_at = models.DateTimeField("最后超标时段")
    peak_value = models.FloatField("峰值", help_text="判定值的最大值；差值方式为均值减参照值。")
    peak_at = models.DateTimeField("峰值时间")
    threshold = models.ForeignKey(DustThreshold, verbose_name="阈值版本", on_delete=models.PROTECT,
                                  related_name="alarms", help_text="开始时生效的阈值版本。")
    closed_reason = models.CharField("结束原因", max_length=20, choices=ClosedReason.choices, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束记录时间", null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = verbose_name_plural = "扬尘超标报警"
        constraints = [
            models.UniqueConstraint(fields=["device", "parameter", "period"], condition=Q(ended_at__isnull=True),
                                    name="alarm_one_open_per_device_parameter_period"),
        ]
        indexes = [models.Index(fields=["device", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_parameter_display()}{self.get_period_display()}{self.get_level_display()} " \
               f"{_local(self.started_at)}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def unit(self) -> str:
        return parameter_unit(self.parameter)


class EvaluationCursor(models.Model):
    """How far one device's periods have been judged; claimed with a conditional UPDATE
    (`filter(position=old).update(position=new) == 1`) so that several copies of the monitor
    loop never judge the same period twice."""

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE, related_name="+")
    period = models.CharField("判定时段", max_length=10, choices=Period.choices)
    position = models.DateTimeField("已判定至")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "报警判定进度"
        constraints = [models.UniqueConstraint(fields=["device", "period"], name="evaluation_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.period} {_local(self.position)}"
