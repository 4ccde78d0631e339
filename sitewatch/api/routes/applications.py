"""Onboarding applications (附件1): list, read (with the timeline, the clocks and the
actions open to the caller) and act, with the same checks as the pages: the transition
table decides (sitewatch/onboarding/workflows.py)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, ErrorOut, route, visible
from sitewatch.onboarding import selectors, services
from sitewatch.onboarding.workflows import ONBOARDING
from sitewatch.registry.models import Brand, DeviceKind, PointKind

router = Router(tags=["接入申请"])


class DeadlineOut(Schema):
    state: str = Field(..., description="due 有到期日；paused 技术难题处理中，暂停计时；unknown 涉及未录入放假安排的年份")
    date: dt.date | None = Field(None, title="到期日（北京时间）")
    label: str = Field(..., title="说明")
    paused_days: int = Field(0, title="因技术难题不计入的工作日数")


def _due(due) -> dict | None:
    if due is None:
        return None
    return {"state": due.state.value, "date": due.date, "label": due.label, "paused_days": due.paused_days}


class ApplicationOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id")
    project_name: str = Field(..., validation_alias="project.name")
    kind: str
    state: str = Field(..., description="见 ONBOARDING 状态表")
    state_label: str
    route: str | None = Field(None, description="commitment 承诺制，test 设备测试；审核通过时确定")
    integrator: int = Field(..., validation_alias="integrator_id")
    integrator_name: str = Field(..., validation_alias="integrator.name")
    submitted_at: dt.datetime | None = None
    test_due: DeadlineOut | None = Field(None, title="测试期限", description="送测登记后 3 个（承诺制）或 10 个（设备测试）工作日")
    install_due: DeadlineOut | None = Field(None, title="安装接入期限", description="领回设备后 5 个工作日")

    @staticmethod
    def resolve_state_label(obj) -> str:
        return ONBOARDING.label(obj.state)

    @staticmethod
    def resolve_route(obj) -> str | None:
        return obj.route or None

    @staticmethod
    def resolve_test_due(obj):
        return _due(selectors.due_for_testing(obj))

    @staticmethod
    def resolve_install_due(obj):
        return _due(selectors.due_for_installation(obj))


class ApplicationDeviceOut(Schema):
    id: int
    point_name: str
    point_kind: str
    device_kind: str
    model: str
    test_result: str
    device: int | None = Field(None, validation_alias="device_id", title="平台登记的设备")


class ApplicationStepOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    actor_name: str
    role: str
    opinion: str
    at: dt.datetime

    @staticmethod
    def resolve_at(obj) -> dt.datetime:
        return timezone.localtime(obj.at)


class ApplicationActionOut(Schema):
    action: str
    label: str
    needs_opinion: bool


class ApplicationDetail(ApplicationOut):
    devices: list[ApplicationDeviceOut]
    steps: list[ApplicationStepOut] = Field(..., title="办理记录")
    actions: list[ApplicationActionOut] = Field(..., title="您现在可以办理的操作")

    @staticmethod
    def resolve_devices(obj):
        return list(obj.devices.all())

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())

    @staticmethod
    def resolve_actions(obj, context):
        request = context["request"]
        roles = services.roles_on(request.auth, obj) - {"system"}
        return [{"action": t.action, "label": t.label, "needs_opinion": t.needs_opinion}
                for t in ONBOARDING.available(obj.state, roles)]


class ActIn(Schema):
    action: str = Field(..., title="操作", description="见读取结果的 actions")
    opinion: str = Field("", title="意见或理由", max_length=2000)
    test_date: dt.date | None = Field(None, title="调试日期", description="预约测试（附件1-5）必填，须为工作日")
    pickup_date: dt.date | None = Field(None, title="预计领取日期", description="预约测试（附件1-5）")
    test_applicant: str = Field("", title="设备调试申请人", max_length=50, description="预约测试（附件1-5）必填")
    test_applicant_phone: str = Field("", title="联系方式", max_length=30, description="预约测试（附件1-5）必填")
    picked_up_by_name: str = Field("", title="设备领取人", max_length=50, description="领回设备（附件1-6）必填")


@route(router, "get", "", response=page_of(ApplicationOut), operation_id="applications_list",
       summary="接入申请列表", description="您可见项目的接入申请（系统集成商另含列其为安装单位的申请）。")
def list_applications(request, filters: Query[PageQuery]):
    return paginate(selectors.application_list(scope=scope_of(request)), filters)


@route(router, "get", "/{id}", response=ApplicationDetail, operation_id="applications_read",
       summary="读取接入申请", description="含点位与设备、办理记录、期限，以及您现在可以办理的操作。")
def read_application(request, id: int = OBJECT_ID):
    return visible(selectors.application_list(scope=scope_of(request)), id)


@route(router, "post", "/{id}/actions", response={200: ApplicationDetail, 409: ErrorOut},
       operation_id="applications_act", summary="办理接入申请",
       description="按状态表办理一步（提交、审核意见、退回、通过、预约、送测、技术难题、测试结果、领回等）；"
                   "无权办理答 403，当前状态不允许或已被他人办理答 409，缺少意见或资料答 422。")
def act_on_application(request, payload: ActIn, id: int = OBJECT_ID):
    application = visible(selectors.application_list(scope=scope_of(request)), id)
    # "connect" is the platform's own (role "system"): no caller holds that role.
    services.application_act(user=request.auth, application=application, action=payload.action,
                             opinion=payload.opinion, now=timezone.now(),
                             details=payload.dict(exclude={"action", "opinion"}))
    return visible(selectors.application_list(scope=scope_of(request)), id)


class ApplicationDeviceIn(Schema):
    point_name: str = Field(..., min_length=1, max_length=100, title="安装点位")
    point_kind: PointKind = Field(..., title="点位类型")
    device_kind: DeviceKind = Field(..., title="设备类型")
    brand: Brand = Field(Brand.OTHER, title="品牌")
    device_model: int | None = Field(None, title="型号（目录）", description="GET /api/v1/device-models 中的 id")
    model: str = Field("", max_length=100, title="型号")
    apn_card: str = Field("", max_length=30, title="4G卡号")
    ip_address: str | None = Field(None, title="IP地址")


class ApplicationIn(Schema):
    project: int = Field(..., title="工程项目")
    integrator: int = Field(..., title="系统集成商（设备安装单位）")
    kind: str = Field("new", pattern="^(new|resumption)$", title="申请类型", description="new 新接入，resumption 复工重新接入")
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    address: str = Field("", max_length=300)
    contacts: str = Field("", max_length=2000)
    commitment_letter_signed: bool = Field(False, title="已签署承诺书（附件1-4）")
    devices: list[ApplicationDeviceIn] = Field(..., min_length=1, max_length=200, title="安装点位及设备")


@route(router, "post", "", response={201: ApplicationDetail, 409: ErrorOut}, operation_id="applications_create",
       summary="填报接入申请（附件1-1）",
       description="由项目的施工单位或其委托的系统集成商填报，保存为草稿；材料在网页上传后提交。被暂停承接或列入黑名单的"
                   "系统集成商不能列为安装单位。")
def create_application(request, payload: ApplicationIn):
    from ninja import Status

    from sitewatch.registry.models import DeviceModel, Firm

    scope = scope_of(request)
    project = visible(scope.projects(), payload.project)
    integrator = Firm.objects.filter(pk=payload.integrator).first()
    if integrator is None:
        raise ValidationError({"integrator": "系统集成商不存在。"})
    devices = []
    for item in payload.devices:
        fields = item.dict()
        if fields["device_model"] is not None:
            model = DeviceModel.objects.filter(pk=fields["device_model"]).first()
            if model is None:
                raise ValidationError({"devices": f"型号 {fields['device_model']} 不在设备型号目录中。"})
            fields["device_model"] = model
        devices.append(fields)
    application = services.application_create(
        user=request.auth, project=project, integrator=integrator, devices=devices, now=timezone.now(),
        kind=payload.kind, planned_start=payload.planned_start, planned_end=payload.planned_end,
        address=payload.address, contacts=payload.contacts, commitment_letter_signed=payload.commitment_letter_signed)
    return Status(201, visible(selectors.application_list(scope=scope), application.pk))
