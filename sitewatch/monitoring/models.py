"""Online state. Every change of a device's state is a Flip row: offline rate, fix time and
violations are all computed from flips (ARCHITECTURE rule 2; healthchecks' Flip)."""

from __future__ import annotations

from django.db import models

CRC_VARIANTS = [
    ("", "标准算法（HJ 212 附录A）"),
    ("modbus", "CRC-16/MODBUS（高字节在前）"),
    ("modbus_swapped", "CRC-16/MODBUS（低字节在前）"),
    ("standard_swapped", "标准算法（字节顺序颠倒）"),
    ("none", "不校验"),
]


class Protocol(models.TextChoices):
    HJ212 = "hj212", "HJ 212"
    GB28181 = "gb28181", "GB/T 28181"


class DeviceState(models.Model):
    """The current state of one device; the monitor loop claims rows with a conditional UPDATE."""

    device = models.OneToOneField("registry.Device", verbose_name="设备", on_delete=models.CASCADE,
                                  primary_key=True, related_name="state")
    online = models.BooleanField("在线", default=False)
    last_seen = models.DateTimeField("最后收到数据", null=True, blank=True, db_index=True)
    changed_at = models.DateTimeField("状态变化时间", null=True, blank=True)
    remote_addr = models.CharField("来源地址", max_length=64, blank=True)
    crc_variant = models.CharField("CRC算法", max_length=20, blank=True, choices=CRC_VARIANTS,
                                   help_text="HJ 212 设备使用的 CRC 变体；空为标准算法（自动识别后记录）。")
    clock_skew_seconds = models.IntegerField("设备时钟偏差（秒）", null=True, blank=True,
                                             help_text="设备数据时间减去平台收到时间。")

    class Meta:
        verbose_name = verbose_name_plural = "设备在线状态"

    def __str__(self) -> str:
        return f"{self.device_id} {'在线' if self.online else '离线'}"


class FlipReason(models.TextChoices):
    DATA = "data", "收到数据"
    SILENCE = "silence", "超时无数据"
    REGISTER = "register", "设备注册"
    UNREGISTER = "unregister", "设备注销"
    KEEPALIVE_MISSED = "keepalive_missed", "心跳超时"
    PARENT_OFFLINE = "parent_offline", "上级设备离线"


class Flip(models.Model):
    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE, related_name="flips")
    old_online = models.BooleanField("原状态在线", null=True)
    new_online = models.BooleanField("新状态在线")
    reason = models.CharField("原因", max_length=20, choices=FlipReason.choices)
    at = models.DateTimeField("发生时间", db_index=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "上下线记录"
        indexes = [models.Index(fields=["device", "at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {'上线' if self.new_online else '离线'} {self.at:%Y-%m-%d %H:%M}"


class UnregisteredReason(models.TextChoices):
    UNKNOWN = "unknown", "未登记的设备标识"
    BAD_PASSWORD = "bad_password", "密码错误"
    WRONG_KIND = "wrong_kind", "设备类型不符"


class UnregisteredDevice(models.Model):
    """A device identifier that tried to talk to the platform without being registered (未登记设备)."""

    protocol = models.CharField("协议", max_length=10, choices=Protocol.choices)
    identifier = models.CharField("设备标识", max_length=64)
    reason = models.CharField("原因", max_length=20, choices=UnregisteredReason.choices, default=UnregisteredReason.UNKNOWN)
    district = models.ForeignKey("registry.District", verbose_name="推定辖区", on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 help_text="能从设备登记信息或编码推定时填写，用于县（市、区）查看。")
    remote_address = models.CharField("来源地址", max_length=64, blank=True)
    first_seen = models.DateTimeField("首次出现")
    last_seen = models.DateTimeField("最近出现", db_index=True)
    count = models.PositiveIntegerField("次数", default=0)
    sample = models.TextField("报文样例", blank=True)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = verbose_name_plural = "未登记设备"
        constraints = [models.UniqueConstraint(fields=["protocol", "identifier"], name="unregistered_unique")]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} {self.identifier}"
