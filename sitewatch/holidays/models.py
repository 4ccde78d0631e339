"""The official working-day calendar: which years are known, and each year's exceptions.

A day is a working day when it is Monday–Friday and not a listed holiday, or when it is
a listed make-up working day (调休). A year without a CalendarYear row is unknown: the
workdays module refuses to compute with it rather than guess (DOMAIN §4 decision).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source_notice = models.CharField(
        "依据通知", max_length=300, help_text="例如：国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "年度放假安排"

    def __str__(self) -> str:
        return f"{self.year}年"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class CalendarDay(models.Model):
    calendar = models.ForeignKey(CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日", max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "放假与调休日期"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"

    def clean(self) -> None:
        if self.date and self.calendar_id and self.date.year != self.calendar_id:
            # A holiday may spill over the new year (e.g. 1 January of the next year is
            # its own year's notice), so each date must belong to its own year's row.
            raise ValidationError({"date": f"日期 {self.date} 不属于 {self.calendar_id} 年。"})
