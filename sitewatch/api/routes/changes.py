"""Relocation and removal of points (附件2): list, file, read (with the timeline, the
removal's blockers and the actions open to the caller) and act. The same services as the
pages decide (sitewatch/onboarding/changes.py, the CHANGE table)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, ErrorOut, route, visible
from sitewatch.onboarding import selectors
from sitewatch.onboarding.changes import change_act, change_create, removal_blockers
from sitewatch.onboarding.models import ChangeKind
from sitewatch.onboarding.services import project_roles
from sitewatch.onboarding.workflows import CHANGE
from sitewatch.registry.models import PointStatus

router = Router(tags=["迁移拆除申请"])


class ChangeQuery(PageQuery):
    project: int | None = Field(None, title="工程项目", description="只列该项目的申请")


class ChangePointOut(Schema):
    id: int
    name: str = Field(..., title="点位名称")
    kind: str = Field(..., title="点位类型")
    location: str = Field(..., title="安装位置", description="批准迁移后为新位置")
    status: str = Field(..., title="状态", description="active 在用，removed 已拆除")
    removed_on: dt.date | None = Field(None, title="拆除日期")


class ChangeOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    kind: str = Field(..., title="类型", description="relocate 迁移，remove 拆除")
    kind_label: str = Field(..., title="类型名称")
    state: str = Field(..., title="状态", description="draft 草稿，under_review 审核中，returned 退回修改，"
                                                     "approved 已批准，rejected 不予批准，withdrawn 已撤回")
    state_label: str = Field(..., title="状态名称")
    reason: str = Field(..., title="原因")
    new_location: str = Field(..., title="迁移后的位置")
    points: list[int] = Field(..., title="点位")
    created_at: dt.datetime = Field(..., title="填报时间")
    approved_at: dt.datetime | None = Field(None, title="批准时间")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_state_label(obj) -> str:
        return CHANGE.label(obj.state)

    @staticmethod
    def resolve_points(obj) -> list[int]:
        return [p.pk for p in obj.points.all()]


class StepOut(Schema):
    action: str = Field(..., title="操作")
    label: str = Field(..., title="操作名称")
    from_state: str
    to_state: str
    actor_name: str = Field(..., title="办理人（单位）")
    role: str = Field(..., title="身份")
    opinion: str = Field(..., title="意见")
    at: dt.datetime = Field(..., title="时间")

    @staticmethod
    def resolve_at(obj) -> dt.datetime:
        return timezone.localtime(obj.at)


class ActionOut(Schema):
    action: str
    label: str
    needs_opinion: bool = Field(..., title="须填写意见")


class ChangeDetail(ChangeOut):
    point_details: list[ChangePointOut] = Field(..., title="点位详情")
    steps: list[StepOut] = Field(..., title="办理记录")
    actions: list[ActionOut] = Field(..., title="您现在可以办理的操作")
    blockers: list[str] = Field(..., title="拆除的障碍", description="尚未登记的告知书（附件3、附件4）；空表示不受阻")

    @staticmethod
    def resolve_point_details(obj):
        return list(obj.points.all())

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())

    @staticmethod
    def resolve_actions(obj, context):
        roles = project_roles(context["request"].auth, obj.project)
        return [{"action": t.action, "label": t.label, "needs_opinion": t.needs_opinion}
                for t in CHANGE.available(obj.state, roles)]

    @staticmethod
    def resolve_blockers(obj) -> list[str]:
        if obj.kind != ChangeKind.REMOVE or obj.state in CHANGE.final:
            return []
        return removal_blockers(obj.project, list(obj.points.all()))


class ChangeIn(Schema):
    project: int = Field(..., title="工程项目")
    kind: ChangeKind = Field(..., title="类型", description="relocate 迁移，remove 拆除")
    points: list[int] = Field(..., min_length=1, max_length=200, title="点位", description="本项目在用点位的 id")
    reason: str = Field(..., max_length=2000, title="原因")
    new_location: str = Field("", max_length=200, title="迁移后的位置", description="迁移必填")


class ActIn(Schema):
    action: str = Field(..., title="操作", description="见读取结果的 actions")
    opinion: str = Field("", max_length=2000, title="意见或理由")


def _changes(request):
    return selectors.change_list(scope=scope_of(request)).prefetch_related("points")


@route(router, "get", "", response=page_of(ChangeOut), operation_id="changes_list", summary="迁移拆除申请列表",
       description="您可见项目的迁移、拆除申请（附件2），最新的在前。")
def list_changes(request, filters: Query[ChangeQuery]):
    qs = _changes(request)
    if filters.project is not None:
        qs = qs.filter(project_id=filters.project)
    return paginate(qs, filters)


@route(router, "post", "", response={201: ChangeDetail, 409: ErrorOut}, operation_id="changes_create",
       summary="填报迁移拆除申请（附件2）",
       description="由项目的施工单位或系统集成商填报，保存为草稿，再以 actions 提交。拆除塔吊球机须先登记塔式起重机"
                   "拆卸告知（附件3），拆除其他点位须先登记终止或中止施工安全监督告知书（附件4），否则不能提交或批准。")
def create_change(request, payload: ChangeIn):
    scope = scope_of(request)
    project = visible(scope.projects(), payload.project)
    wanted = set(payload.points)
    points = list(scope.points().filter(pk__in=wanted, project=project, status=PointStatus.ACTIVE))
    if len(points) != len(wanted):
        missing = sorted(wanted - {p.pk for p in points})
        raise ValidationError({"points": "以下点位不是本项目在用的点位：" + "、".join(map(str, missing)) + "。"})
    change = change_create(user=request.auth, project=project, kind=payload.kind, points=points,
                           reason=payload.reason, new_location=payload.new_location, now=timezone.now())
    return Status(201, visible(_changes(request), change.pk))


@route(router, "get", "/{id}", response=ChangeDetail, operation_id="changes_read", summary="读取迁移拆除申请",
       description="含点位、办理记录（五方意见）、拆除的障碍，以及您现在可以办理的操作。")
def read_change(request, id: int = OBJECT_ID):
    return visible(_changes(request), id)


@route(router, "post", "/{id}/actions", response={200: ChangeDetail, 409: ErrorOut}, operation_id="changes_act",
       summary="办理迁移拆除申请",
       description="按状态表办理一步：提交、撤回、施工单位／监理单位／县（市、区）／运维单位意见、退回修改、市住建局批准或"
                   "不予批准。无权办理答 403，当前状态不允许或已被他人办理答 409，缺少意见或告知书答 422。")
def act_on_change(request, payload: ActIn, id: int = OBJECT_ID):
    change = visible(_changes(request), id)
    change_act(user=request.auth, change=change, action=payload.action, opinion=payload.opinion, now=timezone.now())
    return visible(_changes(request), id)
