"""Violation cases (附件6, issue 7 item 7): list, read (facts, steps, evidence with its
download path, measures and the caller's actions), act, add evidence files, download one;
the on-site and video-patrol records that open cases; the seven types. The services of
sitewatch/enforcement/services.py decide, as on the pages; everything is read through
``Scope.violations()`` / ``Scope.site_records()``, so another district's case is a 404.

Actions are JSON like every other action route; files travel as multipart/form-data on
their own route (``POST /cases/{id}/evidence``) and an action names the uploaded files it
takes up by id — a report needs at least one (口径 K-V41)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import field_validator

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, ErrorOut, route, visible
from sitewatch.enforcement.models import (
    CaseEvidence,
    CaseState,
    MeasureKind,
    SiteRecordKind,
    ViolationKind,
    ViolationType,
)
from sitewatch.enforcement.services import (
    BEHAVIOURS,
    case_act,
    case_actions,
    case_evidence_attach,
    site_record_create,
)
from sitewatch.enforcement.workflows import CASE
from sitewatch.lib.dates import SHANGHAI, local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.services import _actor_name

router = Router(tags=["违规案件"])
record_router = Router(tags=["检查巡查记录"])
type_router = Router(tags=["违规类型"])

OVERDUE_STATES = (CaseState.ORDERED, CaseState.REPORTED)  # the contractor's clock runs (口径 K-V20)
FILE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
EVIDENCE_ID = Path(..., title="证据编号", description="证据文件的 id。")
EVIDENCE_FILES = File(..., title="文件", description="一个或多个证据文件（PNG、JPEG 或 PDF）")
RECORD_PHOTOS = File(None, title="照片", description="现场照片或视频截图（PNG、JPEG 或 PDF），可多个")


def _today() -> dt.date:
    return local_date(timezone.now())


def _overdue(obj) -> bool:
    return obj.state in OVERDUE_STATES and obj.due_date is not None and obj.due_date < _today()


def evidence_path(evidence: CaseEvidence) -> str:
    return f"/api/v1/cases/{evidence.violation_id}/evidence/{evidence.pk}"


# --- schemas ---

class CaseQuery(PageQuery):
    project: int | None = Field(None, title="工程项目", description="只列该项目的案件")
    kind: ViolationKind | None = Field(None, title="违规类型")
    state: CaseState | None = Field(None, title="案件状态")
    overdue: bool | None = Field(None, title="逾期", description="true：限期整改中或待复查且已过整改期限；false：其余")
    district: int | None = Field(None, title="县（市、区）", description="市住建局、平台运维单位按县（市、区）筛选")


class CaseOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    district: int = Field(..., validation_alias="project.district_id", title="县（市、区）")
    district_name: str = Field(..., validation_alias="project.district.name", title="县（市、区）名称")
    point: int | None = Field(None, validation_alias="point_id", title="点位", description="null：涉及全项目")
    point_name: str | None = Field(None, title="点位名称")
    kind: str = Field(..., title="违规类型")
    kind_label: str = Field(..., title="违规类型名称")
    state: str = Field(..., title="状态", description="found 已发现，ordered 限期整改中，reported 已报整改待复查，"
                                                     "escalated 复查未通过升级处理，closed 已结案，dismissed 已撤销")
    state_label: str = Field(..., title="状态名称")
    is_open: bool = Field(..., title="未结案")
    source: str = Field(..., title="发现途径", description="onsite 现场检查，patrol 视频巡查，detection 平台自动检测，"
                                                         "cannot_connect_statement 不能接入说明逾期")
    found_at: dt.datetime = Field(..., title="发现时间")
    detail: str = Field(..., title="情况说明")
    ordered_at: dt.datetime | None = Field(None, title="下达整改时间")
    due_date: dt.date | None = Field(None, title="整改期限", description="北京时间的日期，当日内完成；null 见 due_note")
    due_note: str = Field("", title="期限说明", description="期限待定（该年放假安排未录入）时的原因")
    overdue: bool = Field(..., title="逾期", description="限期整改中或待复查且已过整改期限")
    reported_at: dt.datetime | None = Field(None, title="报告整改时间")
    closed_at: dt.datetime | None = Field(None, title="结案时间")

    @staticmethod
    def resolve_point_name(obj) -> str | None:
        return obj.point.name if obj.point_id else None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_state_label(obj) -> str:
        return CASE.label(obj.state)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return _overdue(obj)


class EvidenceOut(Schema):
    id: int
    caption: str = Field(..., title="说明")
    original_name: str = Field(..., title="原文件名")
    file_type: str = Field(..., title="文件类型", description="png、jpg 或 pdf（按内容识别）")
    size: int = Field(..., title="大小（字节）")
    sha256: str = Field(..., title="SHA-256")
    step: int | None = Field(None, validation_alias="step_id", title="办理记录", description="null：未随办理上传")
    uploaded_by_name: str = Field(..., title="上传人（单位）")
    uploaded_at: dt.datetime = Field(..., title="上传时间")
    download: str = Field(..., title="下载地址")

    @staticmethod
    def resolve_uploaded_by_name(obj) -> str:
        return _actor_name(obj.uploaded_by)

    @staticmethod
    def resolve_download(obj) -> str:
        return evidence_path(obj)


class CaseStepOut(Schema):
    id: int
    action: str = Field(..., title="操作", description="open 发现（立案），其余见状态表")
    label: str = Field(..., title="操作名称")
    from_state: str
    to_state: str
    actor_name: str = Field(..., title="办理人（单位）", description="“系统”：平台自动办理")
    opinion: str = Field(..., title="意见或理由")
    at: dt.datetime = Field(..., title="时间")
    evidence: list[int] = Field(..., title="随此步上传的证据")

    @staticmethod
    def resolve_label(obj) -> str:
        if obj.action == "open":
            return "发现违规"
        return next((t.label for t in CASE.transitions if t.action == obj.action), obj.action)

    @staticmethod
    def resolve_evidence(obj) -> list[int]:
        return [e.pk for e in obj.evidence.all()]


class MeasureOut(Schema):
    kind: str = Field(..., title="措施", description="deduction 建议省动态扣分，fine 罚款建议，interview 约谈，"
                                                    "differentiated 差异化管理措施")
    kind_label: str = Field(..., title="措施名称")
    amount: Decimal | None = Field(None, title="扣分或金额", description="扣分：分；罚款建议：元")
    detail: str = Field(..., title="说明")
    decided_by_name: str = Field(..., title="决定人（单位）")
    decided_at: dt.datetime = Field(..., title="决定时间")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class CaseActionOut(Schema):
    action: str
    label: str
    needs_opinion: bool = Field(..., title="须填写意见")
    needs_evidence: bool = Field(..., title="须附证据", description="报告整改完成须至少一个证据文件")
    needs_fine_amount: bool = Field(..., title="须填写罚款建议金额", description="50000～100000 元")
    needs_measures_note: bool = Field(..., title="须写明处理措施", description="施工行为违规升级时")


class CaseTypeOut(Schema):
    number: int = Field(..., title="序号（附件6）")
    legal_basis: str = Field(..., title="法律依据")
    measures: str = Field(..., title="处理措施")
    rectify_days: int = Field(..., title="整改期限（工作日）")
    auto_recheck: bool = Field(..., title="依据平台数据自动复查")


class CaseDetail(CaseOut):
    type: CaseTypeOut = Field(..., title="违规类型（现行）")
    steps: list[CaseStepOut] = Field(..., title="办理记录")
    evidence: list[EvidenceOut] = Field(..., title="证据")
    measures: list[MeasureOut] = Field(..., title="升级处理措施")
    actions: list[CaseActionOut] = Field(..., title="您现在可以办理的操作")

    @staticmethod
    def resolve_type(obj):
        return ViolationType.objects.get(kind=obj.kind)

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.prefetch_related("evidence").order_by("at", "id"))

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.select_related("uploaded_by__organisation").order_by("uploaded_at", "id"))

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.order_by("decided_at", "id"))

    @staticmethod
    def resolve_actions(obj, context):
        vtype = ViolationType.objects.get(kind=obj.kind)
        return [{"action": t.action, "label": t.label, "needs_opinion": t.needs_opinion,
                 "needs_evidence": t.action == "report",
                 "needs_fine_amount": t.target == CaseState.ESCALATED and MeasureKind.FINE in vtype.escalations,
                 "needs_measures_note": t.target == CaseState.ESCALATED
                 and MeasureKind.DIFFERENTIATED in vtype.escalations}
                for t in case_actions(context["request"].auth, obj, now=timezone.now()) if t.action != "auto_close"]


class CaseActIn(Schema):
    action: str = Field(..., title="操作", description="见读取结果的 actions")
    opinion: str = Field("", max_length=2000, title="意见或理由")
    fine_amount: Decimal | None = Field(None, max_digits=12, decimal_places=2, title="罚款建议金额（元）",
                                        description="类型1、6升级处理时必填，50000～100000")
    measures_note: str = Field("", max_length=2000, title="处理措施",
                               description="类型5（施工行为违规）升级处理时必填")
    evidence: list[int] = Field([], max_length=20, title="证据",
                                description="先以 POST /cases/{id}/evidence 上传、尚未用于办理的本人文件的 id；"
                                            "报告整改完成须至少一个")


class EvidenceIn(Schema):
    captions: list[str] = Field([], max_length=20, title="说明",
                                description="与 files 逐一对应（可少于文件数），每条最长 200 字")


def _cases(request):
    return scope_of(request).violations().select_related("project__district", "project__contractor", "point")


@route(router, "get", "", response=page_of(CaseOut), operation_id="cases_list", summary="违规案件列表",
       description="您可见项目的违规案件（附件6），最新发现的在前；县（市、区）只看到本辖区的案件，企业只看到其参建项目的案件。")
def list_cases(request, filters: Query[CaseQuery]):
    qs = _cases(request)
    if filters.project is not None:
        qs = qs.filter(project_id=filters.project)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    if filters.district is not None:
        qs = qs.filter(project__district_id=filters.district)
    if filters.overdue is not None:
        late = {"state__in": OVERDUE_STATES, "due_date__lt": _today()}
        qs = qs.filter(**late) if filters.overdue else qs.exclude(**late)
    return paginate(qs.order_by("-found_at", "-id"), filters)


@route(router, "get", "/{id}", response=CaseDetail, operation_id="cases_read", summary="读取违规案件",
       description="含违规类型的法律依据与措施、办理记录（谁、何时、意见）、证据（含下载地址）、升级处理措施，"
                   "以及您现在可以办理的操作。")
def read_case(request, id: int = OBJECT_ID):
    return visible(_cases(request), id)


@route(router, "post", "/{id}/actions", response={200: CaseDetail, 409: ErrorOut}, operation_id="cases_act",
       summary="办理违规案件",
       description="按状态表办理一步（JSON）：下达整改通知（order，整改期限按工作日自动计算）、报告整改完成（report，"
                   "施工单位或系统集成商，evidence 须列出已上传的证据）、复查通过（recheck_pass）、复查不通过或逾期未整改"
                   "升级处理（recheck_fail、escalate，按类型记录省动态扣分建议、罚款建议、约谈或差异化管理措施）、结案（close）、"
                   "撤销（dismiss）。无权办理答 403，当前状态不允许或已被他人办理答 409，缺少意见、证据、罚款金额不在"
                   "50000～100000 元之间等答 422。")
def act_on_case(request, payload: CaseActIn, id: int = OBJECT_ID):
    case = visible(_cases(request), id)
    wanted = list(dict.fromkeys(payload.evidence))
    attached = list(CaseEvidence.objects.filter(violation=case, pk__in=wanted))
    missing = sorted(set(wanted) - {e.pk for e in attached})
    if missing:
        raise TransitionRefused(f"本案件没有这些证据：{'、'.join(map(str, missing))}。", action=payload.action)
    case_act(user=request.auth, violation=case, action=payload.action, opinion=payload.opinion, now=timezone.now(),
             fine_amount=payload.fine_amount, measures_note=payload.measures_note, attached=attached)
    return visible(_cases(request), id)


@route(router, "post", "/{id}/evidence", response={201: list[EvidenceOut], 409: ErrorOut},
       operation_id="cases_evidence_add", summary="上传违规案件证据",
       description="multipart/form-data：files 为一个或多个文件（PNG、JPEG 或 PDF，按内容识别，大小有上限），captions 为"
                   "对应的说明。由项目所在县（市、区）住建主管部门、市住建局、施工单位或系统集成商上传；不属于任何办理步骤，"
                   "之后可在办理时以 evidence 列出（报告整改完成即须如此）。已结案或撤销的案件答 409。")
def add_case_evidence(request, form: Form[EvidenceIn],
                      files: list[UploadedFile] = EVIDENCE_FILES,
                      id: int = OBJECT_ID):
    case = visible(_cases(request), id)
    added = case_evidence_attach(user=request.auth, violation=case, uploads=files, captions=form.captions,
                                 now=timezone.now())
    return Status(201, list(CaseEvidence.objects.filter(pk__in=[e.pk for e in added])
                            .select_related("uploaded_by__organisation").order_by("id")))


@route(router, "get", "/{id}/evidence/{eid}", response={200: None}, operation_id="cases_evidence_read",
       summary="下载违规案件证据", description="证据文件本身（按内容识别的类型），仅限能看到该案件的用户。")
def case_evidence_file(request, id: int = OBJECT_ID, eid: int = EVIDENCE_ID):
    from sitewatch.onboarding.materials import upload_storage

    case = visible(_cases(request), id)
    evidence = visible(CaseEvidence.objects.filter(violation=case), eid)
    name = evidence.original_name or f"证据{evidence.pk}.{evidence.file_type}"
    response = FileResponse(upload_storage().open(evidence.path, "rb"), as_attachment=True, filename=name,
                            content_type=FILE_TYPES.get(evidence.file_type, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- on-site checks and video patrols ---

class SiteRecordQuery(PageQuery):
    project: int | None = Field(None, title="工程项目", description="只列该项目的记录")
    kind: SiteRecordKind | None = Field(None, title="记录类型", description="onsite 现场检查，patrol 视频巡查")


class SiteRecordOut(Schema):
    id: int
    project: int = Field(..., validation_alias="project_id", title="工程项目")
    project_name: str = Field(..., validation_alias="project.name", title="项目名称")
    kind: str = Field(..., title="记录类型", description="onsite 现场检查，patrol 视频巡查")
    kind_label: str = Field(..., title="记录类型名称")
    observed_at: dt.datetime = Field(..., title="检查（巡查）时间")
    latitude: Decimal | None = Field(None, title="纬度")
    longitude: Decimal | None = Field(None, title="经度")
    behaviours: list[str] = Field(..., title="违规行为")
    findings: str = Field(..., title="检查情况")
    violation: int | None = Field(None, validation_alias="violation_id", title="立案的违规案件",
                                  description="null：未发现违规，或并入此前已立案的同类案件（照片作为其证据）")
    recorded_by_name: str = Field(..., title="记录人（单位）")
    recorded_at: dt.datetime = Field(..., title="登记时间")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class SiteRecordIn(Schema):
    project: int = Field(..., title="工程项目")
    kind: SiteRecordKind = Field(..., title="记录类型", description="onsite 现场检查，patrol 视频巡查")
    observed_at: dt.datetime = Field(..., title="检查（巡查）时间",
                                     description="ISO 8601；不带时区的按北京时间理解；不能晚于现在")
    findings: str = Field(..., max_length=4000, title="检查情况")
    violation_kind: ViolationKind | None = Field(
        None, title="发现的违规类型",
        description="现场检查：no_video、cameras_short 或 no_dust_monitor（不填：未发现违规）；视频巡查填 behaviours")
    behaviours: list[str] = Field([], max_length=len(BEHAVIOURS), title="违规行为（视频巡查）",
                                  description="可选：" + "、".join(BEHAVIOURS))
    latitude: Decimal | None = Field(None, max_digits=9, decimal_places=6, title="纬度")
    longitude: Decimal | None = Field(None, max_digits=9, decimal_places=6, title="经度")

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)


@route(record_router, "get", "", response=page_of(SiteRecordOut), operation_id="site_records_list",
       summary="检查巡查记录列表",
       description="现场检查和视频巡查记录，最新的在前：市住建局、平台运维单位全部，县（市、区）本辖区；企业无权查看记录"
                   "（通过其项目的违规案件查看）。")
def list_site_records(request, filters: Query[SiteRecordQuery]):
    qs = scope_of(request).site_records().select_related("project")
    if filters.project is not None:
        qs = qs.filter(project_id=filters.project)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    return paginate(qs.order_by("-observed_at", "-id"), filters)


@route(record_router, "post", "", response={201: SiteRecordOut}, operation_id="site_records_create",
       summary="登记检查巡查记录",
       description="multipart/form-data：表单字段同下，photos 为现场照片或视频截图（PNG、JPEG 或 PDF，可多个）。由项目所在"
                   "县（市、区）住建主管部门或市住建局登记；现场检查发现类型1、2、6，或视频巡查发现违规行为（类型5）的，"
                   "立案（已有同类未结案件的并入该案件），照片作为案件证据。")
def create_site_record(request, payload: Form[SiteRecordIn],
                       photos: list[UploadedFile] = RECORD_PHOTOS):
    scope = scope_of(request)
    project = visible(scope.projects(), payload.project)
    record = site_record_create(user=request.auth, project=project, kind=payload.kind,
                                observed_at=payload.observed_at, findings=payload.findings, now=timezone.now(),
                                violation_kind=payload.violation_kind, behaviours=payload.behaviours,
                                latitude=payload.latitude, longitude=payload.longitude, photos=photos or [])
    return Status(201, record)


# --- the seven types ---

class ViolationTypeOut(Schema):
    kind: str = Field(..., title="违规类型")
    kind_label: str = Field(..., title="违规类型名称")
    number: int = Field(..., title="序号（附件6）")
    found_by: str = Field(..., title="发现方式")
    measures: str = Field(..., title="处理措施")
    legal_basis: str = Field(..., title="法律依据")
    rectify_days: int = Field(..., title="整改期限（工作日）")
    auto_recheck: bool = Field(..., title="依据平台数据自动复查")
    escalations: list[str] = Field(..., title="升级处理措施",
                                   description="deduction 建议省动态扣分，fine 罚款建议，interview 约谈，"
                                               "differentiated 差异化管理措施")
    updated_at: dt.datetime | None = Field(None, title="修改时间")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


@route(type_router, "get", "", response=list[ViolationTypeOut], operation_id="violation_types_list",
       summary="违规类型", description="附件6的七类违规：发现方式、处理措施、法律依据、整改期限（工作日）与升级处理措施；"
                                      "由市住建局维护，修改留有记录。")
def list_violation_types(request):
    return list(ViolationType.objects.order_by("number"))
