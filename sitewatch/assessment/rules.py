"""The weekly integrator assessment (附件7, DOMAIN §8) as a pure function of its evidence.

The live assessment and ``sitewatch assess --evidence FILE`` both call :func:`assess` with
the same evidence document, so a score can be recomputed by anyone from the file alone.

Evidence (schema ``sitewatch.assessment/1``)::

    {"schema": "sitewatch.assessment/1", "integrator": "…", "week_start": "2026-11-23",
     "check_time": "2026-11-30T09:00:00+08:00",
     "points": [{"id": "P1", "kind": "camera", "online_at_check": true,
                 "main_resolution": "1920x1080", "sub_resolution": "704x576"}, …],
     "episodes": [{"point": "P2", "notified_at": "…+08:00", "recovered_at": null}, …],
     "rules": {…}}                       # optional: the bands in force (Rules.as_dict())

Rules (each a setting, shown as 口径说明):
- offline rate = points offline at the check ÷ all assessed points; ≤ 10 % → 0, over 10 %
  up to 20 % → 10, over 20 % below 30 % → 20, 30 % or more → 40 (exact fractions, so
  exactly 10 % is in the first band);
- fix time per episode, from the SMS notice to recovery (or the check, whichever is
  first), in whole days begun: up to 3 → 0, up to 7 → 10, up to 14 → 20, over 14 → 40. An
  episode counts in a week when it was open at any time in that week (``week_start``
  00:00 Asia/Shanghai for seven days) and was notified before the check;
- camera points whose main stream is below 1920×1080 → 10 each; sub stream below 704×576
  → 10 each (a rotated stream counts by its long side; an unknown resolution is not scored
  and is listed as such);
- the score starts at 100 and never goes below 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from zoneinfo import ZoneInfo

from sitewatch.protocols.gb28181.manscdp import Resolution, parse_resolution

SCHEMA = "sitewatch.assessment/1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CAMERA_KINDS = frozenset({"camera", "plate_camera"})
POINT_KINDS = CAMERA_KINDS | {"dust_monitor"}
DAY = dt.timedelta(days=1)


class EvidenceError(ValueError):
    """The evidence document is not valid; the message says where, in Chinese."""


@dataclasses.dataclass(frozen=True)
class Rules:
    """The bands of 附件7. Percentages are whole or decimal strings so the edges are exact."""

    full_score: int = 100
    offline_bands: tuple[tuple[str, int], ...] = (("10", 0), ("20", 10))  # (upper % inclusive, deduction)
    offline_below: tuple[str, int] = ("30", 20)  # over the last band and below this % → this deduction
    offline_max: int = 40  # at or above offline_below's %
    fix_bands: tuple[tuple[int, int], ...] = ((3, 0), (7, 10), (14, 20))  # (days begun up to, per point)
    fix_max: int = 40
    main_minimum: str = "1920x1080"
    sub_minimum: str = "704x576"
    stream_deduction: int = 10

    def as_dict(self) -> dict:
        return {
            "full_score": self.full_score,
            "offline_bands": [[pct, amount] for pct, amount in self.offline_bands],
            "offline_below": list(self.offline_below), "offline_max": self.offline_max,
            "fix_bands": [[days, amount] for days, amount in self.fix_bands], "fix_max": self.fix_max,
            "main_minimum": self.main_minimum, "sub_minimum": self.sub_minimum,
            "stream_deduction": self.stream_deduction,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Rules:
        try:
            return cls(
                full_score=int(data["full_score"]),
                offline_bands=tuple((str(pct), int(amount)) for pct, amount in data["offline_bands"]),
                offline_below=(str(data["offline_below"][0]), int(data["offline_below"][1])),
                offline_max=int(data["offline_max"]),
                fix_bands=tuple((int(days), int(amount)) for days, amount in data["fix_bands"]),
                fix_max=int(data["fix_max"]), main_minimum=str(data["main_minimum"]),
                sub_minimum=str(data["sub_minimum"]), stream_deduction=int(data["stream_deduction"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise EvidenceError(f"rules 字段不完整或格式不正确：{exc}") from exc

    def offline_deduction(self, offline: int, total: int) -> int:
        if total == 0:
            return 0
        rate = Fraction(offline, total) * 100
        for pct, amount in self.offline_bands:
            if rate <= Fraction(pct):
                return amount
        pct, amount = self.offline_below
        return amount if rate < Fraction(pct) else self.offline_max

    def offline_band_texts(self) -> list[str]:
        """The offline-rate bands in Chinese, as the 口径说明 print them (pages, bulletin)."""
        texts, low = [], None
        for pct, amount in self.offline_bands:
            span = f"不超过{pct}%（含{pct}%）" if low is None else f"超过{low}%至{pct}%（含）"
            texts.append(span + (f"扣{amount}分" if amount else "不扣分"))
            low = pct
        below, amount = self.offline_below
        return texts + [f"超过{low}%不足{below}%扣{amount}分", f"{below}%及以上扣{self.offline_max}分"]

    def fix_band_texts(self) -> list[str]:
        """The fix-time bands in Chinese (days begun), as the 口径说明 print them."""
        texts, low_days = [], 0
        for days, amount in self.fix_bands:
            span = f"{days}天以内" if low_days == 0 else f"{low_days + 1}—{days}天"
            texts.append(span + (f"每点扣{amount}分" if amount else "不扣分"))
            low_days = days
        return texts + [f"超过{low_days}天每点扣{self.fix_max}分"]

    def fix_deduction(self, days: int) -> int:
        for up_to, amount in self.fix_bands:
            if days <= up_to:
                return amount
        return self.fix_max


DEFAULT_RULES = Rules()


def rules_from_setting(text: str) -> Rules:
    """The rules of the ``ASSESSMENT_RULES`` setting: JSON naming any of the fields of
    :class:`Rules`, the rest kept at their defaults. A wrong value is a ConfigError naming the
    variable, raised at start rather than at the first weekly check."""
    import json

    from sitewatch.lib.env import ConfigError

    if not text:
        return DEFAULT_RULES
    try:
        given = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"环境变量 ASSESSMENT_RULES 不是有效的 JSON：{exc.msg}（第 {exc.pos + 1} 个字符）。") from exc
    if not isinstance(given, dict):
        raise ConfigError("环境变量 ASSESSMENT_RULES 应为 JSON 对象，例如 {\"main_minimum\": \"1920x1080\"}。")
    unknown = sorted(set(given) - set(DEFAULT_RULES.as_dict()))
    if unknown:
        raise ConfigError(f"环境变量 ASSESSMENT_RULES 含未知的项：{'、'.join(unknown)}；可设置的项："
                          f"{'、'.join(DEFAULT_RULES.as_dict())}。")
    try:
        rules = Rules.from_dict({**DEFAULT_RULES.as_dict(), **given})
        _minimum(rules.main_minimum), _minimum(rules.sub_minimum)
    except EvidenceError as exc:
        raise ConfigError(f"环境变量 ASSESSMENT_RULES 无效：{exc}") from exc
    return rules


@dataclasses.dataclass(frozen=True)
class Point:
    id: str
    kind: str
    online_at_check: bool
    main_resolution: str | None = None
    sub_resolution: str | None = None


@dataclasses.dataclass(frozen=True)
class Episode:
    point: str
    notified_at: dt.datetime
    recovered_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Evidence:
    integrator: str
    week_start: dt.date
    check_time: dt.datetime
    points: tuple[Point, ...]
    episodes: tuple[Episode, ...]
    rules: Rules = DEFAULT_RULES

    @property
    def week_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(self.week_start, dt.time(), tzinfo=SHANGHAI)
        return start, start + 7 * DAY

    def as_dict(self) -> dict:
        return {
            "schema": SCHEMA, "integrator": self.integrator, "week_start": self.week_start.isoformat(),
            "check_time": _iso(self.check_time),
            "points": [_point_dict(p) for p in self.points],
            "episodes": [{"point": e.point, "notified_at": _iso(e.notified_at),
                          "recovered_at": _iso(e.recovered_at) if e.recovered_at else None} for e in self.episodes],
            "rules": self.rules.as_dict(),
        }


def _point_dict(point: Point) -> dict:
    item = {"id": point.id, "kind": point.kind, "online_at_check": point.online_at_check}
    if point.main_resolution is not None:
        item["main_resolution"] = point.main_resolution
    if point.sub_resolution is not None:
        item["sub_resolution"] = point.sub_resolution
    return item


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def _moment(value, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise EvidenceError(f"{where} 应为带时区的 ISO 8601 时间字符串。")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise EvidenceError(f"{where} 不是有效的 ISO 8601 时间：{value!r}。") from exc
    if moment.tzinfo is None:
        raise EvidenceError(f"{where} 缺少时区（应如 2026-11-30T09:00:00+08:00）：{value!r}。")
    return moment


def parse_evidence(data) -> Evidence:
    """The evidence document (parsed JSON) as an :class:`Evidence`; EvidenceError says what
    is wrong, in Chinese."""
    if not isinstance(data, Mapping):
        raise EvidenceError("证据文件应为 JSON 对象。")
    if data.get("schema") != SCHEMA:
        raise EvidenceError(f"schema 应为 {SCHEMA!r}，实为 {data.get('schema')!r}。")
    for key in ("integrator", "week_start", "check_time", "points", "episodes"):
        if key not in data:
            raise EvidenceError(f"缺少字段 {key}。")
    try:
        week_start = dt.date.fromisoformat(data["week_start"])
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"week_start 应为日期（如 2026-11-23）：{data['week_start']!r}。") from exc
    check_time = _moment(data["check_time"], "check_time")
    if not isinstance(data["points"], list) or not isinstance(data["episodes"], list):
        raise EvidenceError("points 与 episodes 应为数组。")
    points, seen = [], set()
    for i, item in enumerate(data["points"]):
        where = f"points[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            raise EvidenceError(f"{where} 应为带 id 的对象。")
        if item["id"] in seen:
            raise EvidenceError(f"{where}：点位 {item['id']} 重复。")
        seen.add(item["id"])
        if item.get("kind") not in POINT_KINDS:
            raise EvidenceError(f"{where}.kind 应为 {'、'.join(sorted(POINT_KINDS))} 之一：{item.get('kind')!r}。")
        if not isinstance(item.get("online_at_check"), bool):
            raise EvidenceError(f"{where}.online_at_check 应为 true 或 false。")
        resolutions = {}
        for key in ("main_resolution", "sub_resolution"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                raise EvidenceError(f"{where}.{key} 应为字符串（如 1920x1080）或 null。")
            resolutions[key] = value
        points.append(Point(item["id"], item["kind"], item["online_at_check"], **resolutions))
    episodes = []
    for i, item in enumerate(data["episodes"]):
        where = f"episodes[{i}]"
        if not isinstance(item, Mapping) or item.get("point") not in seen:
            raise EvidenceError(f"{where}.point 应为 points 中的点位 id。")
        notified = _moment(item.get("notified_at"), f"{where}.notified_at")
        recovered = item.get("recovered_at")
        recovered = None if recovered is None else _moment(recovered, f"{where}.recovered_at")
        if recovered is not None and recovered < notified:
            raise EvidenceError(f"{where}：恢复时间早于短信通知时间。")
        episodes.append(Episode(item["point"], notified, recovered))
    rules = Rules.from_dict(data["rules"]) if data.get("rules") is not None else DEFAULT_RULES
    return Evidence(str(data["integrator"]), week_start, check_time, tuple(points), tuple(episodes), rules)


def days_begun(age: dt.timedelta) -> int:
    """Whole days begun: 3 days → 3, 3 days and a minute → 4; no time at all → 0."""
    return max(0, math.ceil(age / DAY))


def counted(episode: Episode, evidence: Evidence) -> bool:
    """Open at any time in the assessed week, and notified before the check."""
    start, end = evidence.week_bounds
    return (episode.notified_at < evidence.check_time and episode.notified_at < end
            and (episode.recovered_at is None or episode.recovered_at >= start))


def assess(evidence: Evidence) -> dict:
    """The itemised result: score, deductions (rule, amount, point, detail) and the facts
    behind them. Deterministic: the same evidence gives the same JSON."""
    rules = evidence.rules
    deductions: list[dict] = []
    total = len(evidence.points)
    offline = [p.id for p in evidence.points if not p.online_at_check]
    amount = rules.offline_deduction(len(offline), total)
    rate = Fraction(len(offline), total) if total else Fraction(0)
    rate_text = f"{float(rate * 100):.2f}%"
    if amount:
        deductions.append({"rule": "offline_rate", "amount": amount, "point": None,
                           "detail": f"检查时离线 {len(offline)} 个点位 / 共 {total} 个点位 = {rate_text}"})
    episodes_out = []
    for episode in sorted(evidence.episodes, key=lambda e: (e.notified_at, e.point)):
        if not counted(episode, evidence):
            continue
        until = min(episode.recovered_at, evidence.check_time) if episode.recovered_at else evidence.check_time
        days = days_begun(until - episode.notified_at)
        amount = rules.fix_deduction(days)
        state = f"{_iso(episode.recovered_at)} 恢复" if episode.recovered_at and episode.recovered_at <= until \
            else "检查时仍未恢复"
        detail = f"{_iso(episode.notified_at)} 短信通知，{state}，历时 {days} 天（不足一天按一天计）"
        episodes_out.append({"point": episode.point, "notified_at": _iso(episode.notified_at),
                             "recovered_at": _iso(episode.recovered_at) if episode.recovered_at else None,
                             "days": days, "amount": amount})
        if amount:
            deductions.append({"rule": "fix_time", "amount": amount, "point": episode.point, "detail": detail})
    unknown = []
    main_min, sub_min = _minimum(rules.main_minimum), _minimum(rules.sub_minimum)
    parsed: dict[str, Resolution | None] = {}  # a city has a handful of distinct spellings
    for point in evidence.points:
        if point.kind not in CAMERA_KINDS:
            continue
        for rule, text, minimum, label in (("main_stream", point.main_resolution, main_min, "主码流"),
                                           ("sub_stream", point.sub_resolution, sub_min, "子码流")):
            if text and text not in parsed:
                parsed[text] = parse_resolution(text)
            resolution = parsed[text] if text else None
            if resolution is None:
                unknown.append({"point": point.id, "stream": rule, "value": text})
            elif not resolution.meets(minimum):
                deductions.append({"rule": rule, "amount": rules.stream_deduction, "point": point.id,
                                   "detail": f"{label} {resolution} 低于 {minimum}"})
    deducted = sum(d["amount"] for d in deductions)
    return {
        "schema": SCHEMA, "integrator": evidence.integrator, "week_start": evidence.week_start.isoformat(),
        "check_time": _iso(evidence.check_time), "score": max(0, rules.full_score - deducted),
        "deducted": deducted, "deductions": deductions,
        "offline_rate": {"offline": len(offline), "total": total, "rate": rate_text, "points": offline},
        "episodes": episodes_out, "unknown_resolutions": unknown,
    }


def _minimum(text: str) -> Resolution:
    minimum = parse_resolution(text)
    if minimum is None:
        raise EvidenceError(f"分辨率下限格式不正确：{text!r}。")
    return minimum


def assess_document(data) -> dict:
    """Parse and assess in one step (what ``sitewatch assess --evidence`` does)."""
    return assess(parse_evidence(data))


__all__: Sequence[str] = ("SCHEMA", "DEFAULT_RULES", "Evidence", "EvidenceError", "Episode", "Point", "Rules",
                          "assess", "assess_document", "counted", "days_begun", "parse_evidence")
