"""The deadlines loop (`sitewatch deadlines`): installations connected from live data, the
test and installation clocks (a reminder the working day before, a notice once overdue),
and cannot-connect statements past their promised date. Restartable and safe as several
copies: every notice is claimed by a unique row, every state change by a conditional
UPDATE."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from sitewatch.lib.dates import local_date
from sitewatch.lib.deadlines import working_days_left
from sitewatch.notifications.services import Recipient, firm_recipients, notification_queue
from sitewatch.onboarding.connection import applications_connect
from sitewatch.onboarding.models import Application, DeadlineNotice
from sitewatch.onboarding.selectors import due_for_installation, due_for_testing
from sitewatch.onboarding.statements import cannot_connect_overdue


def district_recipients(*, district_id: int) -> list[Recipient]:
    from sitewatch.accounts.models import Role, User

    return [Recipient(name=u.display_name, user_id=u.pk, phone=u.phone)
            for u in User.objects.filter(organisation__role=Role.DISTRICT, organisation__district_id=district_id,
                                         is_active=True).order_by("pk")]


def _operator_recipients() -> list[Recipient]:
    from sitewatch.registry.models import Firm

    return [r for firm in Firm.objects.filter(is_operator=True) for r in firm_recipients(firm=firm)]


def _claim(application: Application, clock: str, kind: str, due: dt.date, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            DeadlineNotice.objects.create(application=application, clock=clock, kind=kind, due_date=due, sent_at=now)
    except IntegrityError:
        return False  # sent before, or by another copy just now
    return True


def deadlines_run(*, now: dt.datetime) -> dict[str, int]:
    today = local_date(now)
    sent = 0
    connected = applications_connect(now=now)
    for application in Application.objects.filter(state__in=("testing", "installing")).select_related(
            "project", "project__contractor", "project__supervisor", "integrator").prefetch_related("difficulties"):
        project = application.project
        if application.state == "testing":
            clock, due = "test", due_for_testing(application)
            remind = _operator_recipients()
            late = remind + district_recipients(district_id=project.district_id)
            what = "设备测试"
        else:
            clock, due = "install", due_for_installation(application)
            remind = firm_recipients(firm=project.contractor) + firm_recipients(firm=application.integrator)
            late = firm_recipients(firm=project.supervisor) + district_recipients(district_id=project.district_id)
            what = "设备安装接入"
        left = working_days_left(due, today) if due is not None else None
        if left is None:
            continue  # paused, or a year without calendar data: nothing to remind of
        if left == 1 and _claim(application, clock, "reminder", due.date, now):
            sent += len(notification_queue(
                recipients=remind, related=application, now=now,
                subject=f"{project.name}：{what}期限明天到期",
                body=f"{project.name}的接入申请{what}期限为{due.label}（剩余 1 个工作日），请按期完成。"))
        elif left < 0 and _claim(application, clock, "overdue", due.date, now):
            body = f"{project.name}的接入申请{what}期限为{due.label}，已逾期 {-left} 个工作日。"
            if clock == "install":
                body += "请监理单位督促整改并签发监理通知单，县（市、区）住建主管部门跟进。"
            sent += len(notification_queue(recipients=late + remind, related=application, now=now,
                                           subject=f"{project.name}：{what}已逾期", body=body))
    violations = cannot_connect_overdue(now=now)
    return {"applications_connected": len(connected), "notifications_queued": sent,
            "statements_overdue": len(violations)}
