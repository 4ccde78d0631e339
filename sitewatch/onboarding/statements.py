"""不能接入说明（附件5, DOMAIN §6): a project that cannot connect for a special reason files
a statement with the reason and a promised date; past that date and still not connected it
becomes a "未接入监管平台" violation record (the enforcement procedure takes it from there)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sitewatch.enforcement.models import Violation, ViolationKind
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Application, CannotConnect
from sitewatch.onboarding.services import _actor_name, project_roles


def cannot_connect_file(*, user, project, reason: str, promised_date: dt.date, now: dt.datetime) -> CannotConnect:
    if not project_roles(user, project) & {"contractor", "integrator"}:
        raise TransitionRefused("只有本项目的施工单位或系统集成商可以填报不能接入说明。", action="file", status=403)
    if not reason.strip():
        raise TransitionRefused("请填写不能接入的原因。", action="file")
    if promised_date <= local_date(now):
        raise TransitionRefused("承诺接入日期应晚于今天。", action="file")
    return CannotConnect.objects.create(project=project, reason=reason.strip(), promised_date=promised_date,
                                        filed_by=user, filed_by_name=_actor_name(user), filed_at=now)


def project_connected(project) -> bool:
    """A project counts as connected once an onboarding application of it is 已接入 (K-O6)."""
    return Application.objects.filter(project=project, state="connected").exists()


def cannot_connect_overdue(*, now: dt.datetime) -> list[Violation]:
    """Statements whose promised date has passed (the day after it, Asia/Shanghai) with the
    project still not connected: each opens (or joins) the project's open 未接入监管平台
    record, once. Safe as several copies: the statement is claimed first."""
    opened = []
    today = local_date(now)
    for statement in CannotConnect.objects.filter(overdue_at=None, promised_date__lt=today).select_related("project"):
        if project_connected(statement.project):
            continue
        with transaction.atomic():
            if not CannotConnect.objects.filter(pk=statement.pk, overdue_at=None).update(overdue_at=now):
                continue  # another copy took it
            violation = _open_not_connected(statement, now)
            CannotConnect.objects.filter(pk=statement.pk).update(violation=violation)
        opened.append(violation)
    return opened


def _open_not_connected(statement: CannotConnect, now: dt.datetime) -> Violation:
    detail = (f"该项目于{local_date(statement.filed_at):%Y年%m月%d日}填报不能接入说明"
              f"（原因：{statement.reason}），承诺于{statement.promised_date:%Y年%m月%d日}前接入监管平台，逾期仍未接入。")
    from sitewatch.enforcement.services import case_open

    violation, _ = case_open(project=statement.project, kind=ViolationKind.NOT_CONNECTED, now=now,
                             source="cannot_connect_statement", detail=detail)
    return violation
