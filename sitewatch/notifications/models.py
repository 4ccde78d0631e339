"""Notifications: each message is a row written before it is sent, its result written after
(healthchecks' Notification). Every row is readable in the outbox on the platform
(/notifications/); with an SMS transport switched on, rows with a phone number are also sent
as text messages (口径 K-S1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sitewatch.lib.dates import SHANGHAI


class Status(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Notification(models.Model):
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收件用户", on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="notifications")
    recipient_firm = models.ForeignKey("registry.Firm", verbose_name="收件单位", on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="notifications")
    recipient_name = models.CharField("收件人", max_length=100, blank=True)
    recipient_phone = models.CharField("手机号", max_length=30, blank=True)
    channel = models.CharField("通道", max_length=20)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    related_model = models.CharField("关联对象类型", max_length=100, blank=True, help_text="模型标识，例如 alarms.alarm。")
    related_id = models.CharField("关联对象编号", max_length=64, blank=True)
    created_at = models.DateTimeField("生成时间", db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField("错误信息", blank=True)
    # The guideline counts the time to fix from the SMS notice: sent_at is when the provider
    # accepted the message and provider_message_id its receipt (阿里云 BizId, 腾讯云 SerialNo).
    provider_message_id = models.CharField("短信平台回执编号", max_length=100, blank=True,
                                           help_text="阿里云短信的 BizId 或腾讯云短信的 SerialNo，可凭此向短信平台查询送达情况。")
    error_code = models.CharField("错误码", max_length=100, blank=True, help_text="短信平台返回的错误码。")
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_attempt_at = models.DateTimeField("最近一次发送时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True,
                                           help_text="短信平台暂时不可用或限流时，到此时间后再试。")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "通知"
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_user__isnull=False) | Q(recipient_firm__isnull=False) | ~Q(recipient_phone=""),
                name="notification_has_recipient",
                violation_error_message="通知至少要有收件用户、收件单位或手机号之一。",
            ),
        ]
        indexes = [models.Index(fields=["related_model", "related_id"])]

    def __str__(self) -> str:
        return f"{self.created_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} {self.recipient_name} {self.subject}"

    @property
    def recipient_label(self) -> str:
        parts = [self.recipient_name or (self.recipient_firm.name if self.recipient_firm_id else "")]
        if self.recipient_phone:
            parts.append(self.recipient_phone)
        return " ".join(p for p in parts if p) or "—"
