"""Pages of relocation/removal (附件2), notice registration (附件3, 附件4) and cannot-connect
statements (附件5), and the project page's section listing them.

As everywhere in the web package, rows come through the user's Scope (a project outside
it does not exist: 404) and every write goes through a service that decides who may take
it; the pages only hide what a role cannot use and show the services' refusals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from sitewatch.accounts.visibility import Scope, scope_for
from sitewatch.enforcement.models import Violation
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding import selectors
from sitewatch.onboarding.changes import (
    SUPERVISION_NOTICES,
    change_act,
    change_create,
    notice_register,
    removal_blockers,
)
from sitewatch.onboarding.models import ChangeKind
from sitewatch.onboarding.services import project_roles
from sitewatch.onboarding.statements import cannot_connect_file
from sitewatch.onboarding.workflows import CHANGE
from sitewatch.registry.models import PointKind, PointStatus
from sitewatch.web.procedure_forms import ChangeForm, NoticeForm, StatementForm, first_error

PROJECT_NOT_FOUND = "项目不存在，或不在您的管辖范围内。"
APPLICANTS = {"contractor", "integrator"}
REGISTRARS = {"district", "city"}
# Said before the form is shown; the services say the same when a POST is refused.
MAY_NOT_CHANGE = "只有本项目的施工单位或系统集成商可以申请迁移、拆除。"
MAY_NOT_REGISTER = "只有项目所在县（市、区）住建主管部门或市住建局可以登记告知书。"
MAY_NOT_STATE = "只有本项目的施工单位或系统集成商可以填报不能接入说明。"
# Form 2's five opinions, by the party giving them; the city bureau's is its decision.
OPINION_PARTIES = {"opinion_contractor": "施工单位", "opinion_supervisor": "监理单位",
                   "opinion_district": "县（市、区）住建主管部门", "opinion_operator": "平台运维单位"}
CITY_DECISIONS = ("approve", "reject")


def doc_links(form: str, pk: int) -> list[tuple[str, str]]:
    """(label, URL) of a form's printable documents, or [] while the documents page is not
    installed: the page renders either way."""
    links = []
    for fmt, label in (("pdf", "PDF"), ("docx", "Word")):
        try:
            links.append((label, reverse("web:document", args=[form, pk, fmt])))
        except NoReverseMatch:
            return []
    return links


def _project(request, pk: int):
    project = scope_for(request.user).projects().select_related("district").filter(pk=pk).first()
    if project is None:
        raise Http404(PROJECT_NOT_FOUND)
    return project


def _refused(request, template: str, context: dict, exc_or_message, status: int):
    message = getattr(exc_or_message, "message", exc_or_message)
    return render(request, template, {**context, "error": message}, status=getattr(exc_or_message, "status", status))


# --- 附件2: relocation and removal ---

@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def change_new(request, pk: int):
    """填报迁移、拆除申请（附件2）: the project's active points; a removal's blockers shown up-front."""
    project = _project(request, pk)
    points = scope_for(request.user).points().filter(project=project, status=PointStatus.ACTIVE).order_by("kind",
                                                                                                         "name")
    may_file = bool(project_roles(request.user, project) & APPLICANTS)
    context = {"project": project, "may_file": may_file, "blockers": removal_blockers(project, list(points)),
               "refusal": "" if may_file else MAY_NOT_CHANGE}
    if request.method != "POST":
        context["form"] = ChangeForm(points=points, initial={"kind": ChangeKind.RELOCATE})
        return render(request, "web/change_new.html", context, status=200 if may_file else 403)
    form = context["form"] = ChangeForm(request.POST, points=points)
    if not form.is_valid():
        return _refused(request, "web/change_new.html", context, first_error(form), 422)
    data = form.cleaned_data
    try:
        change = change_create(user=request.user, project=project, kind=data["kind"], points=list(data["points"]),
                               reason=data["reason"], new_location=data["new_location"], now=timezone.now())
    except TransitionRefused as exc:
        return _refused(request, "web/change_new.html", context, exc, 422)
    messages.success(request, "已保存迁移拆除申请（草稿），请核对后提交。")
    return redirect("web:change_detail", pk=change.pk)


def _opinions(change) -> list[dict]:
    """Form 2's five opinions as given since the latest submission: the four parties', then
    the city bureau's decision; a missing one is None."""
    steps = list(change.steps.all())
    submitted = max((s.at for s in steps if s.action == "submit"), default=None)
    current = [s for s in steps if submitted is not None and s.at >= submitted]
    latest = {s.action: s for s in current}  # steps come oldest first: the latest of each action wins
    rows = [{"party": party, "step": latest.get(action)} for action, party in OPINION_PARTIES.items()]
    decision = next((s for s in reversed(current) if s.action in CITY_DECISIONS), None)
    rows.append({"party": "市住建局", "step": decision})
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def change_detail(request, pk: int):
    """One relocation/removal application: facts, points, the five opinions, the blockers of
    a removal, the timeline and the actions the table offers this user."""
    change = selectors.change_list(scope=scope_for(request.user)).filter(pk=pk).first()
    if change is None:
        raise Http404
    error, status = None, 200
    if request.method == "POST":
        try:
            step = change_act(user=request.user, change=change, action=request.POST.get("action", ""),
                              opinion=request.POST.get("opinion", ""), now=timezone.now())
        except TransitionRefused as exc:
            error, status = exc.message, exc.status
            change.refresh_from_db()
        else:
            messages.success(request, f"已办理：{step.label}。")
            return redirect("web:change_detail", pk=change.pk)
    points = list(change.points.all())
    actions = CHANGE.available(change.state, project_roles(request.user, change.project))
    return render(request, "web/change_detail.html", {
        "change": change, "state_label": CHANGE.label(change.state), "points": points,
        "steps": change.steps.all(), "actions": actions, "error": error,
        "opinions": _opinions(change),
        "blockers": removal_blockers(change.project, points)
        if change.kind == ChangeKind.REMOVE and change.state not in CHANGE.final else [],
        "doc_links": doc_links("2", change.pk),
    }, status=status)


# --- 附件3, 附件4: notices ---

@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notice_new(request, pk: int):
    """登记告知书 for a project and the list of its notices."""
    project = _project(request, pk)
    scope = scope_for(request.user)
    cranes = scope.points().filter(project=project, kind=PointKind.TOWER_CRANE_DOME).order_by("name")
    may_register = bool(project_roles(request.user, project) & REGISTRARS)
    notices = selectors.notice_list(scope=scope).filter(project=project)
    context = {"project": project, "may_register": may_register, "refusal": "" if may_register else MAY_NOT_REGISTER,
               "notices": [{"notice": n, "doc_links": doc_links("4", n.pk) if n.kind in SUPERVISION_NOTICES else []}
                           for n in notices]}
    if request.method != "POST":
        context["form"] = NoticeForm(cranes=cranes, initial={"issued_on": local_date(timezone.now())})
        return render(request, "web/notice_new.html", context)
    form = context["form"] = NoticeForm(request.POST, cranes=cranes)
    if not form.is_valid():
        return _refused(request, "web/notice_new.html", context, first_error(form), 422)
    data = form.cleaned_data
    try:
        notice = notice_register(user=request.user, project=project, kind=data["kind"], issued_on=data["issued_on"],
                                 number=data["number"].strip(), point=data["point"], now=timezone.now())
    except TransitionRefused as exc:
        return _refused(request, "web/notice_new.html", context, exc, 422)
    messages.success(request, f"已登记：{notice.get_kind_display()}。")
    return redirect("web:notice_new", pk=project.pk)


# --- 附件5: cannot-connect statements ---

@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def statement_new(request, pk: int):
    """填报不能接入说明（附件5）."""
    project = _project(request, pk)
    may_file = bool(project_roles(request.user, project) & APPLICANTS)
    context = {"project": project, "may_file": may_file, "refusal": "" if may_file else MAY_NOT_STATE}
    if request.method != "POST":
        context["form"] = StatementForm()
        return render(request, "web/statement_new.html", context, status=200 if may_file else 403)
    form = context["form"] = StatementForm(request.POST)
    if not form.is_valid():
        return _refused(request, "web/statement_new.html", context, first_error(form), 422)
    try:
        statement = cannot_connect_file(user=request.user, project=project, now=timezone.now(),
                                        reason=form.cleaned_data["reason"],
                                        promised_date=form.cleaned_data["promised_date"])
    except TransitionRefused as exc:
        return _refused(request, "web/statement_new.html", context, exc, 422)
    messages.success(request, "已填报不能接入说明。")
    return redirect("web:statement_detail", pk=statement.pk)


@require_safe
@login_required
def statement_detail(request, pk: int):
    statement = selectors.statement_list(scope=scope_for(request.user)).filter(pk=pk).first()
    if statement is None:
        raise Http404
    code, label = selectors.statement_state(statement, today=local_date(timezone.now()))
    return render(request, "web/statement_detail.html", {
        "statement": statement, "state": code, "state_label": label, "violation": statement.violation,
        "doc_links": doc_links("5", statement.pk),
    })


# --- the project page's section ---

def project_section(*, user, scope: Scope, project) -> dict:
    """接入与变更办理 on the project page: the project's procedures (through the scope) and
    the forms this user's roles may use; the services still decide on every POST."""
    roles = project_roles(user, project)
    today = local_date(timezone.now())
    statements = list(selectors.statement_list(scope=scope).filter(project=project))
    visible = scope.projects().filter(pk=project.pk)
    return {
        "applications": selectors.application_list(scope=scope).filter(project=project),
        "changes": [(c, CHANGE.label(c.state)) for c in
                    selectors.change_list(scope=scope).filter(project=project).prefetch_related("points")],
        "notices": selectors.notice_list(scope=scope).filter(project=project),
        "statements": [(s, selectors.statement_state(s, today=today)[1]) for s in statements],
        "violations": Violation.objects.filter(project__in=visible, is_open=True).select_related("point"),
        "may_change": bool(roles & APPLICANTS),
        "may_register": bool(roles & REGISTRARS),
        "may_state": bool(roles & APPLICANTS),
    }
