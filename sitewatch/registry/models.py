"""Registry: districts, firms, projects, monitoring points, devices, device models (DOMAIN §1–3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

credit_code_validator = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "统一社会信用代码应为18位（数字或大写字母，不含I、O、Z、S、V）。",
)
gb_id_validator = RegexValidator(r"^\d{20}$", "国标编码应为20位数字。")
# HJ 212-2017 allows up to 24 characters; the 2005 edition used 14. Separators of the
# data segment (; , = &) would break framing, so they are refused.
mn_validator = RegexValidator(r"^[0-9A-Za-z_\-]{1,24}$", "设备唯一标识（MN）应为1至24位字母、数字、下划线或短横线。")


class District(models.Model):
    """A county-level unit of Zhanjiang; the list itself is data (migration 0002)."""

    code = models.CharField("区划代码", max_length=6, unique=True, help_text="GB/T 2260 代码；湛江经济技术开发区无国标代码，用平台自编 440891。")
    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = verbose_name_plural = "县（市、区）"

    def __str__(self) -> str:
        return self.name


class Firm(models.Model):
    """A company that takes part in projects; one firm can act in several roles."""

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[credit_code_validator])
    name = models.CharField("单位名称", max_length=200)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    contact_email = models.EmailField("邮箱", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    is_builder = models.BooleanField("建设单位", default=False)
    is_contractor = models.BooleanField("施工单位", default=False)
    is_supervisor = models.BooleanField("监理单位", default=False)
    is_integrator = models.BooleanField("系统集成商", default=False)
    is_operator = models.BooleanField("平台运维单位", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    ROLE_FIELDS = {
        "builder": "is_builder",
        "contractor": "is_contractor",
        "supervisor": "is_supervisor",
        "integrator": "is_integrator",
        "operator": "is_operator",
    }

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "企业"

    def __str__(self) -> str:
        return self.name

    @property
    def role_labels(self) -> list[str]:
        return [self._meta.get_field(field).verbose_name for field in self.ROLE_FIELDS.values() if getattr(self, field)]


class ProjectStage(models.TextChoices):
    EARTHWORK = "earthwork", "出土"
    FOUNDATION_PIT = "foundation_pit", "基坑施工"
    MAIN_STRUCTURE = "main_structure", "主体施工"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "在建"
    SUSPENDED = "suspended", "停工"
    COMPLETED = "completed", "竣工"


class ProjectQuerySet(models.QuerySet):
    def must_connect(self) -> ProjectQuerySet:
        return self.filter(must_connect_q())

    def exempt(self) -> ProjectQuerySet:
        return self.exclude(must_connect_q())


def must_connect_q() -> Q:
    """DOMAIN §2: an active project with investment ≥ 100万 or floor area ≥ 500 m² (以上 includes)."""
    return Q(status=ProjectStatus.ACTIVE) & (
        Q(investment_cny__gte=settings.MUST_CONNECT_MIN_INVESTMENT_CNY)
        | Q(floor_area_m2__gte=settings.MUST_CONNECT_MIN_FLOOR_AREA_M2)
    )


def must_connect(*, status: str, investment_cny: Decimal | None, floor_area_m2: Decimal | None) -> bool:
    if status != ProjectStatus.ACTIVE:
        return False
    if investment_cny is not None and investment_cny >= settings.MUST_CONNECT_MIN_INVESTMENT_CNY:
        return True
    return floor_area_m2 is not None and floor_area_m2 >= settings.MUST_CONNECT_MIN_FLOOR_AREA_M2


class Project(models.Model):
    name = models.CharField("工程名称", max_length=200)
    district = models.ForeignKey(District, verbose_name="所属县（市、区）", on_delete=models.PROTECT, related_name="projects")
    address = models.CharField("项目地址", max_length=300, blank=True)
    longitude = models.DecimalField(
        "经度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    latitude = models.DecimalField(
        "纬度", max_digits=8, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    investment_cny = models.DecimalField(
        "工程投资额（元）", max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    floor_area_m2 = models.DecimalField(
        "建筑面积（平方米）", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    stage = models.CharField("项目建设阶段", max_length=20, choices=ProjectStage.choices, default=ProjectStage.EARTHWORK)
    status = models.CharField("状态", max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_finish = models.DateField("计划竣工日期", null=True, blank=True)
    builder = models.ForeignKey(
        Firm, verbose_name="建设单位", on_delete=models.PROTECT, null=True, blank=True, related_name="built_projects"
    )
    contractor = models.ForeignKey(
        Firm, verbose_name="施工单位", on_delete=models.PROTECT, null=True, blank=True, related_name="contracted_projects"
    )
    supervisor = models.ForeignKey(
        Firm, verbose_name="监理单位", on_delete=models.PROTECT, null=True, blank=True, related_name="supervised_projects"
    )
    integrator = models.ForeignKey(
        Firm, verbose_name="设备安装单位（系统集成商）", on_delete=models.PROTECT, null=True, blank=True,
        related_name="integrated_projects",
    )
    manager_name = models.CharField("项目经理", max_length=50, blank=True)
    manager_phone = models.CharField("项目经理电话", max_length=30, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    PARTY_FIELDS = {"builder": "builder", "contractor": "contractor", "supervisor": "supervisor", "integrator": "integrator"}

    class Meta:
        ordering = ["district__sort_order", "name", "id"]
        verbose_name = verbose_name_plural = "工程项目"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_finish__isnull=True) | Q(planned_start__isnull=True) | Q(planned_finish__gte=models.F("planned_start")),
                name="project_finish_after_start",
                violation_error_message="计划竣工日期不能早于计划开工日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def must_connect(self) -> bool:
        return must_connect(status=self.status, investment_cny=self.investment_cny, floor_area_m2=self.floor_area_m2)

    def clean(self) -> None:
        errors = {}
        for role, field in self.PARTY_FIELDS.items():
            firm = getattr(self, field)
            if firm is not None and not getattr(firm, Firm.ROLE_FIELDS[role]):
                errors[field] = f"{firm.name} 未登记为{Firm._meta.get_field(Firm.ROLE_FIELDS[role]).verbose_name}。"
        if errors:
            raise ValidationError(errors)


class PointKind(models.TextChoices):
    ENTRANCE_DOME = "entrance_dome", "出入口球机"
    ENTRANCE_PLATE = "entrance_plate", "出入口车牌抓拍机"
    DUST = "dust", "扬尘监测"
    PIT_DOME = "pit_dome", "基坑球机"
    TOWER_CRANE_DOME = "tower_crane_dome", "塔吊球机"
    WORK_AREA_DOME = "work_area_dome", "施工现场球机"
    LIVING_AREA_DOME = "living_area_dome", "生活区球机"
    OTHER_DOME = "other_dome", "其他球机"


class PointStatus(models.TextChoices):
    ACTIVE = "active", "在用"
    REMOVED = "removed", "已拆除"


class MonitoringPoint(models.Model):
    """A 点位: one camera channel or one dust monitor (DOMAIN §8 decision)."""

    project = models.ForeignKey(Project, verbose_name="工程项目", on_delete=models.CASCADE, related_name="points")
    kind = models.CharField("点位类型", max_length=30, choices=PointKind.choices)
    name = models.CharField("点位名称", max_length=100)
    location = models.CharField("安装位置", max_length=200, blank=True)
    status = models.CharField("状态", max_length=20, choices=PointStatus.choices, default=PointStatus.ACTIVE)
    removed_on = models.DateField("拆除日期", null=True, blank=True,
                                  help_text="经批准拆除的日期；自该日起不再计入考核（附件2）。")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["project_id", "kind", "name", "id"]
        verbose_name = verbose_name_plural = "监控点位"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="point_name_unique_in_project",
                                    violation_error_message="同一项目内点位名称不能重复。"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.name}"


class DeviceKind(models.TextChoices):
    CAMERA = "camera", "网络高清球机"
    PLATE_CAMERA = "plate_camera", "车牌抓拍枪机"
    DUST_MONITOR = "dust_monitor", "扬尘监测仪"
    NVR = "nvr", "NVR硬盘录像机"
    HARD_DISK = "hard_disk", "硬盘"
    ROUTER = "router", "路由器"
    APN_CARD = "apn_card", "APN卡"


# Devices that speak GB/T 28181 and those that speak HJ 212.
GB28181_KINDS = {DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA, DeviceKind.NVR}
HJ212_KINDS = {DeviceKind.DUST_MONITOR}
# 主设备 whose models decide the commitment route (附件1 四(一)).
MAIN_DEVICE_KINDS = {DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA, DeviceKind.DUST_MONITOR, DeviceKind.NVR}


class Brand(models.TextChoices):
    HIKVISION = "hikvision", "海康"
    DAHUA = "dahua", "大华"
    OTHER = "other", "其他"


class DeviceModel(models.Model):
    """The device-model catalogue; `commitment_listed` is 附件1-2 承诺制设备参数清单."""

    kind = models.CharField("设备类型", max_length=20, choices=DeviceKind.choices)
    brand = models.CharField("品牌", max_length=20, choices=Brand.choices)
    brand_name = models.CharField("品牌名称（其他品牌填写）", max_length=50, blank=True)
    model = models.CharField("型号", max_length=100)
    commitment_listed = models.BooleanField("列入承诺制设备参数清单", default=False)
    parameters = models.TextField("主要参数", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["kind", "brand", "model"]
        verbose_name = verbose_name_plural = "设备型号"
        constraints = [
            models.UniqueConstraint(fields=["brand", "brand_name", "model"], name="device_model_unique",
                                    violation_error_message="该品牌型号已登记。"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_display} {self.model}"

    @property
    def brand_display(self) -> str:
        return self.brand_name if self.brand == Brand.OTHER and self.brand_name else self.get_brand_display()


class Device(models.Model):
    project = models.ForeignKey(Project, verbose_name="工程项目", on_delete=models.CASCADE, related_name="devices")
    point = models.ForeignKey(
        MonitoringPoint, verbose_name="监控点位", on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    kind = models.CharField("设备类型", max_length=20, choices=DeviceKind.choices)
    name = models.CharField("设备名称", max_length=100)
    brand = models.CharField("品牌", max_length=20, choices=Brand.choices, default=Brand.OTHER)
    device_model = models.ForeignKey(
        DeviceModel, verbose_name="型号（目录）", on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    model = models.CharField("型号", max_length=100, blank=True)
    serial = models.CharField("序列号", max_length=100, blank=True)
    apn_card = models.CharField("APN卡号", max_length=30, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    installer = models.ForeignKey(
        Firm, verbose_name="安装单位（系统集成商）", on_delete=models.PROTECT, null=True, blank=True, related_name="installed_devices"
    )
    hj212_mn = models.CharField("HJ 212 设备唯一标识（MN）", max_length=24, null=True, blank=True, validators=[mn_validator])
    hj212_password = models.CharField("HJ 212 访问密码（PW）", max_length=64, blank=True)
    gb_device_id = models.CharField("国标设备编码", max_length=20, null=True, blank=True, validators=[gb_id_validator])
    gb_password = models.CharField("国标注册密码", max_length=64, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Never shown in lists, logs, audit entries or API reads.
    SECRET_FIELDS = ("hj212_password", "gb_password")

    class Meta:
        ordering = ["project_id", "kind", "name", "id"]
        verbose_name = verbose_name_plural = "设备"
        constraints = [
            models.UniqueConstraint(fields=["hj212_mn"], name="device_hj212_mn_unique",
                                    violation_error_message="该MN已被其他设备使用。"),
            models.UniqueConstraint(fields=["gb_device_id"], name="device_gb_id_unique",
                                    violation_error_message="该国标设备编码已被其他设备使用。"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"<Device {self.pk} {self.kind} {self.name!r}>"

    def save(self, *args, **kwargs):
        # Empty protocol ids are stored as NULL so the unique constraints admit many devices without one.
        self.hj212_mn = self.hj212_mn or None
        self.gb_device_id = self.gb_device_id or None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.point_id and self.project_id and self.point.project_id != self.project_id:
            errors["point"] = "点位不属于该项目。"
        if self.hj212_mn and self.kind not in HJ212_KINDS:
            errors["hj212_mn"] = "只有扬尘监测仪使用 HJ 212 MN。"
        if self.gb_device_id and self.kind not in GB28181_KINDS:
            errors["gb_device_id"] = "只有摄像机和NVR使用国标设备编码。"
        if self.installer_id and not self.installer.is_integrator:
            errors["installer"] = f"{self.installer.name} 未登记为系统集成商。"
        if errors:
            raise ValidationError(errors)


class SanctionKind(models.TextChoices):
    INTERVIEW = "interview", "约谈整改"
    SUSPENSION = "suspension", "暂停承接新项目"
    BLACKLIST = "blacklist", "列入黑名单"


# Sanctions that bar an integrator from being named on a new application (DOMAIN §4.6).
BARRING_SANCTIONS = (SanctionKind.SUSPENSION, SanctionKind.BLACKLIST)


class FirmSanction(models.Model):
    """A sanction on an integrator (DOMAIN §8: interview, six months without new sites,
    blacklist). The weekly assessment writes these; the onboarding procedure reads them."""

    firm = models.ForeignKey(Firm, verbose_name="企业", on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField("措施", max_length=12, choices=SanctionKind.choices)
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期", null=True, blank=True, help_text="含当日；黑名单不填。")
    reason = models.TextField("依据")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = verbose_name_plural = "企业处理措施"

    def __str__(self) -> str:
        return f"{self.firm} {self.get_kind_display()}"

    def in_force_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class SanctionInterview(models.Model):
    """The city bureau's record of the 约谈整改 an interview sanction asked for (DOMAIN §8:
    the first low score in twelve months). Until it exists, the interview waits in the city
    bureau's 待办."""

    sanction = models.OneToOneField(FirmSanction, verbose_name="处理措施", on_delete=models.PROTECT,
                                    related_name="interview")
    held_on = models.DateField("约谈日期")
    attendees = models.CharField("参加人员", max_length=300)
    outcome = models.TextField("约谈情况及整改要求")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_by_name = models.CharField("登记人（单位）", max_length=200)
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = verbose_name_plural = "约谈整改记录"

    def __str__(self) -> str:
        return f"{self.sanction.firm} 约谈 {self.held_on}"
