"""监理通知单 while the devices are being installed (DOMAIN §1: the supervisor issues one
when installation is overdue and reports it to the district). The notice is the onboarding
table's ``supervision_notice`` step (its opinion is the notice's content) plus a row with
the notice's number and date, written in one transaction: both or neither."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Application, SupervisionNotice
from sitewatch.onboarding.services import _actor_name, application_act

ACTION = "supervision_notice"


@transaction.atomic
def supervision_notice_record(*, user, application: Application, number: str, issued_on: dt.date | None,
                              content: str, now: dt.datetime) -> SupervisionNotice:
    # The table speaks first (who may, in which state, the content as its opinion), so a
    # firm without the right is told so rather than asked for a number; a refusal of the
    # number or date below rolls the step back with the rest of the transaction.
    step = application_act(user=user, application=application, action=ACTION, now=now, opinion=content)
    number = (number or "").strip()
    problems = [name for name, missing in (("编号", not number), ("签发日期", not isinstance(issued_on, dt.date)))
                if missing]
    if problems:
        raise TransitionRefused("监理通知单尚缺：" + "、".join(problems) + "。", action=ACTION)
    if len(number) > 100:
        raise TransitionRefused("监理通知单编号不能超过 100 个字符。", action=ACTION)
    if issued_on > local_date(now):
        raise TransitionRefused("监理通知单的签发日期不能晚于今天。", action=ACTION)
    if SupervisionNotice.objects.filter(application=application, number=number).exists():
        raise TransitionRefused(f"编号为“{number}”的监理通知单已登记。", action=ACTION, status=409)
    return SupervisionNotice.objects.create(application=application, step=step, number=number,
                                            issued_on=issued_on, content=content.strip(), recorded_by=user,
                                            recorded_by_name=_actor_name(user), recorded_at=now)
