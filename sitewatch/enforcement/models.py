"""Violations and their rectification (附件6, DOMAIN §7): the seven types as editable data
with their history, each violation a case that moves through the transition table in
``workflows.py`` (every step a row with who, when and why), its evidence files, the
measures an escalation records, and the on-site and video-patrol records that find them.
The procedures (an overdue cannot-connect statement) and the detection loop open cases too."""

from __future__ import annotations

from django.conf import settings
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


class CaseState(models.TextChoices):
    FOUND = "found", "已发现"
    ORDERED = "ordered", "限期整改中"
    REPORTED = "reported", "已报整改，待复查"
    ESCALATED = "escalated", "复查未通过，升级处理"
    CLOSED = "closed", "已结案"
    DISMISSED = "dismissed", "已撤销"


OPEN_STATES = (CaseState.FOUND, CaseState.ORDERED, CaseState.REPORTED, CaseState.ESCALATED)


class MeasureKind(models.TextChoices):
    """What an escalation records, by type (DOMAIN §7)."""

    DEDUCTION = "deduction", "建议省级动态扣分（SG5-6，施工单位扣5分）"
    FINE = "fine", "罚款建议（5万元以上10万元以下）"
    INTERVIEW = "interview", "约谈（县（市、区）监督站督促整改）"
    DIFFERENTIATED = "differentiated", "差异化管理措施"


class ViolationType(models.Model):
    """One of the seven types as data the city administrator edits (each edit keeps a
    ``ViolationTypeRevision``)."""

    kind = models.CharField("违规类型", max_length=20, choices=ViolationKind.choices, unique=True)
    number = models.PositiveSmallIntegerField("序号（附件6）")
    found_by = models.CharField("发现方式", max_length=100)
    measures = models.TextField("处理措施")
    legal_basis = models.TextField("法律依据", help_text="印在整改通知书和升级处理记录上，写明法规名称、版本和条款。")
    rectify_days = models.PositiveSmallIntegerField("整改期限（工作日）")
    auto_recheck = models.BooleanField("依据平台数据自动复查", default=False)
    escalations = models.JSONField("升级处理措施", default=list, help_text="复查未通过时记录的措施代码列表。")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = verbose_name_plural = "违规类型"

    def __str__(self) -> str:
        return f"{self.number}. {self.get_kind_display()}"


class ViolationTypeRevision(models.Model):
    """A type as it was before an edit, with who changed it and when."""

    violation_type = models.ForeignKey(ViolationType, verbose_name="违规类型", on_delete=models.CASCADE,
                                       related_name="revisions")
    snapshot = models.JSONField("修改前内容")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField("修改时间")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = verbose_name_plural = "违规类型修改记录"

    def __str__(self) -> str:
        return f"{self.violation_type} {self.changed_at:%Y-%m-%d %H:%M}"


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
    state = models.CharField("案件状态", max_length=12, choices=CaseState.choices, default=CaseState.FOUND,
                             db_index=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发现人", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+", help_text="空：平台自动检测。")
    ordered_at = models.DateTimeField("下达整改时间", null=True, blank=True)
    due_date = models.DateField("整改期限", null=True, blank=True)
    due_note = models.CharField("期限说明", max_length=200, blank=True,
                                help_text="期限无法计算（该年放假安排未录入）时的原因。")
    reported_at = models.DateTimeField("报告整改时间", null=True, blank=True)
    cleared_since = models.DateTimeField("数据恢复正常起", null=True, blank=True,
                                         help_text="自动复查：违规情形自此时起不再存在。")
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)

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


class CaseStep(models.Model):
    """One step of a case: who (a user, or the platform), when, the action and why."""

    violation = models.ForeignKey(Violation, verbose_name="违规记录", on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=20)
    from_state = models.CharField("原状态", max_length=12, blank=True)
    to_state = models.CharField("新状态", max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField("办理人（单位）", max_length=200)
    at = models.DateTimeField("时间")
    opinion = models.TextField("意见或理由", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "违规办理记录"

    def __str__(self) -> str:
        return f"{self.violation_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class CaseEvidence(models.Model):
    """A file of a case (a photo, a screenshot, a document), checked by content and stored
    under UPLOAD_ROOT like the application materials."""

    violation = models.ForeignKey(Violation, verbose_name="违规记录", on_delete=models.CASCADE,
                                  related_name="evidence")
    step = models.ForeignKey(CaseStep, verbose_name="办理记录", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="evidence")
    caption = models.CharField("说明", max_length=200, blank=True)
    path = models.CharField("存储路径", max_length=300)
    file_type = models.CharField("文件类型", max_length=8)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = verbose_name_plural = "违规证据"

    def __str__(self) -> str:
        return self.caption or self.original_name or self.path


class CaseMeasure(models.Model):
    """A measure recorded when a case is escalated: a recommendation for the provincial
    dynamic score (entered there by hand), a fine proposal, an interview, other measures."""

    violation = models.ForeignKey(Violation, verbose_name="违规记录", on_delete=models.CASCADE,
                                  related_name="measures")
    kind = models.CharField("措施", max_length=16, choices=MeasureKind.choices)
    amount = models.DecimalField("扣分或金额", max_digits=12, decimal_places=2, null=True, blank=True,
                                 help_text="扣分：分；罚款建议：元。")
    detail = models.TextField("说明")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_by_name = models.CharField("决定人（单位）", max_length=200)
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = verbose_name_plural = "升级处理措施"

    def __str__(self) -> str:
        return self.get_kind_display()


class SiteRecordKind(models.TextChoices):
    ONSITE = "onsite", "现场检查"
    PATROL = "patrol", "视频巡查"


class SiteRecord(models.Model):
    """A district inspector's on-site check (types 1, 2, 6) or a video-patrol record (type 5):
    what was seen, where and when; the case it opened, if any."""

    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="site_records")
    kind = models.CharField("记录类型", max_length=8, choices=SiteRecordKind.choices)
    observed_at = models.DateTimeField("检查（巡查）时间")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    behaviours = models.JSONField("违规行为", default=list, blank=True)
    findings = models.TextField("检查情况")
    violation = models.OneToOneField(Violation, verbose_name="违规记录", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="site_record")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_by_name = models.CharField("记录人（单位）", max_length=200)
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-observed_at", "-id"]
        verbose_name = verbose_name_plural = "检查巡查记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.project} {self.observed_at:%Y-%m-%d %H:%M}"
