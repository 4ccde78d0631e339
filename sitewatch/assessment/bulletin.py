"""The monthly public bulletin of the integrator assessment (附件7, DOMAIN §1 and §8): the
ranking of the integrators by their monthly score, with the deductions per item and the
口径说明, published by the city bureau and then shown to anyone without login.

The monthly score is the mean of the weekly scores of the weeks that end in the month (the
same helpers as the monthly sanction count, :mod:`sitewatch.assessment.weekly`). Publication
freezes the ranking and its notes in a :class:`Bulletin` row (口径 K-B1…K-B7).

Nothing here reads or prints a person: no phone number, no user name. A firm's name and
unified social credit code are public registration data.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from sitewatch.accounts.visibility import Scope
from sitewatch.assessment.models import Assessment, Bulletin
from sitewatch.assessment.rules import SHANGHAI, EvidenceError, Rules
from sitewatch.assessment.weekly import (
    LOW_SCORE,
    MEASURES,
    SUSPENSION_MONTHS,
    check_moment,
    month_week_starts,
    monthly_mean,
    rules_in_force,
)
from sitewatch.lib.dates import local_date
from sitewatch.registry.models import SanctionKind

SCHEMA = "sitewatch.bulletin/1"
ITEMS = {"offline_rate": "离线率", "fix_time": "修复时间", "main_stream": "主码流", "sub_stream": "子码流"}
GUIDELINE = "《湛江市房屋市政工程项目实时远程视频监控和扬尘监测管理工作指引（试行）》"
PUBLISHER = "湛江市住房和城乡建设局"
MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")

log = logging.getLogger("sitewatch.assessment")


class BulletinRefused(Exception):
    """The publication is refused; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- months ---

def parse_month(text: str) -> dt.date | None:
    """"2026-11" → 2026-11-01; anything else → None."""
    match = MONTH_RE.fullmatch(text or "")
    if match is None or not 2000 <= int(match[1]) <= 2999:
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def month_key(month: dt.date) -> str:
    return f"{month.year}-{month.month:02d}"


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def bulletin_title(month: dt.date) -> str:
    return f"湛江市房屋市政工程视频监控和扬尘监测系统集成商考核情况通报（{month_label(month)}）"


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def publishable_from(month: dt.date) -> dt.datetime:
    """When the month may be published (口径 K-B3): the month is over in Asia/Shanghai and
    the check of the last week that ends in it has taken place (a month ending on the check
    weekday's eve has that check on the 1st of the next month)."""
    last_day = _next_month(month) - dt.timedelta(days=1)
    week_end_weekday = (settings.ASSESSMENT_WEEKDAY - 1) % 7
    last_week_end = last_day - dt.timedelta(days=(last_day.weekday() - week_end_weekday) % 7)
    over = dt.datetime.combine(_next_month(month), dt.time(), tzinfo=SHANGHAI)
    return max(over, check_moment(last_week_end + dt.timedelta(days=1)))


def assessed_months() -> list[dt.date]:
    """Every month that has a weekly result, latest first (a week counts in the month it ends in)."""
    months = set()
    for week_start in Assessment.objects.values_list("week_start", flat=True).distinct():
        end = week_start + dt.timedelta(days=6)
        months.add(dt.date(end.year, end.month, 1))
    return sorted(months, reverse=True)


# --- the ranking ---

def ranked(rows: list[dict]) -> list[dict]:
    """Sorted by monthly score, highest first; equal scores (to the published two decimals)
    share a rank and the next rank skips (1, 1, 3); tied rows in credit-code order (K-B2)."""
    rows = sorted(rows, key=lambda r: (-Decimal(r["score"]), r["credit_code"], r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, 1):
        score = Decimal(row["score"])
        if score != previous:
            rank, previous = position, score
        row["rank"] = rank
    return rows


def monthly_ranking(*, month: dt.date) -> dict:
    """The month's ranking computed now from the weekly results: per integrator the mean of
    its weekly scores for the weeks that end in the month, the deductions per item summed
    over those weeks, the weeks counted and the points of its latest week (K-B1)."""
    first, last = month_week_starts(month.year, month.month)
    by_firm: dict[int, list[Assessment]] = defaultdict(list)
    for row in (Assessment.objects.filter(week_start__gte=first, week_start__lte=last)
                .select_related("integrator").order_by("integrator_id", "week_start")):
        by_firm[row.integrator_id].append(row)
    rows = []
    for weeks in by_firm.values():
        firm = weeks[0].integrator
        deductions = dict.fromkeys(ITEMS, 0)
        for week in weeks:
            for item in (week.result or {}).get("deductions", []):
                if item.get("rule") in deductions:
                    deductions[item["rule"]] += int(item.get("amount") or 0)
        rows.append({
            "name": firm.name, "credit_code": firm.credit_code,
            "score": str(monthly_mean(w.score for w in weeks)),
            "deductions": deductions, "deducted": sum(deductions.values()),
            "weeks": len(weeks), "week_scores": [w.score for w in weeks],
            "points": _points(weeks[-1]),
        })
    all_weeks = sorted({w.week_start for weeks in by_firm.values() for w in weeks})
    latest = max((w for weeks in by_firm.values() for w in weeks), key=lambda w: (w.week_start, w.pk), default=None)
    return {
        "schema": SCHEMA, "month": month_key(month), "title": bulletin_title(month),
        "weeks": [w.isoformat() for w in all_weeks], "rows": ranked(rows),
        "notes": bulletin_notes(_rules_of(latest)),
    }


def _points(assessment: Assessment) -> int:
    total = (assessment.result or {}).get("offline_rate", {}).get("total")
    if total is None:
        total = len((assessment.evidence or {}).get("points", []))
    return int(total)


def _rules_of(assessment: Assessment | None) -> Rules:
    """The bands the month's latest week was actually scored by (its evidence carries them)."""
    data = (assessment.evidence or {}).get("rules") if assessment is not None else None
    if data:
        try:
            return Rules.from_dict(data)
        except EvidenceError:
            # An evidence file from before the rules were recorded in it: print the bands in
            # force now, which is what that week was scored by unless the setting changed.
            log.warning("周考核 %s 的证据中考核标准无法读取，通报按现行标准印出。", assessment.pk)
    return rules_in_force()


def bulletin_notes(rules: Rules) -> list[str]:
    """The 口径说明 printed with the bulletin (DOMAIN §8), from the bands in force."""
    offline, fixes = rules.offline_band_texts(), rules.fix_band_texts()
    main, sub = (m.replace("x", "×") for m in (rules.main_minimum, rules.sub_minimum))
    counted = "每周得分" if settings.SANCTION_PERIOD == "weekly" else "月度平均分"
    measures = "，".join(f"第{n}次{_measure(kind)}" for n, kind in sorted(MEASURES.items()))
    return [
        f"考核依据{GUIDELINE}附件7。平台每周检查一次，每周满分{rules.full_score}分，按下列各项扣分，扣完为止，不出现负分。",
        "点位：指监控点位，即摄像机通道（球机、车牌抓拍机）或扬尘监测仪；硬盘录像机（NVR）、硬盘、路由器、APN卡等是点位背后的设备，"
        "不单独计点，硬盘录像机离线时其下通道的点位随之离线。",
        "离线率 = 周检查时离线的点位数 ÷ 参与考核的点位数：" + "；".join(offline) + "。",
        "修复时间：自首次短信通知系统集成商起，至平台数据显示点位恢复在线止（检查时仍未恢复的算至检查时间），按开始的整天数计，"
        "不足一天按一天计：" + "；".join(fixes) + "。离线在某考核周内任一时刻未修复的，计入该周，按恢复或该周检查时的历时扣分。",
        f"码流分辨率：“不低于”指宽、高均不低于下限。摄像机点位主码流低于{main}、子码流低于{sub}的，每点各扣{rules.stream_deduction}分；"
        "分辨率以平台对码流的实测为准，无法实测的以设备上报为准，分辨率未知的不扣分。",
        "月度得分 = 结束日期在本月的各考核周得分的平均分，保留两位小数（四舍五入）；各项扣分为这些考核周的扣分之和"
        "（每周得分最低为0分，故扣分合计可能大于满分与得分之差）；“点位数”为本月最后一个考核周参与考核的点位数。",
        "排名按月度得分从高到低；得分相同的并列同一名次，其后名次顺延（如两家并列第1名，下一家为第3名），并列者按统一社会信用代码排列。",
        f"处理措施：近12个月（滚动计算）内考核低于{LOW_SCORE}分的，{measures}；计次按{counted}。",
        "本通报的排名和数据以发布时为准，发布后平台数据的更正不改变已发布的内容。",
    ]


def _measure(kind: str) -> str:
    if kind == SanctionKind.SUSPENSION:
        return f"暂停承接新项目{SUSPENSION_MONTHS}个月"
    return {SanctionKind.INTERVIEW: "约谈整改", SanctionKind.BLACKLIST: "列入黑名单"}.get(kind, str(kind))


# --- publication ---

def bulletin_publish(*, user, month: dt.date, now: dt.datetime) -> Bulletin:
    """The city bureau publishes a month: the ranking computed now is frozen in the row."""
    from sitewatch.accounts.visibility import scope_for

    label = month_label(month)
    if not scope_for(user).can_publish_bulletins:
        raise BulletinRefused("只有市住建局可以发布月度考核通报。")
    opens = publishable_from(month)
    if now < opens:
        raise BulletinRefused(f"{label}的考核尚未结束，{opens.astimezone(SHANGHAI):%Y年%m月%d日%H:%M}（北京时间）"
                              "该月最后一个考核周检查之后方可发布。")
    existing = Bulletin.objects.filter(month=month).first()
    if existing is not None:
        raise BulletinRefused(f"{label}的考核通报已于{local_date(existing.published_at):%Y年%m月%d日}发布，不能重复发布。")
    snapshot = monthly_ranking(month=month)
    if not snapshot["rows"]:
        raise BulletinRefused(f"{label}没有周考核结果，无可发布。")
    snapshot["published_at"] = now.astimezone(SHANGHAI).isoformat()
    snapshot["publisher"] = PUBLISHER
    try:
        with transaction.atomic():
            return Bulletin.objects.create(month=month, title=snapshot["title"], snapshot=snapshot,
                                           published_by=user, published_at=now)
    except IntegrityError as exc:  # published by someone else a moment ago
        raise BulletinRefused(f"{label}的考核通报已发布，不能重复发布。") from exc


# --- reads (published only: what the public sees), through the caller's Scope ---

def published_bulletins(*, scope: Scope):
    return scope.bulletins().order_by("-month").only("month", "title", "published_at")


def published_bulletin(*, scope: Scope, month: dt.date | None) -> Bulletin | None:
    if month is None:
        return None
    return scope.bulletins().filter(month=month).first()
