"""Onboarding applications (附件1): the application with its points and devices (form 1-1),
every step taken on it as a row (who, for which organisation, when, opinion), and the
technical difficulties that pause the test clock."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sitewatch.onboarding.workflows import ONBOARDING, Route
from sitewatch.registry.models import Brand, DeviceKind, PointKind


class ApplicationKind(models.TextChoices):
    NEW = "new", "新接入"
    RESUMPTION = "resumption", "复工重新接入"


class Application(models.Model):
    """接入申请（附件1-1）。``state`` moves only through services.application_act."""

    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="applications")
    kind = models.CharField("申请类型", max_length=12, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    state = models.CharField("状态", max_length=20, choices=list(ONBOARDING.states.items()),
                             default=ONBOARDING.initial, db_index=True)
    route = models.CharField("接入路线", max_length=12, blank=True,
                             choices=[(r.value, r.label) for r in Route])
    integrator = models.ForeignKey("registry.Firm", verbose_name="系统集成商（设备安装单位）", on_delete=models.PROTECT,
                                   related_name="integrated_applications")
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_end = models.DateField("计划竣工日期", null=True, blank=True)
    address = models.CharField("项目地址", max_length=300, blank=True)
    contacts = models.TextField("联系人及电话", blank=True)
    commitment_letter_signed = models.BooleanField("已签署承诺书（附件1-4）", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("送测登记时间", null=True, blank=True)
    picked_up_at = models.DateTimeField("领回设备时间", null=True, blank=True)
    connected_at = models.DateTimeField("接入时间", null=True, blank=True)
    # 设备调试申请表（附件1-5）, filled when booking the test.
    test_date = models.DateField("调试日期", null=True, blank=True)
    pickup_date = models.DateField("预计领取日期", null=True, blank=True)
    test_applicant = models.CharField("设备调试申请人", max_length=50, blank=True)
    test_applicant_phone = models.CharField("联系方式", max_length=30, blank=True)
    # 设备调试签领表（附件1-6）: who received the devices (the operator, at check-in) and who took them back.
    received_by_name = models.CharField("设备收件人", max_length=200, blank=True)
    picked_up_by_name = models.CharField("设备领取人", max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "接入申请"

    def __str__(self) -> str:
        return f"{self.project}（{self.get_kind_display()}）"


class ApplicationDevice(models.Model):
    """A point of the application with its device (form 1-1's table)."""

    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="devices")
    point_name = models.CharField("安装点位", max_length=100)
    point_kind = models.CharField("点位类型", max_length=30, choices=PointKind.choices)
    device_kind = models.CharField("设备类型", max_length=20, choices=DeviceKind.choices)
    brand = models.CharField("品牌", max_length=20, choices=Brand.choices, default=Brand.OTHER)
    device_model = models.ForeignKey("registry.DeviceModel", verbose_name="型号（目录）", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    model = models.CharField("型号", max_length=100, blank=True)
    apn_card = models.CharField("4G卡号", max_length=30, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    device = models.ForeignKey("registry.Device", verbose_name="平台登记的设备", on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+",
                               help_text="安装后登记到平台的设备；据其实时数据判定是否已接入。")
    test_result = models.CharField("测试结果", max_length=8, blank=True,
                                   choices=[("pass", "通过"), ("fail", "不通过")])
    test_note = models.CharField("测试说明", max_length=300, blank=True)

    class Meta:
        ordering = ["application_id", "id"]
        verbose_name = verbose_name_plural = "申请点位与设备"

    def __str__(self) -> str:
        return f"{self.point_name} {self.get_device_kind_display()}"


class StepBase(models.Model):
    """One action taken in a procedure: its timeline (ARCHITECTURE rule 2)."""

    action = models.CharField("操作", max_length=30)
    label = models.CharField("操作名称", max_length=50)
    from_state = models.CharField("原状态", max_length=20)
    to_state = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    actor_name = models.CharField("操作人（单位）", max_length=200, help_text="“系统”为平台依据实时数据自动判定。")
    role = models.CharField("身份", max_length=20)
    opinion = models.TextField("意见或理由", blank=True)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.actor_name} {self.at:%Y-%m-%d %H:%M}"


class Step(StepBase):
    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="steps")

    class Meta(StepBase.Meta):
        verbose_name = verbose_name_plural = "办理记录"


class Difficulty(models.Model):
    """A technical difficulty during testing: the test clock pauses while it is open."""

    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="difficulties")
    reason = models.TextField("技术难题")
    opened_at = models.DateTimeField("登记时间")
    closed_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolution = models.TextField("处理情况", blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = verbose_name_plural = "技术难题"

    def __str__(self) -> str:
        return self.reason[:30]


class NoticeKind(models.TextChoices):
    TOWER_CRANE_DISMANTLING = "tower_crane", "塔式起重机拆卸告知（附件3）"
    SUPERVISION_TERMINATED = "terminated", "终止施工安全监督告知书（附件4）"
    SUPERVISION_SUSPENDED = "suspended", "中止施工安全监督告知书（附件4）"


class ProjectNotice(models.Model):
    """A notice registered for a project, on which removing its devices depends (DOMAIN §5)."""

    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="notices")
    kind = models.CharField("告知类型", max_length=12, choices=NoticeKind.choices)
    point = models.ForeignKey("registry.MonitoringPoint", verbose_name="塔吊点位", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+",
                              help_text="塔式起重机拆卸告知对应的塔吊球机点位。")
    number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("告知日期")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                      related_name="+")
    registered_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = verbose_name_plural = "告知书登记"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ChangeKind(models.TextChoices):
    RELOCATE = "relocate", "迁移"
    REMOVE = "remove", "拆除"


class Change(models.Model):
    """迁移、拆除申请（附件2）for points of one project."""

    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="changes")
    kind = models.CharField("类型", max_length=10, choices=ChangeKind.choices)
    points = models.ManyToManyField("registry.MonitoringPoint", verbose_name="点位", related_name="changes")
    reason = models.TextField("原因")
    new_location = models.CharField("迁移后位置", max_length=200, blank=True)
    state = models.CharField("状态", max_length=20, default="draft", db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "迁移拆除申请"

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class ChangeStep(StepBase):
    change = models.ForeignKey(Change, verbose_name="迁移拆除申请", on_delete=models.CASCADE, related_name="steps")

    class Meta(StepBase.Meta):
        verbose_name = verbose_name_plural = "迁移拆除办理记录"


class CannotConnect(models.Model):
    """不能接入说明（附件5）: why a project cannot connect yet and by when it will."""

    project = models.ForeignKey("registry.Project", verbose_name="工程项目", on_delete=models.PROTECT,
                                related_name="cannot_connect_statements")
    reason = models.TextField("不能接入的原因")
    promised_date = models.DateField("承诺接入日期")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                 related_name="+")
    filed_by_name = models.CharField("填报人（单位）", max_length=200)
    filed_at = models.DateTimeField("填报时间")
    violation = models.ForeignKey("enforcement.Violation", verbose_name="转为违规记录", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    overdue_at = models.DateTimeField("逾期判定时间", null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = verbose_name_plural = "不能接入说明"

    def __str__(self) -> str:
        return f"{self.project} 承诺 {self.promised_date}"


class MaterialKind(models.TextChoices):
    CAD_PLAN = "cad_plan", "点位布置CAD平面图"
    TOPOLOGY = "topology", "设备及网络拓扑图"
    VIDEO_TEST_REPORT = "video_test_report", "视频监控设备检测报告"
    VIDEO_MANUAL = "video_manual", "视频监控设备说明书"
    DUST_TEST_REPORT = "dust_test_report", "扬尘监测设备检测报告"
    DUST_CCEP = "dust_ccep", "扬尘监测设备CCEP认证证书"
    SERVICE_AGREEMENT = "service_agreement", "文明工地服务协议"


class Material(models.Model):
    """An uploaded material; the file lives under UPLOAD_ROOT at ``path``."""

    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="materials")
    kind = models.CharField("材料", max_length=20, choices=MaterialKind.choices)
    path = models.CharField("存储路径", max_length=300)
    file_type = models.CharField("文件类型", max_length=8)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["application_id", "kind", "-uploaded_at"]
        verbose_name = verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class DeadlineNotice(models.Model):
    """A reminder or overdue notice sent for one clock of an application, once: the unique
    constraint is the claim when several copies of the deadlines loop run."""

    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="deadline_notices")
    clock = models.CharField("期限", max_length=10, choices=[("test", "测试期限"), ("install", "安装接入期限")])
    kind = models.CharField("提醒", max_length=10, choices=[("reminder", "到期前提醒"), ("overdue", "逾期通知")])
    due_date = models.DateField("到期日")
    sent_at = models.DateTimeField("生成时间")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = verbose_name_plural = "期限提醒记录"
        constraints = [models.UniqueConstraint(fields=["application", "clock", "kind", "due_date"],
                                               name="deadline_notice_once")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.clock} {self.kind} {self.due_date}"


class SupervisionNotice(models.Model):
    """监理通知单: issued by the project's supervisor while the devices are being installed
    (DOMAIN §1: when installation is overdue), recorded with the ``supervision_notice`` step."""

    application = models.ForeignKey(Application, verbose_name="接入申请", on_delete=models.CASCADE,
                                    related_name="supervision_notices")
    step = models.OneToOneField(Step, verbose_name="办理记录", on_delete=models.CASCADE, related_name="+")
    number = models.CharField("编号", max_length=100)
    issued_on = models.DateField("签发日期")
    content = models.TextField("通知内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_by_name = models.CharField("登记人（单位）", max_length=200)
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = verbose_name_plural = "监理通知单"
        constraints = [models.UniqueConstraint(fields=["application", "number"],
                                               name="supervision_notice_number_once",
                                               violation_error_message="该监理通知单编号已登记。")]

    def __str__(self) -> str:
        return f"监理通知单 {self.number}"
