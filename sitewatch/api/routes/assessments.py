"""The weekly integrator assessment (附件7): results with their evidence, the evidence file,
and offline episodes with the integrator's 告知恢复上线. The same Scope and the same
filtering as the pages (sitewatch/assessment/selectors.py): a district reads only its own
district's evidence items (口径 K-A8); builders, contractors and supervisors no results (K-A9)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, ErrorOut, route, visible
from sitewatch.assessment import selectors
from sitewatch.assessment.episodes import episode_report_recovery

router = Router(tags=["周考核"])
episode_router = Router(tags=["离线事件"])
NO_SCOREBOARD = "周考核成绩仅限市住建局、县（市、区）住建主管部门、平台运维单位和系统集成商本单位查看。"
NO_EVIDENCE_FILE = "完整的考核证据文件仅限被考核的系统集成商本单位、市住建局和平台运维单位下载。"


class AssessmentQuery(PageQuery):
    week: dt.date | None = Field(None, title="考核周起始日", description="如 2026-11-23（周一）；不填列出全部")
    integrator: int | None = Field(None, title="系统集成商", description="企业 id")


class DeductionsByRule(Schema):
    offline_rate: int = Field(0, title="离线率扣分")
    fix_time: int = Field(0, title="修复时间扣分")
    main_stream: int = Field(0, title="主码流扣分")
    sub_stream: int = Field(0, title="子码流扣分")


class AssessmentOut(Schema):
    id: int
    integrator: int = Field(..., validation_alias="integrator_id", title="系统集成商")
    integrator_name: str = Field(..., validation_alias="integrator.name", title="系统集成商名称")
    week_start: dt.date = Field(..., title="考核周起始日（北京时间）")
    period: str = Field(..., title="考核周", description="ISO 周，如 2026-W48")
    check_time: dt.datetime = Field(..., title="检查时间")
    score: int = Field(..., title="得分")
    deductions_by_rule: DeductionsByRule = Field(..., title="各项扣分合计")
    computed_at: dt.datetime = Field(..., title="计算时间")

    @staticmethod
    def resolve_period(obj) -> str:
        return selectors.period_label(obj.week_start)

    @staticmethod
    def resolve_deductions_by_rule(obj) -> dict:
        return selectors._by_rule(obj.result)[0]


class HiddenOut(Schema):
    count: int = Field(..., title="未列明细的扣分项数")
    amount: int = Field(..., title="未列明细的扣分合计")


class AssessmentDetail(AssessmentOut):
    complete: bool = Field(..., title="证据完整", description="false：只含本辖区点位的明细（县（市、区），口径 K-A8）")
    result: dict = Field(..., title="逐项结果", description="同 sitewatch assess 的输出；县（市、区）只含本辖区点位的明细")
    evidence: dict = Field(..., title="证据", description="schema sitewatch.assessment/1，见 docs/考核证据文件.md；"
                                                     "县（市、区）只含本辖区点位及其离线事件")
    hidden: HiddenOut = Field(..., title="未列明细的扣分", description="其他县（市、区）点位的扣分：计入得分，不列明细")


@route(router, "get", "", response=page_of(AssessmentOut), operation_id="assessments_list",
       summary="周考核结果列表",
       description="您可见的系统集成商周考核结果，最新一周在前、同周低分在前。建设、施工、监理单位无权查看（403）。")
def list_assessments(request, filters: Query[AssessmentQuery]):
    scope = scope_of(request)
    if not scope.can_read_assessments:
        raise PermissionDenied(NO_SCOREBOARD)
    qs = scope.assessments().select_related("integrator").order_by("-week_start", "score", "pk")
    if filters.week is not None:
        qs = qs.filter(week_start=filters.week)
    if filters.integrator is not None:
        qs = qs.filter(integrator_id=filters.integrator)
    return paginate(qs, filters)


@route(router, "get", "/{id}", response=AssessmentDetail, operation_id="assessments_read",
       summary="读取周考核结果", description="含逐项结果与证据；县（市、区）只看到本辖区点位的明细，其他县（市、区）点位的扣分只计数。")
def read_assessment(request, id: int = OBJECT_ID):
    scope = scope_of(request)
    assessment = visible(scope.assessments().select_related("integrator"), id)
    result, hidden = selectors.visible_result(scope=scope, assessment=assessment)
    evidence, complete = selectors.visible_evidence(scope=scope, assessment=assessment)
    assessment.result, assessment.evidence = result, evidence  # not saved: the caller's view only
    assessment.complete, assessment.hidden = complete, hidden
    return assessment


@route(router, "get", "/{id}/evidence", response={200: dict, 403: ErrorOut}, operation_id="assessments_evidence",
       summary="下载考核证据文件",
       description="完整的证据文件（JSON，schema sitewatch.assessment/1），与 sitewatch assess --evidence 重新计算的依据"
                   "逐字节相同；仅限被考核的系统集成商本单位、市住建局和平台运维单位。")
def assessment_evidence(request, id: int = OBJECT_ID):
    scope = scope_of(request)
    assessment = visible(scope.assessments().select_related("integrator"), id)
    if not scope.can_download_evidence(assessment):
        raise PermissionDenied(NO_EVIDENCE_FILE)
    body, filename = selectors.evidence_file(assessment)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- offline episodes ---

class EpisodeOut(Schema):
    id: int
    point: int = Field(..., validation_alias="point_id", title="监控点位")
    point_name: str = Field(..., validation_alias="point.name", title="点位名称")
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    integrator: int | None = Field(None, validation_alias="integrator_id", title="系统集成商")
    started_at: dt.datetime = Field(..., title="离线起始")
    notified_at: dt.datetime | None = Field(None, title="首次短信通知时间", description="修复时间自此起算")
    closed_at: dt.datetime | None = Field(None, title="恢复在线时间", description="null：仍离线")
    reported_at: dt.datetime | None = Field(None, title="告知恢复上线时间")
    reported_by_name: str | None = Field(None, title="告知人")
    report_note: str = Field("", title="告知说明")
    report_verdict: str = Field("", title="核对结果", description="confirmed 与数据一致，contradicted 与数据不符")
    report_verdict_label: str = Field("", title="核对结果名称")

    @staticmethod
    def resolve_reported_by_name(obj) -> str | None:
        return obj.reported_by.display_name if obj.reported_by_id else None

    @staticmethod
    def resolve_report_verdict_label(obj) -> str:
        return obj.get_report_verdict_display() if obj.report_verdict else ""


class EpisodeQuery(PageQuery):
    open: bool | None = Field(None, title="仍离线", description="true 只列仍离线的，false 只列已恢复的")


class RecoveryReportIn(Schema):
    note: str = Field("", max_length=300, title="说明", description="如：已更换电源")


@route(episode_router, "get", "", response=page_of(EpisodeOut), operation_id="episodes_list",
       summary="离线事件列表", description="您可见的点位离线事件，仍离线的在前。")
def list_episodes(request, filters: Query[EpisodeQuery]):
    qs = selectors.episode_list(scope=scope_of(request))
    if filters.open is not None:
        qs = qs.filter(closed_at__isnull=filters.open)
    return paginate(qs, filters)


@route(episode_router, "post", "/{id}/recovery-report", response={200: EpisodeOut, 409: ErrorOut},
       operation_id="episodes_report_recovery", summary="告知恢复上线",
       description="由负责该点位的系统集成商告知点位已恢复上线；平台记录告知人、时间，并当即与在线数据核对（与数据一致/与数据不符）。"
                   "其他单位答 403，已告知过或恢复已超过告知期限（默认 7 天，口径 K-A10）答 409。")
def report_recovery(request, payload: RecoveryReportIn, id: int = OBJECT_ID):
    scope = scope_of(request)
    episode = visible(scope.episodes(), id)
    episode_report_recovery(user=request.auth, episode=episode, now=timezone.now(), note=payload.note)
    return visible(selectors.episode_list(scope=scope), id)
