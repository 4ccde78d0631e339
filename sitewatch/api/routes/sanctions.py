"""Sanctions on integrators (处理措施: 约谈整改, 暂停承接新项目, 列入黑名单) with the low scores
that triggered them, and the city bureau's record of an interview, as on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, route, visible
from sitewatch.assessment.interviews import interview_record, interviews_waiting

router = Router(tags=["处理措施"])


class SanctionQuery(PageQuery):
    firm: int | None = Field(None, title="企业", description="只列该系统集成商的措施")
    waiting: bool = Field(False, title="只列待约谈", description="true：只列尚未登记约谈情况的约谈整改（市住建局的待办）")


class TriggerOut(Schema):
    period: str = Field(..., title="计分周期", description="如 2026-W48（按周）或 2026-11（按月）")
    score: Decimal = Field(..., title="得分")
    ordinal: int = Field(..., title="近12个月内第几次低于60分")


class InterviewOut(Schema):
    held_on: dt.date = Field(..., title="约谈日期")
    attendees: str = Field(..., title="参加人员")
    outcome: str = Field(..., title="约谈情况及整改要求")
    recorded_by_name: str = Field(..., title="登记人（单位）")
    recorded_at: dt.datetime = Field(..., title="登记时间")


class SanctionOut(Schema):
    id: int
    firm: int = Field(..., validation_alias="firm_id", title="企业")
    firm_name: str = Field(..., validation_alias="firm.name", title="企业名称")
    kind: str = Field(..., title="措施", description="interview 约谈整改，suspension 暂停承接新项目，blacklist 列入黑名单")
    kind_label: str = Field(..., title="措施名称")
    starts_on: dt.date = Field(..., title="起始日期")
    ends_on: dt.date | None = Field(None, title="截止日期", description="含当日；黑名单、约谈为空")
    reason: str = Field(..., title="依据")
    decided_at: dt.datetime = Field(..., title="决定时间")
    triggers: list[TriggerOut] = Field(..., title="计入的低分")
    interview: InterviewOut | None = Field(None, title="约谈记录")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_triggers(obj) -> list:
        return list(obj.triggers.all())

    @staticmethod
    def resolve_interview(obj):
        return getattr(obj, "interview", None)


class InterviewIn(Schema):
    held_on: dt.date = Field(..., title="约谈日期", description="不晚于今天（北京时间），不早于措施起始日期")
    attendees: str = Field(..., max_length=300, title="参加人员")
    outcome: str = Field(..., max_length=4000, title="约谈情况及整改要求")


def _sanctions(request):
    return scope_of(request).integrator_sanctions().select_related("firm", "interview").prefetch_related("triggers")


@route(router, "get", "", response=page_of(SanctionOut), operation_id="sanction_list", summary="处理措施列表",
       description="您可见的系统集成商的处理措施，最新的在前；waiting=true 时为市住建局待登记的约谈整改。")
def list_sanctions(request, filters: Query[SanctionQuery]):
    qs = interviews_waiting(scope=scope_of(request)) if filters.waiting else _sanctions(request)
    if filters.firm is not None:
        qs = qs.filter(firm_id=filters.firm)
    return paginate(qs, filters)


@route(router, "get", "/{id}", response=SanctionOut, operation_id="sanction_read", summary="读取处理措施",
       description="含计入的低分和约谈记录。")
def read_sanction(request, id: int = OBJECT_ID):
    return visible(_sanctions(request), id)


@route(router, "post", "/{id}/interview", response=SanctionOut, operation_id="sanction_interview",
       summary="登记约谈整改情况", description="市住建局登记约谈日期、参加人员和约谈情况；每项约谈整改只登记一次。")
def record_interview(request, payload: InterviewIn, id: int = OBJECT_ID):
    sanction = visible(_sanctions(request), id)
    interview_record(user=request.auth, sanction=sanction, held_on=payload.held_on, attendees=payload.attendees,
                     outcome=payload.outcome, now=timezone.now())
    return visible(_sanctions(request), id)
