"""A sanction's page (处理措施): what it is, the low scores that triggered it, and for an
interview (约谈整改) the city bureau's record of it, entered here. Rows come through the
user's Scope (outside it: 404); the service decides who may record."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import scope_for
from sitewatch.assessment.interviews import MAY_NOT_RECORD, interview_record
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.registry.models import SanctionKind
from sitewatch.web.procedure_forms import DATE_ERRORS, first_error


class InterviewForm(forms.Form):
    held_on = forms.DateField(label="约谈日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages=DATE_ERRORS)
    attendees = forms.CharField(label="参加人员", max_length=300,
                                error_messages={"required": "请填写参加人员。", "max_length": "参加人员不能超过 300 个字。"})
    outcome = forms.CharField(label="约谈情况及整改要求", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "请填写约谈情况及整改要求。",
                                              "max_length": "约谈情况不能超过 4000 个字。"})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sanction_detail(request, pk: int):
    scope = scope_for(request.user)
    sanction = (scope.integrator_sanctions().select_related("firm").prefetch_related("triggers")
                .filter(pk=pk).first())
    if sanction is None:
        raise Http404
    interview = getattr(sanction, "interview", None)
    may_record = (sanction.kind == SanctionKind.INTERVIEW and interview is None and scope.role == Role.CITY)
    context = {"sanction": sanction, "interview": interview, "may_record": may_record,
               "triggers": list(sanction.triggers.all()), "form": InterviewForm()}
    if request.method != "POST":
        return render(request, "web/sanction_detail.html", context)
    form = context["form"] = InterviewForm(request.POST)
    if not may_record and scope.role != Role.CITY:
        return render(request, "web/sanction_detail.html", {**context, "error": MAY_NOT_RECORD}, status=403)
    if not form.is_valid():
        return render(request, "web/sanction_detail.html", {**context, "error": first_error(form)}, status=422)
    data = form.cleaned_data
    try:
        interview_record(user=request.user, sanction=sanction, held_on=data["held_on"], attendees=data["attendees"],
                         outcome=data["outcome"], now=timezone.now())
    except TransitionRefused as exc:
        return render(request, "web/sanction_detail.html", {**context, "error": exc.message}, status=exc.status)
    messages.success(request, "已登记约谈整改情况。")
    return redirect("web:sanction_detail", pk=sanction.pk)
