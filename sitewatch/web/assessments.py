"""Pages of the weekly integrator assessment (附件7): the scoreboard of a week, one
integrator-week with each deduction's evidence, the evidence file, an integrator's score
history, and the offline episodes with the integrator's 告知恢复上线.

Rows come through the user's Scope only (sitewatch/accounts/visibility.py): an assessment
or episode outside it does not exist (404). Builders, contractors and supervisors have no
scoreboard (口径 K-A9)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from sitewatch.accounts.visibility import scope_for
from sitewatch.assessment import selectors
from sitewatch.assessment.episodes import episode_report_recovery
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused

NO_SCOREBOARD = ("周考核成绩仅限市住建局、县（市、区）住建主管部门、平台运维单位和系统集成商本单位查看；"
                 "本项目点位的离线情况请在“离线事件”页查看。")
NOT_FOUND = "考核结果不存在，或不在您的查看范围内。"
NO_EVIDENCE_FILE = "完整的考核证据文件仅限被考核的系统集成商本单位、市住建局和平台运维单位下载。"
EPISODE_NOT_FOUND = "离线事件不存在，或不在您的查看范围内。"
EPISODE_PAGE_SIZE = 50


def _forbidden(request):
    return render(request, "403.html", {"reason": NO_SCOREBOARD}, status=403)


def _assessment(request, pk: int):
    scope = scope_for(request.user)
    assessment = scope.assessments().select_related("integrator").filter(pk=pk).first()
    if assessment is None:
        raise Http404(NOT_FOUND)
    return scope, assessment


@require_safe
@login_required
def assessment_list(request):
    """周考核成绩: one week's integrators, the latest week assessed unless ?week= names one."""
    scope = scope_for(request.user)
    if not scope.can_read_assessments:
        return _forbidden(request)
    weeks = selectors.assessment_weeks(scope=scope)
    week, error = (weeks[0] if weeks else None), None
    if request.GET.get("week"):
        try:
            asked = dt.date.fromisoformat(request.GET["week"])
        except ValueError:
            asked = None
        if asked in weeks:
            week = asked
        else:
            error = "所选考核周没有可查看的考核结果，已显示最近一周。"
    board = selectors.scoreboard(scope=scope, week_start=week, today=local_date(timezone.now())) if week else None
    return render(request, "web/assessment_list.html", {
        "weeks": [(w, selectors.week_label(w)) for w in weeks], "week": week,
        "week_label": selectors.week_label(week) if week else "", "board": board, "error": error,
        "rule_labels": selectors.RULE_LABELS, "partial": scope.role == "district",
    }, status=400 if error else 200)


@require_safe
@login_required
def assessment_detail(request, pk: int):
    """One integrator-week: the score, each deduction with its evidence, the rules in force."""
    scope, assessment = _assessment(request, pk)
    detail = selectors.assessment_detail(scope=scope, assessment=assessment)
    return render(request, "web/assessment_detail.html", {
        **detail, "week_label": selectors.week_label(assessment.week_start),
        "period": selectors.period_label(assessment.week_start), "verdicts": selectors.VERDICT_LABELS})


@require_safe
@login_required
def assessment_evidence(request, pk: int):
    """The evidence file, exactly as stored: `sitewatch assess --evidence` recomputes the score."""
    scope, assessment = _assessment(request, pk)
    if not scope.can_download_evidence(assessment):
        return render(request, "403.html", {"reason": NO_EVIDENCE_FILE}, status=403)
    body, filename = selectors.evidence_file(assessment)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@login_required
def integrator_history(request, firm_pk: int):
    """An integrator's weekly scores as a line chart with the 60 line, and its sanctions."""
    scope = scope_for(request.user)
    if not scope.can_read_assessments:
        return _forbidden(request)
    firm = scope.assessment_firms().filter(pk=firm_pk).first()
    if firm is None:
        raise Http404("系统集成商不存在，或不在您的查看范围内。")
    history = selectors.integrator_history(scope=scope, firm=firm, today=local_date(timezone.now()))
    return render(request, "web/assessment_history.html", {**history, "rule_labels": selectors.RULE_LABELS,
                                                           "week_label": selectors.week_label})


@require_safe
@login_required
def episode_list(request):
    """离线事件: open first; the integrator reports recovery on its open or recently closed ones."""
    return _episodes_page(request)


def _episodes_page(request, *, error: str = "", status: int = 200):
    scope = scope_for(request.user)
    now = timezone.now()
    page = Paginator(selectors.episode_list(scope=scope), EPISODE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for episode in page.object_list:
        episode.reportable = selectors.episode_reportable(scope=scope, episode=episode, now=now)
    return render(request, "web/episode_list.html", {
        "page_obj": page, "is_integrator": scope.role == "integrator", "window_days": settings.EPISODE_REPORT_WINDOW_DAYS,
        "error": error}, status=status)


@require_POST
@login_required
def episode_report(request, pk: int):
    """告知恢复上线 (POST): recorded with who and when, checked against the data at once; a
    refusal is shown on the list in Chinese with the service's status."""
    scope = scope_for(request.user)
    episode = scope.episodes().select_related("project", "point").filter(pk=pk).first()
    if episode is None:
        raise Http404(EPISODE_NOT_FOUND)
    try:
        episode = episode_report_recovery(user=request.user, episode=episode, now=timezone.now(),
                                          note=request.POST.get("note", ""))
    except TransitionRefused as exc:
        return _episodes_page(request, error=exc.message, status=exc.status)
    messages.success(request, f"已告知恢复上线：{episode.project.name}“{episode.point.name}”，"
                              f"核对结果：{episode.get_report_verdict_display()}。")
    return redirect(reverse("web:episode_list") + f"#episode-{pk}")
