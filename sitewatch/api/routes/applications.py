"""Onboarding applications (附件1): list, read (with the timeline, the clocks and the
actions open to the caller) and act, with the same checks as the pages: the transition
table decides (sitewatch/onboarding/workflows.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, ErrorOut, route, visible
from sitewatch.onboarding import selectors, services
from sitewatch.onboarding.workflows import ONBOARDING

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
                             opinion=payload.opinion, now=timezone.now())
    return visible(selectors.application_list(scope=scope_of(request)), id)
