"""The weekly check (附件7, DOMAIN §8): for every integrator, build the evidence of the week
from the live point states and the offline episodes, score it with the pure rules module
(the same code `sitewatch assess --evidence` runs), store result and evidence, and apply the
sanctions the rolling twelve months of low scores call for.

The check runs on ``ASSESSMENT_WEEKDAY`` at ``ASSESSMENT_TIME`` (Asia/Shanghai; default
Monday 09:00) for the seven days that ended at midnight before it; the deadlines loop runs
it once the moment has passed (:func:`assessments_due`), safe as several copies (one row per
integrator and week under a unique constraint).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from sitewatch.assessment.models import Assessment, OfflineEpisode, SanctionTrigger
from sitewatch.assessment.points import assessed_points, evidence_kind, point_states
from sitewatch.assessment.rules import SHANGHAI, Episode, Evidence, Point, Rules, assess, rules_from_setting
from sitewatch.lib.dates import local_date
from sitewatch.notifications.services import Recipient, firm_recipients, notification_queue
from sitewatch.registry.models import Firm, FirmSanction, SanctionKind

log = logging.getLogger("sitewatch.assessment")
LOW_SCORE = 60
# The n-th low score in twelve months → the measure (DOMAIN §8).
MEASURES = {1: SanctionKind.INTERVIEW, 3: SanctionKind.SUSPENSION, 6: SanctionKind.BLACKLIST}
SUSPENSION_MONTHS = 6
LATE = dt.timedelta(minutes=15)


def rules_in_force() -> Rules:
    """The bands of 附件7 as set (``ASSESSMENT_RULES``; the defaults are the guideline's)."""
    return rules_from_setting(settings.ASSESSMENT_RULES)


def check_moment(day: dt.date) -> dt.datetime:
    hour, minute = (int(x) for x in settings.ASSESSMENT_TIME.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def latest_check(now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The most recent scheduled check at or before ``now``: (week_start, check moment)."""
    today = local_date(now)
    day = today - dt.timedelta(days=(today.weekday() - settings.ASSESSMENT_WEEKDAY) % 7)
    if check_moment(day) > now:
        day -= dt.timedelta(days=7)
    return day - dt.timedelta(days=7), check_moment(day)


def city_evidence(*, week_start: dt.date, check_time: dt.datetime, integrator_ids: set[int] | None = None,
                  states: dict | None = None) -> dict[int, tuple[Evidence, dict]]:
    """Each integrator's evidence for the week, from the live state read now (the check runs
    at ``check_time``; run later, it takes the state when it runs), with the evidence file
    for it: {integrator id: (Evidence, document)}. One pass over the city's points, so a
    city of 300,000 points is a handful of queries."""
    points_qs = assessed_points(on=local_date(check_time)).filter(project__integrator__isnull=False)
    if integrator_ids is not None:
        points_qs = points_qs.filter(project__integrator_id__in=integrator_ids)
    states = point_states(points_qs) if states is None else states  # given: the demo's past weeks
    rows: dict[int, list[tuple]] = {}
    for pk, integrator_id, kind, name, project in points_qs.order_by("pk").values_list(
            "pk", "project__integrator_id", "kind", "name", "project__name"):
        if pk in states:
            rows.setdefault(integrator_id, []).append((pk, kind, name, project))
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=SHANGHAI)
    end = start + dt.timedelta(days=7)
    episodes: dict[int, list[Episode]] = {}
    for point_id, notified, closed in (OfflineEpisode.objects.filter(
            notified_at__isnull=False, notified_at__lt=min(check_time, end))
            .filter(Q(closed_at=None) | Q(closed_at__gte=start)).order_by("notified_at", "pk")
            .values_list("point_id", "notified_at", "closed_at")):
        if point_id in states:
            episodes.setdefault(point_id, []).append(Episode(str(point_id), notified, closed))
    names = dict(Firm.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    codes = dict(Firm.objects.filter(pk__in=list(rows)).values_list("pk", "credit_code"))
    rules = rules_in_force()
    out = {}
    for integrator_id, items in rows.items():
        points, its_episodes = [], []
        for pk, kind, _name, _project in items:
            state, evidence_kind_ = states[pk], evidence_kind(kind)
            camera = evidence_kind_ != "dust_monitor"
            points.append(Point(str(pk), evidence_kind_, state.online,
                                (state.main_resolution or None) if camera else None,
                                (state.sub_resolution or None) if camera else None))
            its_episodes += episodes.get(pk, ())
        its_episodes.sort(key=lambda e: (e.notified_at, e.point))
        evidence = Evidence(integrator=names[integrator_id], week_start=week_start, check_time=check_time,
                            points=tuple(points), episodes=tuple(its_episodes), rules=rules)
        document = evidence.as_dict()
        # For people reading the file (the rules ignore them): each point's project and name,
        # and where a camera's resolutions came from.
        for item, (pk, _kind, name, project) in zip(document["points"], items, strict=True):
            item["project"], item["name"] = project, name
            if "main_resolution" in item and states[pk].resolution_source:
                item["resolution_source"] = states[pk].resolution_source
        document["integrator_credit_code"] = codes[integrator_id]
        out[integrator_id] = (evidence, document)
    return out


def assessment_run(*, now: dt.datetime, week_start: dt.date | None = None,
                   check_time: dt.datetime | None = None) -> list[Assessment]:
    """Assess every integrator with connected points for one week (default: the latest
    scheduled check). An integrator already assessed for that week is left as it is."""
    if week_start is None:
        week_start, check_time = latest_check(now)
    check_time = check_time or check_moment(week_start + dt.timedelta(days=7))
    if check_time > now or now - check_time > LATE:
        # The points' states are read now: a check run late (the loop was down) is dated
        # when it actually looked, not when it should have (口径 K-A5).
        check_time = now
    assessed = set(Assessment.objects.filter(week_start=week_start).values_list("integrator_id", flat=True))
    todo = set(Firm.objects.filter(is_integrator=True).values_list("pk", flat=True)) - assessed
    if not todo:
        return []
    done = []
    firms = Firm.objects.in_bulk(todo)
    for integrator_id, (evidence, document) in sorted(city_evidence(
            week_start=week_start, check_time=check_time, integrator_ids=todo).items()):
        result = assess(evidence)
        try:
            with transaction.atomic():
                row = Assessment.objects.create(integrator_id=integrator_id, week_start=week_start,
                                                check_time=check_time, score=result["score"], result=result,
                                                evidence=document, computed_at=now)
                sanctions_apply(integrator=firms[integrator_id], now=now)
        except IntegrityError:  # another copy assessed it meanwhile
            continue
        done.append(row)
    return done


def assessments_due(*, now: dt.datetime) -> list[Assessment]:
    """What the deadlines loop calls each pass: the latest week, once its check has passed."""
    week_start, check_time = latest_check(now)
    return assessment_run(now=now, week_start=week_start, check_time=check_time)


def period_scores(integrator: Firm, *, now: dt.datetime) -> list[tuple[str, Decimal]]:
    """The scores that count for sanctions in the last twelve months, oldest first: each
    week's, or (``SANCTION_PERIOD=monthly``) each complete month's mean of the weeks that end
    in it."""
    today = local_date(now)
    since = _months_before(today, 12)
    weeks = list(Assessment.objects.filter(integrator=integrator, week_start__gt=since - dt.timedelta(days=7))
                 .order_by("week_start").values_list("week_start", "score"))
    if settings.SANCTION_PERIOD == "weekly":
        return [(f"{ws.isocalendar().year}-W{ws.isocalendar().week:02d}", Decimal(score))
                for ws, score in weeks if ws + dt.timedelta(days=6) >= since]
    months: dict[tuple[int, int], list[int]] = {}
    for ws, score in weeks:
        months.setdefault(week_month(ws), []).append(score)
    out = []
    for (year, month), scores in sorted(months.items()):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        if last >= today or last < since:
            continue  # the month is not over yet, or is older than twelve months
        out.append((f"{year}-{month:02d}", monthly_mean(scores)))
    return out


def week_month(week_start: dt.date) -> tuple[int, int]:
    """The (year, month) a week counts in: the month its last day falls in (DOMAIN §8:
    "monthly = mean of the weeks that end in that month")."""
    end = week_start + dt.timedelta(days=6)
    return end.year, end.month


def month_week_starts(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last possible ``week_start`` of the weeks that end in the month."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return first - dt.timedelta(days=6), last - dt.timedelta(days=6)


def monthly_mean(scores) -> Decimal:
    """The mean of the weekly scores, to two decimals, halves rounded up (as published)."""
    scores = list(scores)
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sanctions_apply(*, integrator: Firm, now: dt.datetime) -> FirmSanction | None:
    """The first low score in twelve months → 约谈整改 (a task for the city bureau); the
    third → no new sites for six months; the sixth → blacklist. Each measure once for the
    score that triggered it, naming the scores it counted."""
    low = [(period, score) for period, score in period_scores(integrator, now=now) if score < LOW_SCORE]
    kind = MEASURES.get(len(low))
    if kind is None:
        return None
    latest = low[-1][0]
    if SanctionTrigger.objects.filter(sanction__firm=integrator, sanction__kind=kind, period=latest,
                                      ordinal=len(low)).exists():
        return None
    today = local_date(now)
    ends = None
    if kind == SanctionKind.SUSPENSION:
        ends = _months_before(today, -SUSPENSION_MONTHS) - dt.timedelta(days=1)
    unit = "周" if settings.SANCTION_PERIOD == "weekly" else "月"
    listed = "、".join(f"{period} {score}分" for period, score in low)
    reason = (f"近12个月内第{len(low)}次考核低于{LOW_SCORE}分（按{unit}计）：{listed}。"
              f"依据湛江市房屋市政工程项目实时远程视频监控和扬尘监测管理工作指引附件7。")
    sanction = FirmSanction.objects.create(firm=integrator, kind=kind, starts_on=today, ends_on=ends, reason=reason,
                                           decided_at=now)
    SanctionTrigger.objects.bulk_create([SanctionTrigger(sanction=sanction, period=period, score=score, ordinal=i)
                                         for i, (period, score) in enumerate(low, 1)])
    recipients = _city_recipients() + firm_recipients(firm=integrator)
    notification_queue(recipients=recipients, related=sanction, now=now,
                       subject=f"{integrator.name}：{sanction.get_kind_display()}",
                       body=f"{integrator.name}{reason}平台已记录“{sanction.get_kind_display()}”"
                            + (f"（{today:%Y年%m月%d日}至{ends:%Y年%m月%d日}不得承接新项目）。" if ends else "。")
                            + ("请市住建局安排约谈整改。" if kind == SanctionKind.INTERVIEW else ""))
    log.warning("%s：%s（%s）", integrator.name, sanction.get_kind_display(), listed)
    return sanction


def _city_recipients() -> list[Recipient]:
    from sitewatch.accounts.models import Role, User

    return [Recipient(name=u.display_name, user_id=u.pk, phone=u.phone)
            for u in User.objects.filter(organisation__role=Role.CITY, is_active=True).order_by("pk")]
