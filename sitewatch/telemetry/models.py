"""Dust readings as devices send them, and the operator's alias and unit table."""

from __future__ import annotations

from django.db import models

# Canonical dust parameters (DOMAIN §9) and their HJ 212-2017 codes.
PARAMETERS = {
    "pm25": ("a34004", "PM2.5", "µg/m³"),
    "pm10": ("a34002", "PM10", "µg/m³"),
    "tsp": ("a34001", "TSP", "µg/m³"),
    "noise": ("LA", "噪声", "dB(A)"),
    "temperature": ("a01001", "温度", "°C"),
    "humidity": ("a01002", "湿度", "%"),
    "pressure": ("a01006", "气压", "kPa"),
    "wind_speed": ("a01007", "风速", "m/s"),
    "wind_direction": ("a01008", "风向", "°"),
}
CODE_TO_PARAMETER = {code: name for name, (code, _, _) in PARAMETERS.items()}
CODE_TO_PARAMETER["Leq"] = "noise"


class Reading(models.Model):
    """One upload (2011 real-time, 2051 minute, 2061 hourly, 2031 daily) of one device.

    `values` keeps every factor and suffix the device sent ({code: {suffix: value}}, numbers
    where they parse, else the original string); the canonical columns hold the dust
    parameters after the alias table and unit scaling, for series queries.
    """

    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.CASCADE, related_name="readings")
    cn = models.CharField("命令编码", max_length=4)
    data_time = models.DateTimeField("数据时间")
    received_at = models.DateTimeField("接收时间")
    qn = models.CharField("请求编码", max_length=24, blank=True)
    values = models.JSONField("全部数值", default=dict)
    pm25 = models.FloatField("PM2.5", null=True, blank=True)
    pm10 = models.FloatField("PM10", null=True, blank=True)
    tsp = models.FloatField("TSP", null=True, blank=True)
    noise = models.FloatField("噪声", null=True, blank=True)
    temperature = models.FloatField("温度", null=True, blank=True)
    humidity = models.FloatField("湿度", null=True, blank=True)
    pressure = models.FloatField("气压", null=True, blank=True)
    wind_speed = models.FloatField("风速", null=True, blank=True)
    wind_direction = models.FloatField("风向", null=True, blank=True)
    flags = models.CharField("合理性标记", max_length=100, blank=True)
    clock_skew_seconds = models.IntegerField("时钟偏差（秒）", null=True, blank=True)

    class Meta:
        ordering = ["-data_time"]
        verbose_name = verbose_name_plural = "监测数据"
        constraints = [
            # HJ 212 devices resend unanswered uploads: the same MN + CN + DataTime is stored once.
            models.UniqueConstraint(fields=["device", "cn", "data_time"], name="reading_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.cn} {self.data_time:%Y-%m-%d %H:%M:%S}"


class RawPacket(models.Model):
    """Every frame a gateway received, as bytes decoded for reading, for audit and replay."""

    received_at = models.DateTimeField("接收时间", db_index=True)
    protocol = models.CharField("协议", max_length=10)
    identifier = models.CharField("设备标识", max_length=64, blank=True, db_index=True)
    device = models.ForeignKey("registry.Device", verbose_name="设备", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    remote_addr = models.CharField("来源地址", max_length=64, blank=True)
    cn = models.CharField("命令编码", max_length=8, blank=True)
    outcome = models.CharField("处理结果", max_length=20)
    raw = models.TextField("原始报文")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = verbose_name_plural = "原始报文"

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.identifier} {self.outcome}"


class FactorAlias(models.Model):
    """A vendor's factor name mapped to a canonical parameter with a unit scale, per device
    (or for every device when `device` is empty). Set by the operator."""

    device = models.ForeignKey("registry.Device", verbose_name="设备（空为全部设备）", on_delete=models.CASCADE,
                               null=True, blank=True, related_name="factor_aliases")
    vendor_code = models.CharField("设备上报编码", max_length=30)
    parameter = models.CharField("对应参数", max_length=20, choices=[(k, v[1]) for k, v in PARAMETERS.items()])
    scale = models.FloatField("换算系数", default=1.0, help_text="上报值乘以此系数得到标准单位的值，例如 mg/m³ → µg/m³ 填 1000。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["device_id", "vendor_code"]
        verbose_name = verbose_name_plural = "因子别名与单位换算"
        constraints = [
            models.UniqueConstraint(fields=["device", "vendor_code"], name="factor_alias_unique_per_device"),
            models.UniqueConstraint(fields=["vendor_code"], condition=models.Q(device__isnull=True),
                                    name="factor_alias_unique_global"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_code} → {self.get_parameter_display()} ×{self.scale}"
