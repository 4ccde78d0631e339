"""The notices of a rectification case (附件6, issue 7 item 5): the rectification order
(整改通知书) to the contractor and the escalation record (升级处理记录), built from the case
as the neutral ``Document`` of layout.py, so the registry in this package (FORMS
"rectification" and "escalation") renders them as PDF and DOCX like the guideline's forms. The guideline gives no template for either: the layout is the
platform's (口径 K-V40); what they print is the case's own record — the type's legal basis
and measures as they stand in the type table, the steps with who and when, the evidence
files, the measures recorded on escalation."""

from __future__ import annotations

from sitewatch.enforcement.models import CaseState, Violation, ViolationType
from sitewatch.enforcement.workflows import CASE
from sitewatch.lib.dates import SHANGHAI
from sitewatch.onboarding.documents.common import cn_date, moment_date
from sitewatch.onboarding.documents.layout import BLANK_DATE, Cell, Document, Para, Row, Table
from sitewatch.onboarding.documents.procedures import _district_bureau

ANNEX = "附件6"  # the annex whose measures the notices carry out (口径 K-V40)
SOURCES = {"onsite": "现场检查", "patrol": "视频巡查", "detection": "平台自动检测",
           "cannot_connect_statement": "不能接入情况说明逾期未接入"}
OPEN_LABEL = "发现违规"


def _label(text: str, **kwargs) -> Cell:
    return Cell(text, label=True, **kwargs)


def moment(at) -> str:
    """A stored moment as printed: 2026年9月29日 10:00 (Asia/Shanghai)."""
    return f"{moment_date(at)} {at.astimezone(SHANGHAI):%H:%M}" if at else ""


def _vtype(violation: Violation) -> ViolationType:
    return ViolationType.objects.get(kind=violation.kind)


def _where(violation: Violation) -> str:
    point = violation.point
    return f"{point.name}（{point.get_kind_display()}）" if point is not None else "全项目"


def deadline_text(violation: Violation, days: int) -> str:
    """"5个工作日，即2026年10月12日前完成" or the reason the date is 待定 (never a guessed date)."""
    if violation.due_date:
        return f"{days}个工作日，即{cn_date(violation.due_date)}前（含当日）完成整改"
    note = violation.due_note or "待定"
    return f"{days}个工作日；截止日期{note if note.startswith('待定') else '待定：' + note}"


def evidence_text(violation: Violation) -> str:
    """One line per file: caption or file name, its type, who uploaded it and when."""
    lines = []
    for n, item in enumerate(violation.evidence.select_related("uploaded_by__organisation").order_by(
            "uploaded_at", "id"), start=1):
        name = item.caption or item.original_name or item.path.rsplit("/", 1)[-1]
        file_name = f"（{item.original_name}）" if item.caption and item.original_name else ""
        lines.append(f"{n}. {name}{file_name}，{item.file_type.upper()}，{moment(item.uploaded_at)}上传")
    return "\n".join(lines) or "（平台未存证据文件）"


def _found_text(violation: Violation) -> str:
    how = SOURCES.get(violation.source, violation.source)
    return f"{moment(violation.found_at)}，{how}"


def rectification_unavailable(violation: Violation) -> str | None:
    if violation.ordered_at is None:
        return (f"整改通知书在县（市、区）住建主管部门下达整改通知后提供；本案件当前为"
                f"“{CASE.label(violation.state)}”，尚未下达整改通知。")
    return None


def _order_step(violation: Violation):
    return violation.steps.filter(action="order").order_by("-at", "-id").first()


def rectification_order(violation: Violation) -> Document:
    """整改通知书: to the contractor, the facts, the requirement and the deadline, the legal
    basis, the evidence; issued by the project's district bureau, seal and signature blank."""
    project = violation.project
    vtype = _vtype(violation)
    order = _order_step(violation)
    bureau = _district_bureau(project)
    contractor = project.contractor.name if project.contractor else "              （施工单位名称）"
    requirement = (order.opinion if order is not None and order.opinion else "按规定完成整改") + (
        "。完成后请在湛江市智慧渣土平台报告整改情况，并上传整改后的照片等证明材料。")
    rows = (
        Row((_label("工程名称"), Cell(project.name, colspan=3))),
        Row((_label("工程地址"), Cell(project.address, colspan=3))),
        Row((_label("施工单位"), Cell(contractor, colspan=3))),
        Row((_label("违规类型"), Cell(f"{vtype.number}. {violation.get_kind_display()}"),
             _label("涉及点位"), Cell(_where(violation)))),
        Row((_label("发现时间及方式"), Cell(_found_text(violation), colspan=3))),
        Row((_label("违规情况"), Cell(violation.detail, colspan=3, box=True))),
        Row((_label("整改要求"), Cell(requirement, colspan=3, box=True))),
        Row((_label("整改期限"), Cell(deadline_text(violation, vtype.rectify_days), colspan=3))),
        Row((_label("逾期未整改或\n复查不合格的\n处理措施"), Cell(vtype.measures, colspan=3, box=True))),
        Row((_label("法律依据"), Cell(vtype.legal_basis, colspan=3, box=True))),
        Row((_label("证据材料"), Cell(evidence_text(violation), colspan=3, box=True))),
    )
    record = f"（平台办理记录：{order.actor_name}，{moment(order.at)}）" if order is not None else ""
    blocks = (
        Para(f"案件编号：{violation.pk}", align="right"),
        Para(f"{contractor}：", space_before_mm=2),
        Para(f"你单位承建的{project.name}存在下列违规情形。现责令你单位在规定期限内完成整改，并通过湛江市智慧渣土平台"
             "报告整改情况；逾期未整改或复查不合格的，将依照下列依据升级处理。", indent=True, align="justify",
             space_before_mm=1),
        Table((18, 42, 14, 26), rows),
        Para(f"{bureau}（盖章）", align="right", space_before_mm=8),
        Para(f"签发人（签名）：              {moment_date(violation.ordered_at)}", align="right", space_before_mm=8),
        Para(f"施工单位签收人（签名）：                日期：{BLANK_DATE}", space_before_mm=6),
        Para(f"备注：一式两份，一份送达施工单位，一份由{bureau}存档。{record}", small=True, space_before_mm=3),
    )
    return Document(form="rectification", annex=ANNEX, title="整改通知书", short_name="整改通知书",
                    subject=project.name, blocks=blocks)


def escalation_unavailable(violation: Violation) -> str | None:
    if not violation.steps.filter(to_state=CaseState.ESCALATED).exists():
        return (f"升级处理记录在复查未通过或逾期未整改、案件升级处理后提供；本案件当前为"
                f"“{CASE.label(violation.state)}”。")
    return None


def _step_label(step, violation: Violation) -> str:
    if step.action == "open":
        return f"{OPEN_LABEL}（{SOURCES.get(violation.source, violation.source)}）"
    transition = next((t for t in CASE.transitions if t.action == step.action), None)
    return transition.label if transition is not None else step.action


def _step_text(step, violation: Violation, vtype: ViolationType) -> str:
    text = step.opinion or ""
    if step.action == "order":
        text = f"{text}\n整改期限：{deadline_text(violation, vtype.rectify_days)}".strip()
    files = [e.caption or e.original_name for e in step.evidence.all()]
    if files:
        text = f"{text}\n附证据：{'、'.join(f for f in files if f) or f'{len(files)}个文件'}".strip()
    return text


def _measure_text(measure) -> str:
    amount = ""
    if measure.amount is not None:
        amount = f"{measure.amount.normalize():f}分：" if measure.kind == "deduction" else f"{measure.amount:,.0f}元："
    return f"{measure.get_kind_display()}\n{amount}{measure.detail}\n（{measure.decided_by_name}，{moment(measure.decided_at)}）"


def escalation_record(violation: Violation) -> Document:
    """升级处理记录: the case's history (found, ordered with the deadline, report, re-check),
    the measures recorded, the legal basis and the evidence."""
    project = violation.project
    vtype = _vtype(violation)
    bureau = _district_bureau(project)
    steps = list(violation.steps.prefetch_related("evidence").order_by("at", "id"))
    escalated = next((s for s in reversed(steps) if s.to_state == CaseState.ESCALATED), None)
    history = [Row((_label("时间"), _label("办理环节"), _label("办理人（单位）"), _label("意见或理由")))]
    history += [Row((Cell(moment(s.at)), Cell(_step_label(s, violation)), Cell(s.actor_name),
                     Cell(_step_text(s, violation, vtype)))) for s in steps]
    measures = list(violation.measures.order_by("decided_at", "id"))
    facts = (
        Row((_label("工程名称"), Cell(project.name, colspan=3))),
        Row((_label("施工单位"), Cell(project.contractor.name if project.contractor else "", colspan=3))),
        Row((_label("违规类型"), Cell(f"{vtype.number}. {violation.get_kind_display()}"),
             _label("涉及点位"), Cell(_where(violation)))),
        Row((_label("发现时间及方式"), Cell(_found_text(violation), colspan=3))),
        Row((_label("违规情况"), Cell(violation.detail, colspan=3, box=True))),
        Row((_label("整改期限"), Cell(deadline_text(violation, vtype.rectify_days), colspan=3))),
        Row((_label("案件状态"), Cell(CASE.label(violation.state), colspan=3))),
    )
    decided = (
        Row((_label("升级处理措施"), Cell("\n\n".join(_measure_text(m) for m in measures) or "（未记录）",
                                          box=True))),
        Row((_label("法律依据"), Cell(vtype.legal_basis, box=True))),
        Row((_label("证据材料"), Cell(evidence_text(violation), box=True))),
    )
    blocks = (
        Para(f"案件编号：{violation.pk}", align="right"),
        Table((18, 42, 14, 26), facts),
        Para("办理经过", bold=True, space_before_mm=3),
        Table((20, 18, 24, 38), tuple(history)),
        Table((18, 82), decided),
        Para("经办人（签名）：                审核人（签名）：", space_before_mm=8),
        Para(f"{bureau}（盖章）", align="right", space_before_mm=8),
        Para(moment_date(escalated.at) if escalated is not None else BLANK_DATE, align="right", space_before_mm=2),
        Para(f"备注：一式两份，一份由{bureau}存档，一份报湛江市住房和城乡建设局。省级动态扣分为建议，"
             "由主管部门在广东省建筑市场监管系统中录入。", small=True, space_before_mm=3),
    )
    return Document(form="escalation", annex=ANNEX, title="违规案件升级处理记录", short_name="升级处理记录",
                    subject=project.name, blocks=blocks)
