"""Pages of the rectification cases (附件6, issue 7): the case board, a case with its
timeline, evidence and the actions the table offers, evidence downloads, on-site and
video-patrol records, the project page's 违规记录, monthly statistics (ECharts, XLSX) and
the seven types with the city administrator's edits.

Cases come through ``Scope.violations()`` and records through ``Scope.site_records()``:
another district's case does not exist here (404). Every write is a service call that
decides who may take it; the pages only hide what a role cannot use and show the
services' Chinese refusals with their status."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from sitewatch.accounts.visibility import Scope, scope_for
from sitewatch.enforcement import board
from sitewatch.enforcement.models import (
    CaseEvidence,
    MeasureKind,
    SiteRecord,
    SiteRecordKind,
    ViolationKind,
    ViolationType,
)
from sitewatch.enforcement.services import (
    BEHAVIOURS,
    TYPE_FIELDS,
    case_act,
    case_actions,
    site_record_create,
    violation_type_update,
)
from sitewatch.enforcement.workflows import CASE, EVIDENCE_REQUIRED
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.materials import upload_storage
from sitewatch.onboarding.services import project_roles
from sitewatch.web.case_forms import CaseFilterForm, SiteRecordForm, ViolationTypeForm
from sitewatch.web.documents import content_disposition
from sitewatch.web.procedure_forms import first_error
from sitewatch.web.procedures import doc_links

PAGE_SIZE = 25
CASE_NOT_FOUND = "违规案件不存在，或不在您的管辖范围内。"
PROJECT_NOT_FOUND = "项目不存在，或不在您的管辖范围内。"
MAY_NOT_RECORD = "只有项目所在县（市、区）住建主管部门或市住建局可以登记检查、巡查记录。"
STATS_FORBIDDEN = "违规案件统计仅限市住建局、县（市、区）住建主管部门和平台运维单位查看。"
STAFF_ROLES = ("city", "district", "operator")
SOURCES = {"onsite": "现场检查", "patrol": "视频巡查", "detection": "平台自动检测",
           "cannot_connect_statement": "不能接入说明逾期"}
STEP_LABELS = {"open": "发现违规，立案", **{t.action: t.label for t in CASE.transitions}}
# Steps that take evidence files: the contractor's report (at least one, EVIDENCE_REQUIRED)
# and the staff's re-check or escalation (photos of what they found, optional).
EVIDENCE_ACTIONS = frozenset({"report", "recheck_pass", "recheck_fail", "escalate"})
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}
IMAGE_TYPES = ("png", "jpg")
# The notices another engineer adds (整改通知书, 升级处理记录): linked once registered.
CASE_DOCUMENTS = (("rectification", "整改通知书"), ("escalation", "升级处理记录"))
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def case_doc_links(violation) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(label, URL)]) of the case's notices that are registered with the documents
    page and make sense in the case's state (整改通知书 once ordered, 升级处理记录 once
    escalated); none while the documents page lacks them (the page renders either way)."""
    from sitewatch.onboarding.documents import FORMS, document_unavailable

    found = []
    for form, title in CASE_DOCUMENTS:
        if form not in FORMS or document_unavailable(form, violation):
            continue
        links = doc_links(form, violation.pk)
        if links:
            found.append((FORMS[form].label or title, links))
    return found


def _case(request, pk: int):
    violation = (scope_for(request.user).violations().select_related("project__district", "project__contractor",
                                                                      "point", "found_by__organisation")
                 .filter(pk=pk).first())
    if violation is None:
        raise Http404(CASE_NOT_FOUND)
    return violation


# --- the case board ---

@require_safe
@login_required
def case_list(request):
    scope = scope_for(request.user)
    today = local_date(timezone.now())
    form = CaseFilterForm(request.GET, scope=scope)
    filters_ok = form.is_valid()
    cases = board.case_list(scope=scope, today=today, **form.filters())
    page = _page(request, cases)
    rows = [(v, board.deadline(v, today=today)) for v in page.object_list]
    return render(request, "web/case_list.html", {
        "form": form, "page_obj": page, "rows": rows, "filter_errors": form.error_list(),
        "counts": board.case_counts(cases, today=today), "sees_stats": scope.role in STAFF_ROLES,
    }, status=200 if filters_ok else 400)


# --- one case ---

def _action_forms(violation, vtype: ViolationType, actions) -> list[dict]:
    """What each action's form asks for, by the step and the type's measures."""
    forms = []
    for t in actions:
        escalates = t.target == "escalated"
        forms.append({
            "transition": t,
            "evidence": t.action in EVIDENCE_ACTIONS,
            "evidence_required": t.action in EVIDENCE_REQUIRED,
            "fine": escalates and MeasureKind.FINE in vtype.escalations,
            "measures_note": escalates and MeasureKind.DIFFERENTIATED in vtype.escalations,
            "measures": [MeasureKind(code).label for code in vtype.escalations] if escalates else [],
        })
    return forms


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_detail(request, pk: int):
    violation = _case(request, pk)
    error, status, posted = None, 200, ""
    if request.method == "POST":
        posted = request.POST.get("action", "")
        files = request.FILES.getlist("evidence") if posted in EVIDENCE_ACTIONS else []
        captions = [request.POST.get("caption", "").strip()] * len(files)
        try:
            step = case_act(user=request.user, violation=violation, action=posted, now=timezone.now(),
                            opinion=request.POST.get("opinion", ""), evidence=files, captions=captions,
                            fine_amount=request.POST.get("fine_amount") or None,
                            measures_note=request.POST.get("measures_note", ""))
        except TransitionRefused as exc:
            error, status = exc.message, exc.status
            violation.refresh_from_db()
        else:
            messages.success(request, f"已办理：{STEP_LABELS.get(step.action, step.action)}。")
            return redirect("web:case_detail", pk=violation.pk)
    today = local_date(timezone.now())
    vtype = ViolationType.objects.get(kind=violation.kind)
    steps = list(violation.steps.prefetch_related("evidence"))
    evidence = list(violation.evidence.all())
    actions = [t for t in case_actions(request.user, violation, now=timezone.now()) if t.action != "auto_close"]
    site_record = SiteRecord.objects.filter(violation=violation).first()  # seen through its case (K-V23)
    return render(request, "web/case_detail.html", {
        "case": violation, "vtype": vtype, "state_label": CASE.label(violation.state),
        "source_label": SOURCES.get(violation.source, violation.source),
        "deadline": board.deadline(violation, today=today),
        "steps": [{"step": s, "label": STEP_LABELS.get(s.action, s.action), "evidence": list(s.evidence.all())}
                  for s in steps],
        "images": [e for e in evidence if e.file_type in IMAGE_TYPES],
        "files": [e for e in evidence if e.file_type not in IMAGE_TYPES], "evidence_count": len(evidence),
        "measures": list(violation.measures.all()),
        "site_record": site_record,
        "action_forms": _action_forms(violation, vtype, actions), "error": error, "posted": posted,
        "documents": case_doc_links(violation),
    }, status=status)


@require_safe
@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    """An evidence file of a case, only for users who see the case (else 404); images inline
    (the gallery shows them), PDF as an attachment."""
    violation = _case(request, pk)
    evidence = CaseEvidence.objects.filter(pk=evidence_pk, violation=violation).first()
    if evidence is None:
        raise Http404(CASE_NOT_FOUND)
    inline = evidence.file_type in IMAGE_TYPES
    name = evidence.original_name or f"证据{evidence.pk}.{evidence.file_type}"
    response = FileResponse(upload_storage().open(evidence.path, "rb"), as_attachment=not inline, filename=name,
                            content_type=CONTENT_TYPES.get(evidence.file_type, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"  # never a shared cache: scoped to who sees the case
    return response


# --- on-site and video-patrol records ---

@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def site_record_new(request, pk: int):
    scope = scope_for(request.user)
    project = scope.projects().select_related("district").filter(pk=pk).first()
    if project is None:
        raise Http404(PROJECT_NOT_FOUND)
    may_record = bool(project_roles(request.user, project) & {"district", "city"})
    context = {"project": project, "may_record": may_record, "refusal": "" if may_record else MAY_NOT_RECORD,
               "behaviours": BEHAVIOURS}
    if request.method != "POST":
        now = timezone.localtime()
        context["form"] = SiteRecordForm(initial={"kind": SiteRecordKind.ONSITE,
                                                  "observed_at": now.replace(second=0, microsecond=0)})
        return render(request, "web/site_record_new.html", context, status=200 if may_record else 403)
    form = context["form"] = SiteRecordForm(request.POST)
    if not form.is_valid():
        return render(request, "web/site_record_new.html", {**context, "error": first_error(form)}, status=422)
    data = form.cleaned_data
    onsite = data["kind"] == SiteRecordKind.ONSITE
    try:
        record = site_record_create(
            user=request.user, project=project, kind=data["kind"], observed_at=data["observed_at"],
            findings=data["findings"], now=timezone.now(),
            violation_kind=(data["violation_kind"] or None) if onsite else None,
            behaviours=[] if onsite else data["behaviours"], latitude=data["latitude"], longitude=data["longitude"],
            photos=request.FILES.getlist("photos"))
    except TransitionRefused as exc:
        return render(request, "web/site_record_new.html", {**context, "error": exc.message}, status=exc.status)
    # A finding joining an already open case of its type is not linked to the record: go to that case.
    found = data["violation_kind"] if onsite else (ViolationKind.SITE_BEHAVIOUR if data["behaviours"] else "")
    violation = record.violation or (scope.violations().filter(project=project, kind=found, point=None,
                                                               is_open=True).first() if found else None)
    if violation is not None:
        messages.success(request, f"已登记{record.get_kind_display()}记录，违规案件：{violation.get_kind_display()}。")
        return redirect("web:case_detail", pk=violation.pk)
    messages.success(request, f"已登记{record.get_kind_display()}记录（未发现违规）。")
    return redirect(f"{reverse('web:project_detail', args=[project.pk])}#site-records")


def project_section(*, user, scope: Scope, project) -> dict:
    """违规记录 on the project page: every case of the project (all states), the on-site and
    patrol records for those the scope lets see them, the link to record one."""
    today = local_date(timezone.now())
    cases = board.case_list(scope=scope, today=today, project=project.pk)
    return {
        "cases": [(v, board.deadline(v, today=today)) for v in cases],
        "records": scope.site_records().filter(project=project).select_related("violation"),
        "sees_records": scope.role in STAFF_ROLES,
        "may_record": bool(project_roles(user, project) & {"district", "city"}),
    }


# --- monthly statistics ---

def _month(request) -> tuple[int, int, str | None]:
    today = local_date(timezone.now())
    raw = request.GET.get("month", "")
    match = MONTH.match(raw)
    if raw and (match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= today.year + 1):
        return today.year, today.month, f"月份“{raw[:20]}”无效，应为 年-月（如 {today:%Y-%m}），已显示本月。"
    if match:
        return int(match[1]), int(match[2]), None
    return today.year, today.month, None


def _stats_scope(request):
    scope = scope_for(request.user)
    return scope if scope.role in STAFF_ROLES else None


@require_safe
@login_required
def case_stats(request):
    scope = _stats_scope(request)
    if scope is None:
        return render(request, "403.html", {"reason": STATS_FORBIDDEN}, status=403)
    year, month, error = _month(request)
    stats = board.monthly_stats(scope=scope, year=year, month=month, now=timezone.now())
    chart = {"districts": [row["district"] for row in stats["by_district"]],
             "series": [{"name": label, "data": [row[code] for row in stats["by_district"]]}
                        for code, label in stats["columns"]]}
    return render(request, "web/case_stats.html", {
        "stats": stats, "month": f"{year}-{month:02d}", "error": error, "chart": chart,
        "months": _recent_months(local_date(timezone.now())),
    }, status=400 if error else 200)


def _recent_months(today: dt.date, n: int = 24) -> list[str]:
    year, month, out = today.year, today.month, []
    for _ in range(n):
        out.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


@require_safe
@login_required
def case_stats_xlsx(request):
    scope = _stats_scope(request)
    if scope is None:
        return render(request, "403.html", {"reason": STATS_FORBIDDEN}, status=403)
    year, month, error = _month(request)
    if error:
        return render(request, "403.html", {"reason": error}, status=400)
    stats = board.monthly_stats(scope=scope, year=year, month=month, now=timezone.now())
    response = HttpResponse(board.stats_xlsx(stats),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition(board.stats_filename(year, month),
                                                          f"cases-{year}-{month:02d}.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the seven types ---

SNAPSHOT_LABELS = {"found_by": "发现方式", "measures": "处理措施", "legal_basis": "法律依据",
                   "rectify_days": "整改期限（工作日）", "auto_recheck": "依据平台数据自动复查",
                   "escalations": "升级处理措施"}
EDITABLE = ("found_by", "measures", "legal_basis", "rectify_days", "escalations")


def _snapshot_rows(snapshot: dict) -> list[tuple[str, str]]:
    rows = []
    for name in TYPE_FIELDS:
        value = snapshot.get(name)
        if name == "escalations":
            value = "、".join(MeasureKind(c).label for c in value or [] if c in MeasureKind.values) or "无"
        elif name == "auto_recheck":
            value = "是" if value else "否"
        rows.append((SNAPSHOT_LABELS[name], value))
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def violation_types(request):
    is_city = scope_for(request.user).role == "city"
    error, status, failed_pk, failed_form = None, 200, None, None
    if request.method == "POST":
        posted_pk = request.POST.get("type", "")
        vtype = ViolationType.objects.filter(pk=int(posted_pk) if posted_pk.isdigit() else 0).first()
        form = ViolationTypeForm(request.POST, auto_id=f"type{vtype.pk if vtype else 0}_%s")
        try:
            if vtype is None:
                raise TransitionRefused("违规类型不存在。", status=404)
            if not is_city:
                raise TransitionRefused("只有市住建局可以修改违规类型。", status=403)
            if not form.is_valid():
                raise TransitionRefused(first_error(form))
            changes = {name: form.cleaned_data[name] for name in EDITABLE
                       if form.cleaned_data[name] != getattr(vtype, name)}
            if not changes:
                raise TransitionRefused("内容没有变化。")
            violation_type_update(user=request.user, violation_type=vtype, now=timezone.now(), **changes)
        except TransitionRefused as exc:
            error, status = exc.message, exc.status
            failed_pk, failed_form = (vtype.pk if vtype else None), form
        else:
            messages.success(request, f"已修改：{vtype}（修改前的内容已保留）。")
            return redirect(f"{request.path}#type-{vtype.pk}")
    rows = []
    for vtype in ViolationType.objects.prefetch_related("revisions__changed_by__organisation"):
        form = failed_form if vtype.pk == failed_pk else ViolationTypeForm(
            initial={name: getattr(vtype, name) for name in EDITABLE}, auto_id=f"type{vtype.pk}_%s")
        rows.append({"type": vtype, "escalations": [MeasureKind(c).label for c in vtype.escalations
                                                    if c in MeasureKind.values],
                     "form": form if is_city else None,
                     "revisions": [(r, _snapshot_rows(r.snapshot)) for r in vtype.revisions.all()]})
    return render(request, "web/violation_types.html", {"rows": rows, "is_city": is_city, "error": error,
                                                        "failed_pk": failed_pk}, status=status)
