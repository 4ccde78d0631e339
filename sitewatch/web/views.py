"""Pages. Each view parses the request, builds the user's Scope and calls the selectors;
nothing here reads a table directly, so visibility is decided in one place."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from sitewatch.accounts.login import ThrottledAuthenticationForm
from sitewatch.accounts.visibility import scope_for
from sitewatch.notifications.selectors import notification_list
from sitewatch.registry import selectors
from sitewatch.registry.models import GB28181_KINDS, Device, Project
from sitewatch.web import cases, dashboard, dust, procedures, video
from sitewatch.web.forms import (
    DeviceFilterForm,
    FilterForm,
    FirmFilterForm,
    ProjectFilterForm,
    UnregisteredFilterForm,
)

PAGE_SIZE = 25
NOT_FOUND = "项目不存在，或不在您的管辖范围内。"
DEVICE_NOT_FOUND = "设备不存在，或不在您的管辖范围内。"
UNREGISTERED_FORBIDDEN = "未登记设备仅限市住建局、县（市、区）住建主管部门和平台运维单位查看。"


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


class AdminLoginView(LoginView):
    """The admin's login goes through the same throttled form. A signed-in user without admin
    rights is shown the form (with a notice) instead of being bounced back and forth."""

    redirect_authenticated_user = False
    extra_context = {"for_admin": True}


logout = auth_views.LogoutView.as_view()


def _page(request, queryset) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_response(request, template: str, form: FilterForm, queryset, **context):
    filters_ok = form.is_valid()
    context.update(form=form, page_obj=_page(request, queryset), filter_errors=form.error_list())
    return render(request, template, context, status=200 if filters_ok else 400)


@require_safe
@login_required
def home(request):
    scope = scope_for(request.user)
    by_district = dashboard.projects_by_district(scope=scope)
    return render(request, "web/home.html", {
        "counts": dashboard.home_counts(scope=scope),
        "by_district": by_district,
        "chart_data": {"names": [row["name"] for row in by_district], "counts": [row["count"] for row in by_district]},
        "calendar_missing_year": dashboard.calendar_reminder_year(user=request.user, today=timezone.localdate()),
    })


@require_safe
@login_required
def project_list(request):
    scope = scope_for(request.user)
    form = ProjectFilterForm(request.GET, scope=scope)
    projects = selectors.project_list(scope=scope, **form.filters())
    return _list_response(request, "web/project_list.html", form, projects)


@require_safe
@login_required
def project_detail(request, pk: int):
    scope = scope_for(request.user)
    try:
        project = selectors.project_get(scope=scope, pk=pk)
    except Project.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    return render(request, "web/project_detail.html", {
        "project": project,
        "parties": [(Project._meta.get_field(field).verbose_name, getattr(project, field))
                    for field in Project.PARTY_FIELDS.values()],
        "points": selectors.point_list(scope=scope, project=project.pk),
        "devices": selectors.device_list(scope=scope, project=project.pk),
        "dust": dust.dust_section(scope=scope, project=project, now=timezone.now()),
        "video": video.video_section(scope=scope, project=project, now=timezone.now()),
        "may_apply": (scope.role == "contractor" and project.contractor_id == scope.firm_id)
        or scope.role == "integrator",
        "procedures": procedures.project_section(user=request.user, scope=scope, project=project),
        "cases": cases.project_section(user=request.user, scope=scope, project=project),
    })


@require_safe
@login_required
def device_list(request):
    scope = scope_for(request.user)
    form = DeviceFilterForm(request.GET, scope=scope)
    return _list_response(request, "web/device_list.html", form, selectors.device_list(scope=scope, **form.filters()))


@require_safe
@login_required
def device_detail(request, pk: int):
    """A device's facts, its GB/T 28181 registration and channels, and its 上下线记录."""
    scope = scope_for(request.user)
    try:
        row = video.device_get(scope=scope, pk=pk, now=timezone.now())
    except Device.DoesNotExist:
        raise Http404(DEVICE_NOT_FOUND) from None
    flips = Paginator(video.flip_list(scope=scope, device_id=row.device.pk), video.FLIP_PAGE_SIZE)
    return render(request, "web/device_detail.html", {
        "row": row,
        "device": row.device,
        "page_obj": flips.get_page(request.GET.get("page")),
        "is_gb": row.device.kind in GB28181_KINDS or row.registration is not None,
    })


@require_safe
@login_required
def unregistered_list(request):
    """未登记设备: identifiers that tried to connect without being registered."""
    scope = scope_for(request.user)
    if not scope.can_read_unregistered:
        return render(request, "403.html", {"reason": UNREGISTERED_FORBIDDEN}, status=403)
    form = UnregisteredFilterForm(request.GET)
    return _list_response(request, "web/unregistered_list.html", form,
                          video.unregistered_list(scope=scope, **form.filters()), sees_all=scope.sees_all)


@require_safe
@login_required
def firm_list(request):
    scope = scope_for(request.user)
    form = FirmFilterForm(request.GET)
    firms = selectors.firm_list(scope=scope, **form.filters()).order_by("name", "pk")
    return _list_response(request, "web/firm_list.html", form, firms)


@require_safe
@login_required
def notification_list_view(request):
    """The outbox: notifications addressed to the user or their firm (city and operator: all)."""
    scope = scope_for(request.user)
    notifications = notification_list(scope=scope)
    page = _page(request, notifications)
    page.object_list = list(page.object_list)
    links = dust.notification_links(scope=scope, notifications=page.object_list)
    for notification in page.object_list:
        notification.link = links.get(notification.pk)
    return render(request, "web/notification_list.html", {"page_obj": page, "sees_all": scope.sees_all})


@require_safe
@login_required
def inbox_view(request):
    """待办: the procedure steps waiting for this user, most urgent first, overdue in red."""
    from sitewatch.assessment.interviews import interviews_waiting
    from sitewatch.onboarding.selectors import inbox

    scope = scope_for(request.user)
    from sitewatch.enforcement.board import case_inbox

    now = timezone.now()
    items = inbox(user=request.user, scope=scope, now=now)
    return render(request, "web/inbox.html", {"items": items, "interviews": interviews_waiting(scope=scope),
                                              "case_tasks": case_inbox(user=request.user, scope=scope, now=now)})


@require_safe
@login_required
def material_download(request, pk: int):
    """An application material, only for users who see the application (else 404)."""
    from django.http import FileResponse

    from sitewatch.onboarding.materials import upload_storage
    from sitewatch.onboarding.models import Material
    from sitewatch.onboarding.selectors import application_list

    visible = application_list(scope=scope_for(request.user))
    material = Material.objects.filter(pk=pk, application__in=visible).first()
    if material is None:
        raise Http404
    types = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "dwg": "application/acad",
             "dxf": "image/vnd.dxf"}
    name = material.original_name or f"{material.get_kind_display()}.{material.file_type}"
    response = FileResponse(upload_storage().open(material.path, "rb"), as_attachment=True, filename=name,
                            content_type=types.get(material.file_type, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def application_detail(request, pk: int):
    """One application: its points and devices, materials, clocks, timeline, and the actions
    the table offers this user (a POST takes one; refusals are shown in Chinese)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from sitewatch.lib.workflow import TransitionRefused
    from sitewatch.onboarding import selectors as onboarding
    from sitewatch.onboarding.materials import material_upload, materials_missing
    from sitewatch.onboarding.models import MaterialKind
    from sitewatch.onboarding.services import application_act, roles_on
    from sitewatch.onboarding.workflows import ONBOARDING

    application = onboarding.application_list(scope=scope_for(request.user)).filter(pk=pk).first()
    if application is None:
        raise Http404
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "upload":  # a material (applicants, before submission)
                upload = request.FILES.get("file")
                kind = request.POST.get("kind", "")
                if upload is None or kind not in MaterialKind.values:
                    raise TransitionRefused("请选择材料类别和文件。")
                material = material_upload(user=request.user, application=application, kind=kind, upload=upload,
                                           now=timezone.now())
                messages.success(request, f"已上传：{material.get_kind_display()}。")
                return redirect("web:application_detail", pk=application.pk)
            if action in ("device_pass", "device_fail"):  # one device's test result (operator, testing)
                from sitewatch.onboarding.services import application_device_tested

                device = application.devices.filter(pk=request.POST.get("device") or 0).first()
                if device is None:
                    raise TransitionRefused("请选择申请中的设备。")
                step = application_device_tested(user=request.user, device=device, passed=action == "device_pass",
                                                 note=request.POST.get("opinion", ""), now=timezone.now())
            elif action == "supervision_notice":  # 监理通知单: its number and date with the step
                from sitewatch.onboarding.supervision import supervision_notice_record

                step = supervision_notice_record(
                    user=request.user, application=application, number=request.POST.get("notice_number", ""),
                    issued_on=_form_details(request.POST, dates=("notice_issued_on",))["notice_issued_on"],
                    content=request.POST.get("opinion", ""), now=timezone.now()).step
            else:
                step = application_act(user=request.user, application=application, action=action,
                                       now=timezone.now(), opinion=request.POST.get("opinion", ""),
                                       details=_form_details(request.POST))
        except TransitionRefused as exc:
            error = exc.message
        else:
            messages.success(request, f"已办理：{step.label}。")
            return redirect("web:application_detail", pk=application.pk)
    elif request.method not in ("GET", "HEAD"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    actions = ONBOARDING.available(application.state, roles_on(request.user, application) - {"system"})
    return render(request, "web/application_detail.html", {
        "application": application, "state_label": ONBOARDING.label(application.state),
        "devices": application.devices.select_related("device_model", "device"),
        "materials": application.materials.all(), "steps": application.steps.select_related("actor"),
        "difficulties": application.difficulties.all(), "actions": actions, "error": error,
        "action_names": {t.action for t in actions}, "test_site": settings.ONBOARDING_TEST_SITE,
        "record_results": application.state == "testing" and "operator" in roles_on(request.user, application),
        "may_upload": application.state in ("draft", "returned")
        and bool(roles_on(request.user, application) & {"contractor", "integrator"}),
        "material_kinds": MaterialKind.choices,
        "missing": materials_missing(application) if application.state in ("draft", "returned") else [],
        "test_due": onboarding.due_for_testing(application),
        "install_due": onboarding.due_for_installation(application),
        "earlier": onboarding.earlier_approvals(application) if application.kind == "resumption" else [],
    }, status=422 if error else 200)


def _form_details(post, dates=("test_date", "pickup_date")) -> dict:
    """Forms 1-5 and 1-6 as posted with an action; a date that does not parse is left out,
    so the service names it as missing."""
    details = {name: post.get(name, "") for name in ("test_applicant", "test_applicant_phone", "picked_up_by_name")}
    for name in dates:
        try:
            details[name] = dt.date.fromisoformat(post.get(name, ""))
        except ValueError:
            details[name] = None
    return details


@login_required
def application_new(request, pk: int):
    """填报接入申请（附件1-1）for a project the user sees; the service decides who may."""
    from django.shortcuts import redirect

    from sitewatch.lib.workflow import TransitionRefused
    from sitewatch.onboarding.services import application_create
    from sitewatch.web.application_forms import ApplicationForm, DeviceRows, device_rows

    scope = scope_for(request.user)
    project = scope.projects().filter(pk=pk).first()
    if project is None:
        raise Http404(NOT_FOUND)
    error = None
    if request.method == "POST":
        form, rows = ApplicationForm(request.POST, project=project), DeviceRows(request.POST, prefix="devices")
        if form.is_valid() and rows.is_valid():
            devices = device_rows(rows)
            if not devices:
                error = "请至少填写一个安装点位及设备。"
            else:
                try:
                    application = application_create(user=request.user, project=project, devices=devices,
                                                     now=timezone.now(), **form.cleaned_data)
                except TransitionRefused as exc:
                    error = exc.message
                else:
                    return redirect("web:application_detail", pk=application.pk)
    else:
        form, rows = ApplicationForm(project=project), DeviceRows(prefix="devices")
    status = 422 if request.method == "POST" else 200
    return render(request, "web/application_new.html", {"project": project, "form": form, "rows": rows,
                                                        "error": error}, status=status)
