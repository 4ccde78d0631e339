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
    PARENT_ONLINE = "parent_online", "上级设备恢复在线"
    CATALOG_ON = "catalog_on", "目录状态在线"
    CATALOG_OFF = "catalog_off", "目录状态离线"
    VIDEO_LOST = "video_lost", "视频丢失（VLOST）"
    DEFECT = "defect", "通道故障（DEFECT）"
    CHANNEL_REMOVED = "channel_removed", "通道已从目录删除"
    GATEWAY_RESTART = "gateway_restart", "网关重启后未重新上报"


class Flip(models.Model):
    """A device's state change, or (with ``channel``) one of its GB/T 28181 channels'."""

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE, related_name="flips")
    channel = models.ForeignKey("monitoring.Channel", verbose_name="通道", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="flips")
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


class Transport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"


class GbRegistration(models.Model):
    """What the SIP gateway knows of a registered GB/T 28181 device (NVR or camera)."""

    device = models.OneToOneField("registry.Device", verbose_name="设备", on_delete=models.CASCADE,
                                  primary_key=True, related_name="gb_registration")
    registered = models.BooleanField("已注册", default=False)
    transport = models.CharField("信令传输", max_length=3, choices=Transport.choices, blank=True)
    contact_address = models.CharField("信令地址", max_length=64, blank=True,
                                       help_text="最近一次注册或心跳的来源地址（NAT 后的实际地址），平台请求发往此处。")
    registered_at = models.DateTimeField("注册时间", null=True, blank=True)
    expires_at = models.DateTimeField("注册有效期至", null=True, blank=True)
    last_keepalive_at = models.DateTimeField("最后心跳", null=True, blank=True)
    keepalive_interval = models.PositiveIntegerField("心跳周期（秒）", null=True, blank=True,
                                                     help_text="设备 BasicParam 上报的值；空则用平台默认。")
    keepalive_misses = models.PositiveIntegerField("心跳超时次数", null=True, blank=True)
    user_agent = models.CharField("User-Agent", max_length=100, blank=True)
    gb_version = models.CharField("国标版本（X-GB-Ver）", max_length=8, blank=True)
    manufacturer = models.CharField("厂商", max_length=64, blank=True)
    model_name = models.CharField("型号", max_length=64, blank=True)
    firmware = models.CharField("固件版本", max_length=64, blank=True)
    channel_count = models.PositiveIntegerField("通道数", null=True, blank=True)
    facts_at = models.DateTimeField("设备信息查询时间", null=True, blank=True)
    catalog_at = models.DateTimeField("最近目录查询完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "国标设备注册"

    def __str__(self) -> str:
        return f"{self.device_id} {'已注册' if self.registered else '未注册'}"


class ChannelStatus(models.TextChoices):
    ON = "ON", "在线"
    OFF = "OFF", "离线"
    VLOST = "VLOST", "视频丢失"
    DEFECT = "DEFECT", "故障"
    UNKNOWN = "", "未知"


class ResolutionSource(models.TextChoices):
    DEVICE_CONFIG = "device_config", "设备配置查询"
    MEASURED = "measured", "码流实测"


class Channel(models.Model):
    """A video channel of an NVR or camera, from its catalogue (目录). A point is assigned by
    the operator; the channel's state is the device's and the catalogue's together: an
    offline NVR takes its channels with it, and an OFF channel is offline under an online NVR."""

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE,
                               related_name="channels")
    gb_channel_id = models.CharField("通道编码", max_length=20)
    name = models.CharField("通道名称", max_length=100, blank=True)
    manufacturer = models.CharField("厂商", max_length=64, blank=True)
    model = models.CharField("型号", max_length=64, blank=True)
    parent_id = models.CharField("上级编码", max_length=20, blank=True)
    catalog_status = models.CharField("目录状态", max_length=8, choices=ChannelStatus.choices, blank=True)
    in_catalog = models.BooleanField("在设备目录中", default=True,
                                     help_text="最近一次完整目录不再包含该通道，或设备通知删除时为否；记录保留。")
    online = models.BooleanField("在线", default=False)
    changed_at = models.DateTimeField("状态变化时间", null=True, blank=True)
    first_seen = models.DateTimeField("首次出现")
    last_catalog_at = models.DateTimeField("最近目录上报")
    point = models.ForeignKey("registry.MonitoringPoint", verbose_name="监控点位", on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="channels")
    main_resolution = models.CharField("主码流分辨率", max_length=16, blank=True)
    sub_resolution = models.CharField("子码流分辨率", max_length=16, blank=True)
    resolution_source = models.CharField("分辨率来源", max_length=16, choices=ResolutionSource.choices, blank=True)
    resolution_at = models.DateTimeField("分辨率获取时间", null=True, blank=True)

    class Meta:
        ordering = ["device_id", "gb_channel_id"]
        verbose_name = verbose_name_plural = "视频通道"
        constraints = [models.UniqueConstraint(fields=["device", "gb_channel_id"], name="channel_unique_in_device")]

    def __str__(self) -> str:
        return f"{self.name or self.gb_channel_id}"


class Stream(models.TextChoices):
    MAIN = "main", "主码流"
    SUB = "sub", "子码流"


class StreamResolution(models.Model):
    """A channel's stream resolution as observed, a row each time it is first seen or changes
    (the channel holds the latest and when it was last confirmed)."""

    channel = models.ForeignKey(Channel, verbose_name="通道", on_delete=models.CASCADE, related_name="resolutions")
    stream = models.CharField("码流", max_length=4, choices=Stream.choices)
    resolution = models.CharField("分辨率", max_length=16)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    source = models.CharField("来源", max_length=16, choices=ResolutionSource.choices)
    at = models.DateTimeField("获取时间", db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "码流分辨率记录"

    def __str__(self) -> str:
        return f"{self.channel_id} {self.stream} {self.resolution}"
