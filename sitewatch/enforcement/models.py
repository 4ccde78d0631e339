"""Violation records (附件6). The procedures and the detection loops open them; the
enforcement issue (#7) adds the case workflow, orders, re-checks and notices on top."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ViolationKind(models.TextChoices):
    """The guideline's seven types (DOMAIN §7), in its order."""

    NO_VIDEO = "no_video", "未安装视频监控设备"
    CAMERAS_SHORT = "cameras_short", "监控摄像头数量、部分不符合要求"
    NOT_CONNECTED = "not_connected", "未接入监管平台"
    NOT_VIEWABLE = "not_viewable", "视频图像不可视"
    SITE_BEHAVIOUR = "site_behaviour", "后台影像线上巡查施工行为违规"
    NO_DUST_MONITOR = "no_dust_monitor", "未安装扬尘在线监测设备"
    DUST_OFFLINE = "dust_offline", "扬尘监测未联网"


class Violation(models.Model):
    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="violations")
    point = models.ForeignKey("registry.MonitoringPoint", verbose_name="点位", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="violations")
    kind = models.CharField("违规类型", max_length=20, choices=ViolationKind.choices)
    is_open = models.BooleanField("未结案", default=True)
    found_at = models.DateTimeField("发现时间", db_index=True)
    source = models.CharField("发现途径", max_length=40,
                              help_text="如 cannot_connect_statement（不能接入说明逾期）、detection（自动检测）。")
    detail = models.TextField("情况说明")

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = verbose_name_plural = "违规记录"
        constraints = [
            # At most one open case per project, point and type: detection loops and the
            # statements may run as several copies.
            models.UniqueConstraint(fields=["project", "kind"], condition=Q(is_open=True, point__isnull=True),
                                    name="violation_open_per_project"),
            models.UniqueConstraint(fields=["project", "point", "kind"], condition=Q(is_open=True),
                                    name="violation_open_per_point"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"
