"""Averages, their validity, judging and downsampling: pure functions, no database.

Rules (docs/口径说明.md, K-D rows):
- a minute's value is the device's 2051 minute average when it sent one, else the mean of
  the 2011 real-time values within that minute;
- an hour is valid with at least `min_minutes` distinct minutes of data (default 45 of 60,
  after the validity rule of GB 3095-2012 / HJ 663); its mean is the mean of its minutes;
- a day (Asia/Shanghai) is valid with at least `min_hours` valid hours (default 20); its
  mean is the mean of its valid hours;
- noise is a level in dB(A): its averages are energy averages (Leq), not arithmetic means;
- averages are rounded half up to one decimal before they are judged, so that the float
  noise of a sum never turns exactly 150.0 into 149.99999999999997;
- "≥" includes the number: a value equal to the threshold exceeds it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from sitewatch.lib.dates import SHANGHAI

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MINUTE_CN = "2051"
REALTIME_CN = "2011"


def floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def floor_hour(moment: dt.datetime) -> dt.datetime:
    # Asia/Shanghai is UTC+8 all year, so its hours are UTC hours.
    return moment.replace(minute=0, second=0, microsecond=0)


def floor_day(moment: dt.datetime) -> dt.datetime:
    """The start of the Asia/Shanghai calendar day holding `moment`, as an aware datetime."""
    local = moment.astimezone(SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def round1(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def mean(values: Sequence[float], *, parameter: str) -> float:
    if parameter == "noise":
        return 10 * math.log10(sum(10 ** (v / 10) for v in values) / len(values))
    return sum(values) / len(values)


def minute_values(samples: Iterable[tuple[str, dt.datetime, float | None]], *,
                  parameter: str) -> dict[dt.datetime, float]:
    """{minute start: value} from (cn, data_time, value) of 2011 and 2051 readings."""
    realtime: dict[dt.datetime, list[float]] = {}
    minute: dict[dt.datetime, float] = {}
    for cn, at, value in samples:
        if value is None:
            continue
        key = floor_minute(at)
        if cn == MINUTE_CN:
            minute[key] = value
        elif cn == REALTIME_CN:
            realtime.setdefault(key, []).append(value)
    result = {key: mean(values, parameter=parameter) for key, values in realtime.items()}
    result.update(minute)
    return result


def hourly_means(minutes: dict[dt.datetime, float], *, parameter: str, min_minutes: int,
                 hours: Iterable[dt.datetime]) -> dict[dt.datetime, tuple[float | None, int]]:
    """{hour start: (mean or None when invalid, minutes with data)} for each hour asked for."""
    by_hour: dict[dt.datetime, list[float]] = {}
    for at, value in minutes.items():
        by_hour.setdefault(floor_hour(at), []).append(value)
    result = {}
    for hour in hours:
        values = by_hour.get(hour, [])
        valid = len(values) >= min_minutes
        result[hour] = (round1(mean(values, parameter=parameter)) if valid else None, len(values))
    return result


def daily_mean(hour_values: Sequence[float], *, parameter: str, min_hours: int) -> float | None:
    """The mean of a day's valid hourly values, or None below `min_hours` of them."""
    if len(hour_values) < min_hours:
        return None
    return round1(mean(hour_values, parameter=parameter))


def level_for(value: float, *, warning: float | None, alarm: float | None) -> str | None:
    """"alarm", "warning" or None. 达到即超标: a value equal to the threshold exceeds it."""
    if alarm is not None and value >= alarm:
        return "alarm"
    if warning is not None and value >= warning:
        return "warning"
    return None


def hours_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    hours, at = [], floor_hour(start)
    while at < end:
        hours.append(at)
        at += HOUR
    return hours


def days_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    days, at = [], floor_day(start)
    while at < end:
        days.append(at)
        # Calendar arithmetic in local time; Shanghai has no DST, so +1 day is always 24 hours.
        at = (at + DAY).astimezone(SHANGHAI)
    return days


def downsample(points: Sequence[tuple[dt.datetime, float]], *, max_points: int,
               gap: dt.timedelta | None = None) -> list[tuple[dt.datetime, float | None]]:
    """At most `max_points` points for a chart. Too long a series is cut into equal-time
    buckets, each keeping its lowest and highest point in time order, so peaks survive.
    Where two points are more than `gap` apart a None is inserted so the line breaks."""
    result = _with_gaps(points, gap)
    buckets = max(1, max_points // 2)
    while len(result) > max_points and buckets >= 1:
        result = _with_gaps(_min_max(points, buckets), gap)
        buckets = min(buckets - 1, buckets * 3 // 4)
    return result[:max_points]


def _min_max(points: Sequence[tuple[dt.datetime, float]], buckets: int) -> list[tuple[dt.datetime, float]]:
    first, last = points[0][0], points[-1][0]
    width = (last - first) / buckets or dt.timedelta(seconds=1)
    grouped: dict[int, list[tuple[dt.datetime, float]]] = {}
    for point in points:
        grouped.setdefault(min(buckets - 1, int((point[0] - first) / width)), []).append(point)
    kept = []
    for index in sorted(grouped):
        group = grouped[index]
        low = min(group, key=lambda p: p[1])
        high = max(group, key=lambda p: p[1])
        kept.extend(sorted({low, high}, key=lambda p: p[0]))
    return kept


def _with_gaps(points: Sequence[tuple[dt.datetime, float]],
               gap: dt.timedelta | None) -> list[tuple[dt.datetime, float | None]]:
    result: list[tuple[dt.datetime, float | None]] = []
    for point in points:
        if gap is not None and result and point[0] - result[-1][0] > gap:
            result.append((result[-1][0] + gap / 2, None))
        result.append(point)
    return result
