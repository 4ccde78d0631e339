"""约谈整改: the task an interview sanction gives the city bureau (DOMAIN §8: the first
assessment below 60 in twelve months). The weekly check writes the sanction; the interview
waits in the city bureau's 待办 until the bureau records when it was held, who took part and
what was required (a ``SanctionInterview`` row with who recorded it and when)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.services import _actor_name
from sitewatch.registry.models import FirmSanction, SanctionInterview, SanctionKind

ACTION = "interview_record"
MAY_NOT_RECORD = "只有市住建局可以登记约谈整改情况。"


def interviews_waiting(*, scope: Scope) -> QuerySet:
    """Interview sanctions without a record, oldest first: the city bureau's tasks. Other
    roles have none (they may see the sanction, but the interview is not theirs to hold)."""
    if scope.role != Role.CITY:
        return FirmSanction.objects.none()
    return (scope.integrator_sanctions().filter(kind=SanctionKind.INTERVIEW, interview__isnull=True)
            .select_related("firm").prefetch_related("triggers").order_by("starts_on", "pk"))


def interview_record(*, user, sanction: FirmSanction, held_on: dt.date | None, attendees: str, outcome: str,
                     now: dt.datetime) -> SanctionInterview:
    """Record the interview an interview sanction asked for. Refusals are Chinese and typed
    as the procedures' are: 403 not the city bureau, 409 not an interview or already
    recorded, 422 something missing or a date that cannot be."""
    org = getattr(user, "organisation", None)
    if org is None or org.role != Role.CITY:
        raise TransitionRefused(MAY_NOT_RECORD, action=ACTION, status=403)
    if sanction.kind != SanctionKind.INTERVIEW:
        raise TransitionRefused(f"该处理措施为“{sanction.get_kind_display()}”，不需登记约谈。", action=ACTION, status=409)
    attendees, outcome = (attendees or "").strip(), (outcome or "").strip()
    missing = [name for name, empty in (("约谈日期", not isinstance(held_on, dt.date)), ("参加人员", not attendees),
                                        ("约谈情况及整改要求", not outcome)) if empty]
    if missing:
        raise TransitionRefused("约谈记录尚缺：" + "、".join(missing) + "。", action=ACTION)
    if len(attendees) > 300:
        raise TransitionRefused("参加人员不能超过 300 个字符。", action=ACTION)
    if held_on > local_date(now):
        raise TransitionRefused("约谈日期不能晚于今天。", action=ACTION)
    if held_on < sanction.starts_on:
        raise TransitionRefused(f"约谈日期不能早于该措施的起始日期（{sanction.starts_on:%Y年%m月%d日}）。", action=ACTION)
    try:
        with transaction.atomic():
            return SanctionInterview.objects.create(sanction=sanction, held_on=held_on, attendees=attendees,
                                                    outcome=outcome, recorded_by=user,
                                                    recorded_by_name=_actor_name(user), recorded_at=now)
    except IntegrityError:  # recorded meanwhile (one record per sanction)
        raise TransitionRefused("该约谈整改已登记。", action=ACTION, status=409) from None
