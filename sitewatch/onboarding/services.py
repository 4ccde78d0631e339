"""Writes of the onboarding procedure. Every action goes through ``application_act``: the
transition table (workflows.ONBOARDING) says whether the caller's role on this application
may take it, the state moves with a conditional UPDATE (two officials pressing at once:
one wins, the other is told), and a Step row records who, for which organisation, when and
with what opinion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import scope_for
from sitewatch.lib.dates import local_date
from sitewatch.lib.workdays import CalendarMissing, WorkCalendar
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Application, ApplicationDevice, ApplicationKind, Difficulty, Step
from sitewatch.onboarding.workflows import ONBOARDING, REVIEW_OPINIONS, route_for
from sitewatch.registry.selectors import firm_barring_sanction

# Timestamps an action sets on the application.
STAMPS = {"submit": "submitted_at", "approve": "approved_at", "check_in": "checked_in_at",
          "pick_up": "picked_up_at", "connect": "connected_at"}


def roles_on(user, application: Application) -> set[str]:
    """The roles of the table ``user`` holds on this application: a firm only for its own
    part in the project, a district only for its own district."""
    return project_roles(user, application.project, integrator_id=application.integrator_id)


def project_roles(user, project, *, integrator_id: int | None = None) -> set[str]:
    if user is None:
        return {"system"}
    scope = scope_for(user)
    integrator_id = project.integrator_id if integrator_id is None else integrator_id
    parts = {Role.CONTRACTOR: project.contractor_id, Role.SUPERVISOR: project.supervisor_id,
             Role.INTEGRATOR: integrator_id}
    roles = set()
    if scope.role in parts and parts[scope.role] == scope.firm_id and scope.firm_id is not None:
        roles.add(str(scope.role))
    if scope.role == Role.DISTRICT and project.district_id == scope.district_id:
        roles.add("district")
    if scope.role in (Role.OPERATOR, Role.CITY):
        roles.add(str(scope.role))
    return roles


def _actor_name(user) -> str:
    if user is None:
        return "系统"
    org = getattr(user, "organisation", None)
    person = user.get_full_name() or user.get_username()
    return f"{person}（{org}）" if org else person


@transaction.atomic
def application_create(*, user, project, integrator, devices: Sequence[dict], now: dt.datetime,
                       planned_start: dt.date | None = None, planned_end: dt.date | None = None,
                       address: str = "", contacts: str = "", commitment_letter_signed: bool = False,
                       kind: str = ApplicationKind.NEW) -> Application:
    """Form 1-1 as a draft, by the project's contractor or the integrator it names. A
    resumption (复工重新接入, DOMAIN §5) is for a project that stopped work and was connected
    before: it goes through the whole procedure again, its earlier approvals shown beside it."""
    scope = scope_for(user)
    own = (scope.role == Role.CONTRACTOR and project.contractor_id == scope.firm_id) or (
        scope.role == Role.INTEGRATOR and integrator.pk == scope.firm_id)
    if not own:
        raise TransitionRefused("只有本项目的施工单位，或受其委托的系统集成商，可以填报接入申请。", action="create",
                                status=403)
    if not integrator.is_integrator:
        raise TransitionRefused(f"{integrator.name} 未登记为系统集成商。", action="create")
    if kind == ApplicationKind.RESUMPTION and not Application.objects.filter(
            project=project, state__in=("connected",)).exists():
        raise TransitionRefused("复工重新接入只适用于此前已接入的项目；首次接入请填报新接入申请。", action="create")
    if kind == ApplicationKind.NEW and Application.objects.filter(project=project).exclude(
            state__in=ONBOARDING.final).exists():
        raise TransitionRefused("该项目已有办理中的接入申请。", action="create", status=409)
    barred = firm_barring_sanction(firm=integrator, on=local_date(now))
    if barred is not None:
        until = f"至{barred.ends_on:%Y年%m月%d日}" if barred.ends_on else "（未解除）"
        raise TransitionRefused(
            f"{integrator.name} 自{barred.starts_on:%Y年%m月%d日}起{barred.get_kind_display()}{until}，"
            f"不能作为新接入申请的设备安装单位。依据：{barred.reason}", action="create")
    application = Application.objects.create(
        project=project, kind=kind, integrator=integrator, created_by=user, planned_start=planned_start,
        planned_end=planned_end, address=address or project.address, contacts=contacts,
        commitment_letter_signed=commitment_letter_signed)
    ApplicationDevice.objects.bulk_create([ApplicationDevice(application=application, **device) for device in devices])
    Step.objects.create(application=application, action="create", label="填报申请", from_state="",
                        to_state=application.state, actor=user, actor_name=_actor_name(user),
                        role=scope.role or "", at=now)
    return application


@transaction.atomic
def application_act(*, user, application: Application, action: str, now: dt.datetime, opinion: str = "",
                    details: dict | None = None) -> Step:
    """Take ``action`` (a transition of workflows.ONBOARDING) on the application as ``user``
    (None: the platform itself, e.g. connected from live data). ``details`` carries what
    a form adds to the step: the booking of form 1-5 (``test_date``, ``pickup_date``,
    ``test_applicant``, ``test_applicant_phone``) and, at pick-up, form 1-6's
    ``picked_up_by_name``."""
    roles = roles_on(user, application)
    transition = ONBOARDING.check(application.state, action, roles, opinion=opinion)
    changes: dict[str, object] = {"state": transition.target}
    _check_rules(application, action, changes)
    changes.update(_form_details(action, details or {}, now=now))
    if action == "check_in":
        changes["received_by_name"] = _actor_name(user)
    if action in STAMPS:
        changes[STAMPS[action]] = now
    step = take_step(application, transition, changes=changes, user=user, roles=roles, opinion=opinion, now=now,
                     step=lambda **fields: Step(application=application, **fields))
    if action == "open_difficulty":
        Difficulty.objects.create(application=application, reason=opinion.strip(), opened_at=now)
    elif action == "close_difficulty":
        Difficulty.objects.filter(application=application, closed_at=None).update(closed_at=now,
                                                                                  resolution=opinion.strip())
    return step


def take_step(obj, transition, *, changes: dict, user, roles: set[str], opinion: str, now: dt.datetime, step):
    """Move ``obj`` along ``transition`` with a conditional UPDATE (two people acting on
    the same stale page: one wins, the other is told) and write its step row."""
    if not type(obj).objects.filter(pk=obj.pk, state=obj.state).update(**changes):
        raise TransitionRefused("该申请已被他人办理，请刷新页面后重试。", action=transition.action, state=obj.state,
                                status=409)
    row = step(action=transition.action, label=transition.label, from_state=obj.state, to_state=transition.target,
               actor=user, actor_name=_actor_name(user), role=",".join(sorted(roles & transition.roles)),
               opinion=opinion.strip(), at=now)
    row.save()
    for name, value in changes.items():
        setattr(obj, name, value)
    return row


def _opinions_missing(steps, wanted: Sequence[str], labels: dict[str, str]) -> list[str]:
    """The opinions (actions) not given since the latest submission."""
    since = steps.filter(action="submit").order_by("-at", "-id").values_list("at", flat=True).first()
    given = set(steps.filter(action__in=wanted, at__gte=since).values_list("action", flat=True)) if since else set()
    return [labels[a] for a in wanted if a not in given]


def _check_rules(application: Application, action: str, changes: dict) -> None:
    """What the table cannot say: the data an action needs."""
    devices = list(application.devices.select_related("device_model"))
    if action == "submit" and not devices:
        raise TransitionRefused("申请中至少应有一个安装点位及设备。", action=action)
    if action == "submit":
        from sitewatch.onboarding.materials import materials_missing

        missing = materials_missing(application)
        if missing:
            raise TransitionRefused("尚缺申请材料：" + "、".join(missing) + "。", action=action)
    if action == "approve":
        missing = _opinions_missing(application.steps, REVIEW_OPINIONS, ONBOARDING_LABELS)
        if missing:
            raise TransitionRefused("审核意见书（附件1-3）尚缺：" + "、".join(missing) + "。", action=action)
        changes["route"] = route_for(
            [(d.device_kind, bool(d.device_model and d.device_model.commitment_listed)) for d in devices],
            letter_signed=application.commitment_letter_signed).value
    if action == "open_difficulty" and application.difficulties.filter(closed_at=None).exists():
        raise TransitionRefused("已有未解决的技术难题，请先登记其解决情况。", action=action)
    if action == "close_difficulty" and not application.difficulties.filter(closed_at=None).exists():
        raise TransitionRefused("没有未解决的技术难题。", action=action)
    if action == "pass_test":
        untested = [d.point_name for d in devices if d.test_result != "pass"]
        if untested:
            raise TransitionRefused("以下设备尚未测试通过：" + "、".join(untested) + "。", action=action)
    if action == "pick_up" and application.difficulties.filter(closed_at=None).exists():
        raise TransitionRefused("技术难题尚未解决。", action=action)


def _form_details(action: str, details: dict, *, now: dt.datetime) -> dict:
    """The fields of form 1-5 (booking) and 1-6 (pick-up) an action needs, checked."""
    if action == "book":
        test_date, pickup_date = details.get("test_date"), details.get("pickup_date")
        applicant = (details.get("test_applicant") or "").strip()
        phone = (details.get("test_applicant_phone") or "").strip()
        problems = []
        if not isinstance(test_date, dt.date):
            problems.append("调试日期")
        if not applicant:
            problems.append("设备调试申请人")
        if not phone:
            problems.append("联系方式")
        if problems:
            raise TransitionRefused("设备调试申请表（附件1-5）尚缺：" + "、".join(problems) + "。", action=action)
        if test_date < local_date(now):
            raise TransitionRefused("调试日期不能早于今天。", action=action)
        try:
            working = WorkCalendar.load({test_date.year}).is_working_day(test_date)
        except CalendarMissing as exc:
            raise TransitionRefused(f"{test_date.year}年的节假日安排尚未录入，暂不能预约该年的调试日期。",
                                    action=action) from exc
        if not working:
            raise TransitionRefused(f"{test_date:%Y年%m月%d日}不是工作日，运维单位测试点不接收设备。", action=action)
        if isinstance(pickup_date, dt.date) and pickup_date < test_date:
            raise TransitionRefused("预计领取日期不能早于调试日期。", action=action)
        return {"test_date": test_date, "pickup_date": pickup_date if isinstance(pickup_date, dt.date) else None,
                "test_applicant": applicant[:50], "test_applicant_phone": phone[:30]}
    if action == "pick_up":
        name = (details.get("picked_up_by_name") or "").strip()
        if not name:
            raise TransitionRefused("请填写设备领取人（附件1-6 设备领取人签名）。", action=action)
        return {"picked_up_by_name": name[:50]}
    return {}


@transaction.atomic
def application_device_tested(*, user, device: ApplicationDevice, passed: bool, now: dt.datetime,
                              note: str = "") -> Step:
    """The operator records one device's test result, during testing (a Step row too)."""
    application = device.application
    if "operator" not in roles_on(user, application):
        raise TransitionRefused("只有平台运维单位可以登记测试结果。", action="test_result", status=403)
    if application.state != "testing":
        raise TransitionRefused(f"接入申请当前为“{ONBOARDING.label(application.state)}”，不能登记测试结果。",
                                action="test_result")
    if not passed and not note.strip():
        raise TransitionRefused("测试不通过须说明原因。", action="test_result")
    ApplicationDevice.objects.filter(pk=device.pk).update(test_result="pass" if passed else "fail",
                                                          test_note=note.strip()[:300])
    verdict = "通过" if passed else "不通过"
    return Step.objects.create(
        application=application, action="test_result", label="登记测试结果", from_state=application.state,
        to_state=application.state, actor=user, actor_name=_actor_name(user), role="operator",
        opinion=f"{device.point_name}（{device.get_device_kind_display()}）：{verdict}" + (f"，{note.strip()}" if note.strip() else ""),
        at=now)


ONBOARDING_LABELS = {t.action: t.label for t in ONBOARDING.transitions}


@transaction.atomic
def application_device_bind(*, user, item: ApplicationDevice, device, now: dt.datetime) -> Step:
    """Name the platform device that an applied device became once installed (by the
    applicant or the operator): its live data then decides whether the project is connected."""
    application = item.application
    if not roles_on(user, application) & {"contractor", "integrator", "operator"}:
        raise TransitionRefused("只有施工单位、系统集成商或平台运维单位可以登记安装的设备。", action="bind", status=403)
    if application.state not in ("passed", "installing"):
        raise TransitionRefused(f"接入申请当前为“{ONBOARDING.label(application.state)}”，不能登记安装的设备。",
                                action="bind")
    if device.project_id != application.project_id:
        raise TransitionRefused(f"{device.name} 不属于本项目。", action="bind")
    if device.kind != item.device_kind:
        raise TransitionRefused(f"{device.name} 是{device.get_kind_display()}，与申请的"
                                f"{item.get_device_kind_display()}不符。", action="bind")
    ApplicationDevice.objects.filter(pk=item.pk).update(device=device)
    item.device = device
    return Step.objects.create(
        application=application, action="bind", label="登记安装的设备", from_state=application.state,
        to_state=application.state, actor=user, actor_name=_actor_name(user),
        role=",".join(sorted(roles_on(user, application))), opinion=f"{item.point_name}：{device.name}", at=now)
