"""The weekly integrator assessment (附件7, DOMAIN §8): offline episodes of points with their
SMS notices and recovery reports, the weekly results with their evidence, and the sanctions
they trigger (written to registry.FirmSanction, which the onboarding procedure reads)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class PointWatch(models.Model):
    """The episode sweep's memory of one point: since when and for how many consecutive
    sweeps it has been seen offline (the debounce before an episode opens)."""

    point = models.OneToOneField("registry.MonitoringPoint", verbose_name="监控点位", on_delete=models.CASCADE,
                                 primary_key=True, related_name="watch")
    offline_since = models.DateTimeField("离线起始", null=True, blank=True)
    offline_sweeps = models.PositiveIntegerField("连续离线巡检次数", default=0)
    checked_at = models.DateTimeField("最近巡检", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "点位巡检状态"

    def __str__(self) -> str:
        return f"{self.point_id} 连续离线 {self.offline_sweeps} 次"


class OfflineEpisode(models.Model):
    """A point offline past the debounce, until it is seen online again. Fix time counts from
    the first SMS notice to the integrator (``notified_at``), per the guideline."""

    point = models.ForeignKey("registry.MonitoringPoint", verbose_name="监控点位", on_delete=models.CASCADE,
                              related_name="episodes")
    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.CASCADE,
                                related_name="episodes")
    integrator = models.ForeignKey("registry.Firm", verbose_name="系统集成商", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="episodes")
    started_at = models.DateTimeField("离线起始", db_index=True)
    opened_at = models.DateTimeField("确认离线", help_text="连续两次巡检离线且满去抖时长时确认。")
    closed_at = models.DateTimeField("恢复在线", null=True, blank=True, db_index=True)
    notice = models.ForeignKey("notifications.Notification", verbose_name="首次短信通知", on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    notified_at = models.DateTimeField("短信通知时间", null=True, blank=True,
                                       help_text="首次发给系统集成商的短信的发送时间，修复时间自此起算。")
    reported_at = models.DateTimeField("告知恢复时间", null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="告知人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    report_note = models.CharField("告知说明", max_length=300, blank=True)
    report_verdict = models.CharField("核对结果", max_length=12, blank=True, choices=[
        ("confirmed", "与数据一致"), ("contradicted", "与数据不符")])

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = verbose_name_plural = "离线事件"
        constraints = [models.UniqueConstraint(fields=["point"], condition=Q(closed_at__isnull=True),
                                               name="one_open_episode_per_point")]

    def __str__(self) -> str:
        return f"{self.point} {self.started_at:%Y-%m-%d %H:%M}"


class EpisodeNotice(models.Model):
    """One SMS about an episode to one number: the first notice, or a daily digest while the
    episode stays open. The unique constraint makes each one at most once, even with several
    copies of the sweep."""

    episode = models.ForeignKey(OfflineEpisode, verbose_name="离线事件", on_delete=models.CASCADE,
                                related_name="notices")
    notification = models.ForeignKey("notifications.Notification", verbose_name="通知", on_delete=models.CASCADE,
                                     related_name="+")
    phone = models.CharField("手机号", max_length=30)
    kind = models.CharField("类型", max_length=8, choices=[("first", "首次通知"), ("digest", "每日汇总")])
    day = models.DateField("日期（北京时间）")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "离线短信"
        constraints = [models.UniqueConstraint(fields=["episode", "phone", "kind", "day"], name="episode_notice_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class Assessment(models.Model):
    """One integrator's weekly result, with the evidence it was computed from (the same
    document ``sitewatch assess --evidence`` recomputes)."""

    integrator = models.ForeignKey("registry.Firm", verbose_name="系统集成商", on_delete=models.PROTECT,
                                   related_name="assessments")
    week_start = models.DateField("考核周起始", db_index=True)
    check_time = models.DateTimeField("检查时间")
    score = models.PositiveSmallIntegerField("得分")
    result = models.JSONField("逐项结果")
    evidence = models.JSONField("证据")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        ordering = ["-week_start", "score", "id"]
        verbose_name = verbose_name_plural = "周考核结果"
        constraints = [models.UniqueConstraint(fields=["integrator", "week_start"], name="assessment_once_a_week")]

    def __str__(self) -> str:
        return f"{self.integrator} {self.week_start} {self.score}分"


class SanctionTrigger(models.Model):
    """Which low scores a sanction counted (each sanction names them)."""

    sanction = models.ForeignKey("registry.FirmSanction", verbose_name="处理措施", on_delete=models.CASCADE,
                                 related_name="triggers")
    period = models.CharField("计分周期", max_length=10)  # "2026-W48" or "2026-11"
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    ordinal = models.PositiveSmallIntegerField("滚动12个月内第几次低于60分")

    class Meta:
        ordering = ["sanction_id", "ordinal"]
        verbose_name = verbose_name_plural = "处理措施依据"

    def __str__(self) -> str:
        return f"{self.period} {self.score}分（第{self.ordinal}次）"


class Bulletin(models.Model):
    """The monthly public bulletin of the integrator assessment (附件7), as the city bureau
    published it: the ranking and its 口径说明 frozen in ``snapshot`` at publication, so that
    a later recomputation (a corrected week, a renamed firm, a changed setting) never
    changes what the public was shown. Never updated; one per month."""

    month = models.DateField("月份", unique=True, help_text="该月1日。")
    title = models.CharField("标题", max_length=120)
    snapshot = models.JSONField("发布时的排名与口径说明")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField("发布时间")

    class Meta:
        ordering = ["-month"]
        verbose_name = verbose_name_plural = "月度考核通报"

    def __str__(self) -> str:
        return self.title
