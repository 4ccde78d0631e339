"""Notices registered for a project (附件3 塔式起重机拆卸告知, 附件4 终止／中止施工安全监督告知书),
on which removing its points depends: list and register, as on the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import route, visible
from sitewatch.onboarding import selectors
from sitewatch.onboarding.changes import notice_register
from sitewatch.onboarding.models import NoticeKind

router = Router(tags=["告知书登记"])


class NoticeQuery(PageQuery):
    project: int | None = Field(None, title="工程项目", description="只列该项目的告知书")


class NoticeOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    kind: str = Field(..., title="告知类型", description="tower_crane 塔式起重机拆卸告知（附件3），terminated 终止、"
                                                       "suspended 中止施工安全监督告知书（附件4）")
    kind_label: str = Field(..., title="告知类型名称")
    point: int | None = Field(None, validation_alias="point_id", title="塔吊球机点位")
    number: str = Field(..., title="文号")
    issued_on: dt.date = Field(..., title="告知日期")
    registered_at: dt.datetime = Field(..., title="登记时间")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class NoticeIn(Schema):
    project: int = Field(..., title="工程项目")
    kind: NoticeKind = Field(..., title="告知类型", description="tower_crane、terminated 或 suspended")
    point: int | None = Field(None, title="塔吊球机点位", description="塔式起重机拆卸告知必填；附件4 不填")
    number: str = Field("", max_length=100, title="文号")
    issued_on: dt.date = Field(..., title="告知日期")


@route(router, "get", "", response=page_of(NoticeOut), operation_id="notices_list", summary="告知书登记列表",
       description="您可见项目登记的塔式起重机拆卸告知（附件3）和终止、中止施工安全监督告知书（附件4），最新的在前。")
def list_notices(request, filters: Query[NoticeQuery]):
    qs = selectors.notice_list(scope=scope_of(request))
    if filters.project is not None:
        qs = qs.filter(project_id=filters.project)
    return paginate(qs, filters)


@route(router, "post", "", response={201: NoticeOut}, operation_id="notices_create", summary="登记告知书（附件3、附件4）",
       description="由项目所在县（市、区）住建主管部门或市住建局登记；塔式起重机拆卸告知须指明本项目的塔吊球机点位。")
def create_notice(request, payload: NoticeIn):
    scope = scope_of(request)
    project = visible(scope.projects(), payload.project)
    point = None
    if payload.point is not None:
        point = scope.points().filter(pk=payload.point, project=project).first()
        if point is None:
            raise ValidationError({"point": "该点位不是本项目的点位。"})
    notice = notice_register(user=request.auth, project=project, kind=payload.kind, issued_on=payload.issued_on,
                             number=payload.number.strip(), point=point, now=timezone.now())
    return Status(201, visible(selectors.notice_list(scope=scope), notice.pk))
