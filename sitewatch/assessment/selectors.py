"""Reads of the weekly assessment for the pages and the API: the scoreboard of a week, one
integrator-week with the evidence behind each deduction, an integrator's history and the
offline episodes. Every read starts from the caller's Scope (sitewatch/accounts/visibility.py);
a district sees its own district's evidence items only (口径 K-A8)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict

from django.db.models import Q, QuerySet

from sitewatch.accounts.visibility import Scope
from sitewatch.assessment.episodes import report_window
from sitewatch.assessment.models import Assessment, OfflineEpisode, SanctionTrigger
from sitewatch.assessment.rules import Rules, parse_evidence
from sitewatch.assessment.weekly import LOW_SCORE
from sitewatch.registry.models import Firm, FirmSanction

RULE_LABELS = {"offline_rate": "离线率", "fix_time": "修复时间", "main_stream": "主码流", "sub_stream": "子码流"}
RULES = tuple(RULE_LABELS)
KIND_LABELS = {"camera": "摄像机（球机）", "plate_camera": "车牌抓拍机", "dust_monitor": "扬尘监测仪"}
SOURCE_LABELS = {"device_config": "设备配置查询", "measured": "码流实测"}
VERDICT_LABELS = dict(OfflineEpisode._meta.get_field("report_verdict").choices)


def week_label(week_start: dt.date) -> str:
    iso = week_start.isocalendar()
    end = week_start + dt.timedelta(days=6)
    return f"{iso.year}年第{iso.week}周（{week_start:%m月%d日}—{end:%m月%d日}）"


def period_label(week_start: dt.date) -> str:
    iso = week_start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- the scoreboard ---

def assessment_weeks(*, scope: Scope) -> list[dt.date]:
    """The weeks with a visible assessment, latest first."""
    return list(scope.assessments().order_by("-week_start").values_list("week_start", flat=True).distinct())


def sanctions_in_force(*, scope: Scope, on: dt.date, firm_ids) -> dict[int, list[FirmSanction]]:
    out: dict[int, list[FirmSanction]] = defaultdict(list)
    for sanction in (scope.integrator_sanctions().filter(firm_id__in=list(firm_ids), starts_on__lte=on)
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("-starts_on", "-pk")):
        out[sanction.firm_id].append(sanction)
    return out


@dataclasses.dataclass
class ScoreRow:
    assessment: Assessment
    by_rule: dict[str, int]
    counts: dict[str, int]
    sanctions: list[FirmSanction]

    @property
    def low(self) -> bool:
        return self.assessment.score < LOW_SCORE


def _by_rule(result: dict) -> tuple[dict[str, int], dict[str, int]]:
    amounts, counts = dict.fromkeys(RULES, 0), dict.fromkeys(RULES, 0)
    for item in result.get("deductions", []):
        amounts[item["rule"]] = amounts.get(item["rule"], 0) + item["amount"]
        counts[item["rule"]] = counts.get(item["rule"], 0) + 1
    return amounts, counts


def scoreboard(*, scope: Scope, week_start: dt.date, today: dt.date) -> dict:
    """One week's visible results, lowest score first, with deductions per item (totals over
    all the integrator's points: scores are not itemised here) and sanctions in force."""
    rows = list(scope.assessments().filter(week_start=week_start).select_related("integrator")
                .order_by("score", "integrator__name", "pk"))
    sanctions = sanctions_in_force(scope=scope, on=today, firm_ids={a.integrator_id for a in rows})
    out = []
    for assessment in rows:
        amounts, counts = _by_rule(assessment.result)
        out.append(ScoreRow(assessment, amounts, counts, sanctions.get(assessment.integrator_id, [])))
    scores = [r.assessment.score for r in out]
    return {"rows": out, "counts": {
        "integrators": len(out), "low": sum(1 for s in scores if s < LOW_SCORE),
        "full": sum(1 for s in scores if s == 100),
        "mean": f"{sum(scores) / len(scores):.1f}" if scores else "—",
        "sanctioned": sum(1 for r in out if r.sanctions)}}


# --- one integrator-week ---

def _point_item(raw: dict) -> dict:
    return {"id": raw["id"], "project": raw.get("project", ""), "name": raw.get("name", ""),
            "kind": raw.get("kind", ""), "kind_label": KIND_LABELS.get(raw.get("kind"), raw.get("kind", "")),
            "online_at_check": raw.get("online_at_check"), "main_resolution": raw.get("main_resolution"),
            "sub_resolution": raw.get("sub_resolution"),
            "resolution_source": SOURCE_LABELS.get(raw.get("resolution_source") or "", "")}


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def rules_text(rules: Rules) -> list[str]:
    """The bands in force, as the 口径 rows read them (from the evidence's own rules)."""
    bands, fixes = rules.offline_band_texts(), rules.fix_band_texts()
    return [
        f"满分{rules.full_score}分，扣完为止，不出现负分。",
        "离线率 = 检查时离线点位数 ÷ 参与考核点位数：" + "；".join(bands) + "（口径 K-A2）。",
        "修复时间自首次短信通知起算至恢复上线（未恢复的算到检查时间），不足一天按一天计：" + "；".join(fixes)
        + "。离线事件在考核周内任一时刻处于离线状态、且在检查前已发短信通知的计入该周（口径 K-A3）。",
        f"摄像机主码流低于{rules.main_minimum.replace('x', '×')}、子码流低于{rules.sub_minimum.replace('x', '×')}的，"
        f"每点各扣{rules.stream_deduction}分；分辨率未知的不计分（口径 K-A4）。",
    ]


def assessment_detail(*, scope: Scope, assessment: Assessment) -> dict:
    """The drill-down: each deduction with its evidence. For a district, the items of other
    districts' points are counted (how many, how many points) but not itemised."""
    evidence, result = assessment.evidence, assessment.result
    points = {p["id"]: _point_item(p) for p in evidence.get("points", [])}
    visible = scope.assessment_point_ids(points)
    shown = (lambda pid: True) if visible is None else (lambda pid: pid is None or pid in visible)
    records = {}
    ep_point_ids = [int(e["point"]) for e in result.get("episodes", []) if str(e["point"]).isdigit()
                    and shown(e["point"])]
    for record in OfflineEpisode.objects.filter(point_id__in=ep_point_ids, notified_at__isnull=False).select_related(
            "reported_by"):
        records[(str(record.point_id), record.notified_at)] = record
    episodes = []
    for item in result.get("episodes", []):
        if not shown(item["point"]):
            continue
        notified, recovered = _moment(item["notified_at"]), _moment(item.get("recovered_at"))
        episodes.append({"point": points.get(item["point"], {"id": item["point"]}), "notified_at": notified,
                         "recovered_at": recovered, "days": item["days"], "amount": item["amount"],
                         # the rules count to the check when it came back later (K-A3)
                         "recovered_by_check": recovered is not None and recovered <= assessment.check_time,
                         "record": records.get((item["point"], notified))})
    by_episode = {(e["point"]["id"], e["notified_at"]): e for e in episodes}
    deductions, hidden = [], {"count": 0, "amount": 0}
    for item in result.get("deductions", []):
        if not shown(item["point"]):
            hidden["count"] += 1
            hidden["amount"] += item["amount"]
            continue
        row = {"rule": item["rule"], "rule_label": RULE_LABELS.get(item["rule"], item["rule"]),
               "amount": item["amount"], "detail": item["detail"], "point": points.get(item["point"])}
        if item["rule"] == "fix_time":
            notified = _moment(item["detail"].split(" ", 1)[0])
            row["episode"] = by_episode.get((item["point"], notified))
        deductions.append(row)
    offline = result.get("offline_rate", {})
    amounts, counts = _by_rule(result)
    return {
        "assessment": assessment, "complete": visible is None, "deductions": deductions, "hidden": hidden,
        "amounts": amounts, "counts": counts, "episodes": episodes,
        "offline": {"offline": offline.get("offline", 0), "total": offline.get("total", 0),
                    "rate": offline.get("rate", ""),
                    "points": [points[p] for p in offline.get("points", []) if p in points and shown(p)]},
        "unknown": [{"point": points.get(u["point"]), "stream": RULE_LABELS.get(u["stream"], u["stream"]),
                     "value": u.get("value")} for u in result.get("unknown_resolutions", []) if shown(u["point"])],
        "points": [p for pid, p in points.items() if shown(pid)],
        "rules": rules_text(parse_evidence(evidence).rules),
        "may_download": scope.can_download_evidence(assessment),
    }


def visible_evidence(*, scope: Scope, assessment: Assessment) -> tuple[dict, bool]:
    """The evidence document as this user may read it: whole, or (a district) only its own
    district's points and their episodes. Returns (document, complete)."""
    evidence = assessment.evidence
    visible = scope.assessment_point_ids(p["id"] for p in evidence.get("points", []))
    if visible is None:
        return evidence, True
    part = dict(evidence)
    part["points"] = [p for p in evidence.get("points", []) if p["id"] in visible]
    part["episodes"] = [e for e in evidence.get("episodes", []) if e["point"] in visible]
    return part, False


def visible_result(*, scope: Scope, assessment: Assessment) -> tuple[dict, dict]:
    """The itemised result as this user may read it, and what was left out ({count, amount})."""
    result = assessment.result
    visible = scope.assessment_point_ids(p["id"] for p in assessment.evidence.get("points", []))
    if visible is None:
        return result, {"count": 0, "amount": 0}
    shown = lambda pid: pid is None or pid in visible  # noqa: E731
    part = dict(result)
    part["deductions"] = [d for d in result.get("deductions", []) if shown(d["point"])]
    hidden = [d for d in result.get("deductions", []) if not shown(d["point"])]
    part["episodes"] = [e for e in result.get("episodes", []) if shown(e["point"])]
    part["unknown_resolutions"] = [u for u in result.get("unknown_resolutions", []) if shown(u["point"])]
    if "offline_rate" in result:
        part["offline_rate"] = {**result["offline_rate"],
                                "points": [p for p in result["offline_rate"].get("points", []) if shown(p)]}
    return part, {"count": len(hidden), "amount": sum(d["amount"] for d in hidden)}


def evidence_file(assessment: Assessment) -> tuple[bytes, str]:
    """The stored evidence, byte for byte what ``sitewatch assess --evidence`` reads, and its
    file name (ISO week and the integrator's credit code)."""
    body = json.dumps(assessment.evidence, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    code = assessment.integrator.credit_code or str(assessment.integrator_id)
    return body, f"assessment-{period_label(assessment.week_start)}-{code}.json"


# --- an integrator's history ---

def integrator_history(*, scope: Scope, firm: Firm, today: dt.date) -> dict:
    weeks = list(scope.assessments().filter(integrator=firm).order_by("week_start"))
    sanctions = list(scope.integrator_sanctions().filter(firm=firm).order_by("-decided_at", "-pk"))
    triggers = defaultdict(list)
    for trigger in SanctionTrigger.objects.filter(sanction__in=sanctions).order_by("sanction_id", "ordinal"):
        triggers[trigger.sanction_id].append(trigger)
    return {
        "firm": firm,
        "weeks": [{"assessment": a, "deductions": [(RULE_LABELS[rule], amount) for rule, amount in _by_rule(a.result)[0].items()
                                              if amount]} for a in reversed(weeks)],
        "chart": {"weeks": [period_label(a.week_start) for a in weeks], "labels": [week_label(a.week_start)
                                                                                  for a in weeks],
                  "scores": [a.score for a in weeks], "low": LOW_SCORE},
        "sanctions": [{"sanction": s, "in_force": s.in_force_on(today), "triggers": triggers.get(s.pk, [])}
                      for s in sanctions],
    }


# --- offline episodes ---

def episode_list(*, scope: Scope) -> QuerySet:
    """Visible episodes, open ones first, then the latest."""
    from django.db.models import BooleanField, Case, Value, When

    return (scope.episodes().select_related("point", "project", "integrator", "reported_by")
            .annotate(is_open=Case(When(closed_at__isnull=True, then=Value(True)), default=Value(False),
                                   output_field=BooleanField()))
            .order_by("-is_open", "-started_at", "-pk"))


def episode_reportable(*, scope: Scope, episode: OfflineEpisode, now: dt.datetime) -> bool:
    """Whether the page offers this user the 告知恢复上线 form for the episode."""
    return (scope.firm_id is not None and scope.firm_id == episode.integrator_id and episode.reported_at is None
            and (episode.closed_at is None or now - episode.closed_at <= report_window()))
