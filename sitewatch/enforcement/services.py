"""Writes of the rectification cases (附件6): open a case (idempotent), take a step of the
transition table, attach evidence, record on-site checks and video patrols, edit a type.

Every state change is a conditional UPDATE (``state=old``), so two people or two copies of
the detection loop acting at once cannot both move a case; the loser is told in Chinese.
Every step is a ``CaseStep`` row with who, when and why; the notices go through the
notification interface in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from sitewatch.enforcement.models import (
    CaseEvidence,
    CaseMeasure,
    CaseStep,
    MeasureKind,
    SiteRecord,
    SiteRecordKind,
    Violation,
    ViolationKind,
    ViolationType,
    ViolationTypeRevision,
)
from sitewatch.enforcement.workflows import CASE
from sitewatch.lib.dates import SHANGHAI, local_date
from sitewatch.lib.workdays import CalendarMissing, add_working_days
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.notifications.services import firm_recipients, notification_queue
from sitewatch.onboarding.materials import SNIFFERS, sniff, stored_upload
from sitewatch.onboarding.reminders import district_recipients
from sitewatch.onboarding.services import _actor_name, project_roles

# The vocabulary of video-patrol findings (type 5), as the issue lists them.
BEHAVIOURS = (
    "围挡缺失/破损", "裸土/砂石未覆盖", "场内道路未硬化", "车辆未冲洗带泥上路", "渣土车未密闭/超载",
    "未湿法作业/雾炮未开", "拆除未洒水", "建筑垃圾凌空抛撒", "关键岗位人员不在岗", "夜间违规施工", "摄像头被遮挡/移位",
)
# What an on-site check can find (types 1, 2, 6); a video patrol finds type 5.
ONSITE_KINDS = (ViolationKind.NO_VIDEO, ViolationKind.CAMERAS_SHORT, ViolationKind.NO_DUST_MONITOR)
EVIDENCE_TYPES = ("png", "jpg", "pdf")
DEDUCTION_POINTS = Decimal(5)  # SG5-6: 5 points off the contractor's provincial dynamic score
FINE_RANGE = (Decimal(50_000), Decimal(100_000))  # 大气条例 art. 83


def violation_type(kind: str) -> ViolationType:
    return ViolationType.objects.get(kind=kind)


def case_roles(user, violation: Violation) -> set[str]:
    """The caller's parts in the case: the project's parties, its district, the city; the
    operator has none (it reads cases but does not act on them); None is the platform."""
    return project_roles(user, violation.project) - {"operator", "supervisor"}


_NOT_OVERDUE = "整改期限（{due}，含当日）未过，不能以逾期未整改升级处理。"


def case_overdue(violation: Violation, *, now: dt.datetime) -> bool:
    """Past its rectification deadline (the deadline day itself still counts, Asia/Shanghai);
    a deadline 待定 is never past."""
    return violation.due_date is not None and local_date(now) > violation.due_date


def case_actions(user, violation: Violation, *, now: dt.datetime) -> list:
    """The steps the table offers this user now: as CASE.available, but 逾期未整改 only once
    the deadline has passed (what the pages and the API offer; case_act checks the same)."""
    return [t for t in CASE.available(violation.state, case_roles(user, violation))
            if t.action != "escalate" or case_overdue(violation, now=now)]


def _step(violation: Violation, *, action: str, from_state: str, to_state: str, user, now: dt.datetime,
          opinion: str = "") -> CaseStep:
    return CaseStep.objects.create(violation=violation, action=action, from_state=from_state, to_state=to_state,
                                   actor=user, actor_name=_actor_name(user), at=now, opinion=opinion.strip())


def case_open(*, project, kind: str, now: dt.datetime, source: str, detail: str, point=None, user=None,
              notify: bool = True) -> tuple[Violation, bool]:
    """Open a case, or return the open one of the same project, point and type: (case,
    created). Safe as several copies: the partial unique constraints decide."""
    existing = Violation.objects.filter(project=project, point=point, kind=kind, is_open=True).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            violation = Violation.objects.create(project=project, point=point, kind=kind, found_at=now, source=source,
                                                 detail=detail, found_by=user)
            _step(violation, action="open", from_state="", to_state=CASE.initial, user=user, now=now, opinion=detail)
            if notify:
                notification_queue(recipients=district_recipients(district_id=project.district_id), related=violation,
                                   now=now, subject=f"{project.name}：发现违规（{violation.get_kind_display()}）",
                                   body=f"{project.name}{'（' + point.name + '）' if point else ''}："
                                        f"{violation.get_kind_display()}。{detail}请核实后下达整改通知。")
    except IntegrityError:  # another copy opened it meanwhile
        return Violation.objects.get(project=project, point=point, kind=kind, is_open=True), False
    return violation, True


def _due(now: dt.datetime, days: int) -> tuple[dt.date | None, str]:
    try:
        return add_working_days(local_date(now), days), ""
    except CalendarMissing as exc:  # never a guessed date: the deadline shows 待定 with why
        return None, f"待定：{exc}"


def _measures(violation: Violation, vtype: ViolationType, *, user, now: dt.datetime, fine_amount,
              measures_note: str) -> list[CaseMeasure]:
    """Unsaved rows, checked (the caller saves them once the case has moved)."""
    """The type's measures for an escalated case. A fine proposal needs its amount within
    50,000–100,000 CNY; the differentiated measures of type 5 need their description."""
    rows = []
    for code in vtype.escalations:
        if code == MeasureKind.DEDUCTION:
            rows.append(CaseMeasure(kind=code, amount=DEDUCTION_POINTS, detail=(
                f"建议对施工单位{violation.project.contractor}进行省级动态扣分（SG5-6）{DEDUCTION_POINTS:g}分，"
                f"请在省建筑市场监管系统中录入。")))
        elif code == MeasureKind.FINE:
            try:
                amount = Decimal(str(fine_amount)) if fine_amount not in (None, "") else None
            except InvalidOperation:
                amount = None
            if amount is None or not FINE_RANGE[0] <= amount <= FINE_RANGE[1]:
                raise TransitionRefused("罚款建议金额须在 50000 元至 100000 元之间（《广东省大气污染防治条例》第八十三条）。",
                                        action="escalate")
            rows.append(CaseMeasure(kind=code, amount=amount, detail=(
                f"建议对施工单位{violation.project.contractor}处罚款 {amount:,.0f} 元，移交执法部门依法办理。")))
        elif code == MeasureKind.INTERVIEW:
            rows.append(CaseMeasure(kind=code, detail=f"由{violation.project.district}监督站对施工单位进行督导、约谈。"))
        elif code == MeasureKind.DIFFERENTIATED:
            if not measures_note.strip():
                raise TransitionRefused("请写明对该违规行为采取的措施（整改、约谈、动态扣分、行政处罚或差异化管理）。",
                                        action="escalate")
            rows.append(CaseMeasure(kind=code, detail=measures_note.strip()))
    for row in rows:
        row.violation, row.decided_by, row.decided_by_name, row.decided_at = violation, user, _actor_name(user), now
    return rows


@transaction.atomic
def case_act(*, user, violation: Violation, action: str, now: dt.datetime, opinion: str = "",
             evidence: Sequence = (), captions: Sequence[str] = (), fine_amount=None,
             measures_note: str = "", attached: Sequence[CaseEvidence] = ()) -> CaseStep:
    """Take ``action`` on the case as ``user`` (None: the platform). ``evidence`` are
    uploaded files (Django UploadedFile) kept with the step; ``attached`` are files the
    user uploaded to the case earlier (``case_evidence_attach``, not yet with a step), joined
    to this step. A report needs at least one file either way."""
    roles = case_roles(user, violation)
    transition = CASE.check(violation.state, action, roles, opinion=opinion)
    if action == "escalate" and not case_overdue(violation, now=now):
        raise TransitionRefused(_NOT_OVERDUE.format(due=violation.due_date.strftime("%Y年%m月%d日")) if
                                violation.due_date else "整改期限待定，不能以逾期未整改升级处理。", action=action,
                                state=violation.state, status=409)
    for item in attached:
        if item.violation_id != violation.pk or item.step_id is not None or item.uploaded_by_id != getattr(
                user, "pk", None):
            raise TransitionRefused(f"证据 {item.pk} 不是您为本案件上传、尚未用于办理的文件。", action=action)
    if action == "report" and not evidence and not attached:
        raise TransitionRefused("报告整改完成须上传整改后的照片或其他证明材料。", action=action)
    vtype = violation_type(violation.kind)
    # Everything that can be refused is checked before the case moves, so a refusal leaves
    # both the row and the object as they were.
    for upload in evidence:
        _checked_type(upload)
    measures = (_measures(violation, vtype, user=user, now=now, fine_amount=fine_amount, measures_note=measures_note)
                if transition.target == "escalated" else [])
    fields: dict = {"state": transition.target, "is_open": transition.target not in CASE.final}
    if action == "order":
        fields["ordered_at"] = now
        fields["due_date"], fields["due_note"] = _due(now, vtype.rectify_days)
    elif action == "report":
        fields["reported_at"] = now
    if transition.target in CASE.final:
        fields["closed_at"] = now
    old = violation.state
    if Violation.objects.filter(pk=violation.pk, state=old).update(**fields) != 1:
        raise TransitionRefused("该案件刚被他人办理，请刷新后重试。", action=action, state=old, status=409)
    for name, value in fields.items():
        setattr(violation, name, value)
    step = _step(violation, action=action, from_state=old, to_state=transition.target, user=user, now=now,
                 opinion=opinion)
    for i, upload in enumerate(evidence):
        evidence_add(user=user, violation=violation, upload=upload, now=now, step=step,
                     caption=captions[i] if i < len(captions) else "")
    if attached and CaseEvidence.objects.filter(pk__in=[e.pk for e in attached], step__isnull=True).update(
            step=step) != len(attached):
        raise TransitionRefused("所选证据刚被用于另一次办理，请刷新后重试。", action=action, status=409)
    CaseMeasure.objects.bulk_create(measures)
    _notify(violation, action=action, vtype=vtype, now=now, opinion=opinion)
    return step


def _notify(violation: Violation, *, action: str, vtype: ViolationType, now: dt.datetime, opinion: str) -> None:
    project = violation.project
    where = f"{project.name}{'（' + violation.point.name + '）' if violation.point_id else ''}"
    kind = violation.get_kind_display()
    parties = firm_recipients(firm=project.contractor) + firm_recipients(firm=project.integrator)
    if action == "order":
        due = f"{violation.due_date:%Y年%m月%d日}前" if violation.due_date else violation.due_note
        subject, body, to = f"整改通知：{where}", f"{where}：{kind}。请于{due}完成整改，并在平台报告整改情况。{opinion}", parties
    elif violation.state == "escalated":
        subject = f"复查未通过，升级处理：{where}"
        reason = "逾期未整改" if action == "escalate" else "复查未通过"
        body = f"{where}：{kind}，{reason}，升级处理。处理措施：{vtype.measures}。{opinion}"
        to = parties + district_recipients(district_id=project.district_id)
    elif violation.state == "closed":
        subject, body, to = f"已结案：{where}", f"{where}：{kind}，已结案。{opinion}", parties
    elif action == "report":
        subject, body = f"已报整改，待复查：{where}", f"{where}：{kind}，施工单位已报告整改完成，请复查。{opinion}"
        to = district_recipients(district_id=project.district_id)
    else:
        return
    notification_queue(recipients=to, subject=subject, body=body, related=violation, now=now)


def evidence_add(*, user, violation: Violation, upload, now: dt.datetime, step: CaseStep | None = None,
                 caption: str = "") -> CaseEvidence:
    """Store one evidence file (photo, screenshot or PDF), checked by its content and size,
    under UPLOAD_ROOT/cases/<case id>/."""
    found = _checked_type(upload)
    return CaseEvidence.objects.create(violation=violation, step=step, caption=caption.strip()[:200], uploaded_by=user,
                                       uploaded_at=now,
                                       **stored_upload(upload, file_type=found, prefix=f"cases/{violation.pk}/"))


EVIDENCE_ROLES = frozenset({"district", "city", "contractor", "integrator"})


@transaction.atomic
def case_evidence_attach(*, user, violation: Violation, uploads: Sequence, now: dt.datetime,
                         captions: Sequence[str] = ()) -> list[CaseEvidence]:
    """Files added to an open case outside a step (the API's multipart upload, 口径 K-V41):
    by the project's district bureau, the city bureau, or the contractor and integrator who
    rectify. Every file is checked before any is stored; a later step may take them up."""
    if not case_roles(user, violation) & EVIDENCE_ROLES:
        raise TransitionRefused("只有项目所在县（市、区）住建主管部门、市住建局、施工单位或系统集成商可以上传证据。",
                                action="evidence", status=403)
    if violation.state in CASE.final:
        raise TransitionRefused(f"案件已{CASE.label(violation.state)}，不能再上传证据。", action="evidence",
                                state=violation.state, status=409)
    if not uploads:
        raise TransitionRefused("请选择要上传的文件。", action="evidence")
    for upload in uploads:
        _checked_type(upload)
    return [evidence_add(user=user, violation=violation, upload=upload, now=now,
                         caption=captions[i] if i < len(captions) else "") for i, upload in enumerate(uploads)]


def _checked_type(upload) -> str:
    """The evidence file's type by its content, or the Chinese refusal (size, type)."""
    if upload.size > settings.MATERIAL_MAX_BYTES:
        raise TransitionRefused(f"文件过大：{upload.size / 1048576:.1f} MB，上限 "
                                f"{settings.MATERIAL_MAX_BYTES / 1048576:.0f} MB。", action="evidence")
    head = upload.read(512)
    upload.seek(0)
    found = sniff(head)
    if found not in EVIDENCE_TYPES:
        names = "、".join(SNIFFERS[t][0] for t in EVIDENCE_TYPES)
        raise TransitionRefused(f"证据须为 {names} 文件；所传文件“{(upload.name or '')[:60]}”"
                                f"{'是 ' + SNIFFERS[found][0] if found else '无法识别类型'}。", action="evidence")
    return found


@transaction.atomic
def site_record_create(*, user, project, kind: str, observed_at: dt.datetime, findings: str, now: dt.datetime,
                       violation_kind: str | None = None, behaviours: Iterable[str] = (), latitude=None,
                       longitude=None, photos: Sequence = ()) -> SiteRecord:
    """An on-site check (types 1, 2, 6) or a video patrol (type 5) by the project's district
    bureau or the city bureau. A finding opens a case (or joins the open one of its type),
    the photos becoming its evidence."""
    roles = project_roles(user, project)
    if not roles & {"district", "city"}:
        raise TransitionRefused("只有项目所在县（市、区）住建主管部门或市住建局可以登记检查、巡查记录。",
                                action="site_record", status=403)
    findings = (findings or "").strip()
    behaviours = [b for b in behaviours if b]
    if not findings:
        raise TransitionRefused("请填写检查（巡查）情况。", action="site_record")
    if observed_at > now:
        raise TransitionRefused("检查（巡查）时间不能晚于现在。", action="site_record")
    if kind == SiteRecordKind.PATROL:
        unknown = [b for b in behaviours if b not in BEHAVIOURS]
        if unknown:
            raise TransitionRefused(f"未知的违规行为：{'、'.join(unknown)}。", action="site_record")
        if behaviours:
            violation_kind = ViolationKind.SITE_BEHAVIOUR
    elif kind == SiteRecordKind.ONSITE:
        if violation_kind and violation_kind not in ONSITE_KINDS:
            raise TransitionRefused("现场检查只登记未安装视频监控设备、监控摄像头数量或部位不符合要求、"
                                    "未安装扬尘在线监测设备三类违规。", action="site_record")
    else:
        raise TransitionRefused("记录类型无效。", action="site_record")
    for value, name, bound in ((latitude, "纬度", 90), (longitude, "经度", 180)):
        if value is not None and not -bound <= Decimal(str(value)) <= bound:
            raise TransitionRefused(f"{name}超出范围。", action="site_record")
    violation = None
    if violation_kind:
        detail = findings + (f"（违规行为：{'、'.join(behaviours)}）" if behaviours else "")
        violation, _ = case_open(project=project, kind=violation_kind, now=now, user=user, source=kind,
                                 detail=detail, notify=False)
        for photo in photos:
            evidence_add(user=user, violation=violation, upload=photo, now=now,
                         caption=f"{SiteRecordKind(kind).label} {observed_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}")
    if violation is not None and SiteRecord.objects.filter(violation=violation).exists():
        violation_link = None  # the open case was found earlier; this record adds to its evidence
    else:
        violation_link = violation
    return SiteRecord.objects.create(project=project, kind=kind, observed_at=observed_at, findings=findings,
                                     behaviours=behaviours, latitude=latitude, longitude=longitude,
                                     violation=violation_link, recorded_by=user, recorded_by_name=_actor_name(user),
                                     recorded_at=now)


TYPE_FIELDS = ("found_by", "measures", "legal_basis", "rectify_days", "auto_recheck", "escalations")


@transaction.atomic
def violation_type_update(*, user, violation_type: ViolationType, now: dt.datetime, **changes) -> ViolationType:
    """The city administrator edits a type; the type as it was is kept as a revision."""
    org = getattr(user, "organisation", None)
    if org is None or org.role != "city":
        raise TransitionRefused("只有市住建局可以修改违规类型。", action="type_update", status=403)
    unknown = set(changes) - set(TYPE_FIELDS)
    if unknown:
        raise TransitionRefused(f"不能修改：{'、'.join(sorted(unknown))}。", action="type_update")
    if "rectify_days" in changes and not 1 <= int(changes["rectify_days"]) <= 60:
        raise TransitionRefused("整改期限应为 1 至 60 个工作日。", action="type_update")
    bad = set(changes.get("escalations", ())) - set(MeasureKind.values)
    if bad:
        raise TransitionRefused(f"未知的升级处理措施：{'、'.join(sorted(bad))}。", action="type_update")
    snapshot = model_to_dict(violation_type, fields=("kind", "number", *TYPE_FIELDS))
    ViolationTypeRevision.objects.create(violation_type=violation_type, snapshot=snapshot, changed_by=user,
                                         changed_at=now)
    for name, value in changes.items():
        setattr(violation_type, name, value)
    violation_type.updated_by, violation_type.updated_at = user, now
    violation_type.save()
    return violation_type
