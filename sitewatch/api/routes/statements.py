"""不能接入说明（附件5）: list, file and read, with the 未接入监管平台 violation record a
statement turned into once overdue (口径 K-O6)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, route, visible
from sitewatch.lib.dates import local_date
from sitewatch.onboarding import selectors
from sitewatch.onboarding.statements import cannot_connect_file

router = Router(tags=["不能接入说明"])


class StatementQuery(PageQuery):
    project: int | None = Field(None, title="工程项目", description="只列该项目的说明")


class ViolationOut(Schema):
    id: int
    kind: str = Field(..., title="违规类型")
    kind_label: str = Field(..., title="违规类型名称")
    found_at: dt.datetime = Field(..., title="发现时间")
    is_open: bool = Field(..., title="未结案")
    detail: str = Field(..., title="情况说明")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class StatementOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    reason: str = Field(..., title="不能接入的原因")
    promised_date: dt.date = Field(..., title="承诺接入日期")
    filed_by_name: str = Field(..., title="填报人（单位）")
    filed_at: dt.datetime = Field(..., title="填报时间")
    state: str = Field(..., title="状态", description="promised 承诺期内，lapsed 已过承诺日期待巡检判定，"
                                                     "overdue 逾期未接入（已转违规记录），connected 项目已接入")
    state_label: str = Field(..., title="状态名称")
    overdue_at: dt.datetime | None = Field(None, title="逾期判定时间")
    violation: ViolationOut | None = Field(None, title="转为的违规记录")

    @staticmethod
    def resolve_state(obj) -> str:
        return selectors.statement_state(obj, today=local_date(timezone.now()))[0]

    @staticmethod
    def resolve_state_label(obj) -> str:
        return selectors.statement_state(obj, today=local_date(timezone.now()))[1]


class StatementIn(Schema):
    project: int = Field(..., title="工程项目")
    reason: str = Field(..., max_length=2000, title="不能接入的原因")
    promised_date: dt.date = Field(..., title="承诺接入日期", description="须晚于今天（北京时间）")


@route(router, "get", "", response=page_of(StatementOut), operation_id="cannot_connect_list",
       summary="不能接入说明列表", description="您可见项目的不能接入说明（附件5），最新的在前。")
def list_statements(request, filters: Query[StatementQuery]):
    qs = selectors.statement_list(scope=scope_of(request))
    if filters.project is not None:
        qs = qs.filter(project_id=filters.project)
    return paginate(qs, filters)


@route(router, "post", "", response={201: StatementOut}, operation_id="cannot_connect_create",
       summary="填报不能接入说明（附件5）",
       description="由项目的施工单位或系统集成商填报原因和承诺接入日期；承诺日期次日起仍未接入的，转为“未接入监管平台”"
                   "违规记录。")
def create_statement(request, payload: StatementIn):
    scope = scope_of(request)
    project = visible(scope.projects(), payload.project)
    statement = cannot_connect_file(user=request.auth, project=project, reason=payload.reason,
                                    promised_date=payload.promised_date, now=timezone.now())
    return Status(201, visible(selectors.statement_list(scope=scope), statement.pk))


@route(router, "get", "/{id}", response=StatementOut, operation_id="cannot_connect_read",
       summary="读取不能接入说明", description="含状态，以及逾期后转为的违规记录。")
def read_statement(request, id: int = OBJECT_ID):
    return visible(selectors.statement_list(scope=scope_of(request)), id)
