"""The dust monitors of a project page: online state, last-24-hour curves with the thresholds in
force, and alarms; read through the user's Scope."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from sitewatch.accounts.visibility import Scope
from sitewatch.alarms import selectors as alarm_selectors
from sitewatch.alarms.averaging import downsample, floor_hour
from sitewatch.alarms.models import Mode, Period, parameter_label, parameter_unit
from sitewatch.lib.dates import SHANGHAI
from sitewatch.registry import selectors
from sitewatch.registry.models import DeviceKind

CHART_PARAMETERS = ("pm10", "pm25")
CHART_HOURS = 24
# Real-time points per series: a day of 30-second uploads is 2,880 points; on a site's APN link
# the page stays light with at most this many (peaks kept, see averaging.downsample).
MAX_POINTS = 300
RECENT_ALARM_DAYS = 30
RECENT_ALARMS = 10


def _ms(moment: dt.datetime) -> int:
    """Asia/Shanghai wall-clock time as epoch milliseconds; the chart runs with useUTC, so it
    shows Shanghai time whatever the browser's time zone."""
    local = moment.astimezone(SHANGHAI).replace(tzinfo=dt.UTC)
    return int(local.timestamp() * 1000)


def _lines(thresholds: dict, period: str) -> list[dict]:
    lines = []
    for parameter in CHART_PARAMETERS:
        threshold = thresholds.get((parameter, period))
        if threshold is None or threshold.mode != Mode.ABSOLUTE:
            continue
        for level, label, value in (("warning", "预警", threshold.warning_value),
                                    ("alarm", "报警", threshold.alarm_value)):
            if value is not None:
                lines.append({"parameter": parameter, "level": level, "value": value,
                              "name": f"{parameter_label(parameter)} {label} {value:g}"})
    return lines


def _reference_series(thresholds: dict, references: dict, hours: list[dt.datetime]) -> list[dict]:
    """Difference mode: the reference and reference + threshold, hour by hour, as dashed lines."""
    series = []
    for parameter in CHART_PARAMETERS:
        threshold = thresholds.get((parameter, Period.HOURLY))
        if threshold is None or threshold.mode != Mode.DIFFERENCE:
            continue
        label = parameter_label(parameter)
        offsets = [("参照值", 0.0, "reference")]
        offsets += [(f"{name}线（参照值+{v:g}）", v, level) for name, v, level in
                    (("预警", threshold.warning_value, "warning"), ("报警", threshold.alarm_value, "alarm"))
                    if v is not None]
        for name, offset, level in offsets:
            data = [[_ms(h), (references[(parameter, h)] + offset) if (parameter, h) in references else None]
                    for h in hours]
            series.append({"parameter": parameter, "name": f"{label}{name}", "level": level, "data": data})
    return series


def _device_chart(*, scope: Scope, device, now: dt.datetime, thresholds: dict) -> dict:
    until = now
    since = now - dt.timedelta(hours=CHART_HOURS)
    gap = dt.timedelta(seconds=settings.DUST_OFFLINE_AFTER_SECONDS)
    realtime = alarm_selectors.realtime_points(scope=scope, device_id=device.pk, parameters=list(CHART_PARAMETERS),
                                               since=since, until=until)
    hourly = alarm_selectors.hourly_points(scope=scope, device_id=device.pk, parameters=list(CHART_PARAMETERS),
                                           since=floor_hour(until) - dt.timedelta(hours=CHART_HOURS), until=until)
    hours = [h for h, _, _ in hourly[CHART_PARAMETERS[0]]]
    references = alarm_selectors.references(district_id=device.project.district_id,
                                            parameters=list(CHART_PARAMETERS), since=hours[0] if hours else since,
                                            until=until) if hours else {}
    realtime_series = []
    for parameter in CHART_PARAMETERS:
        points = downsample(realtime[parameter], max_points=MAX_POINTS, gap=gap)
        realtime_series.append({"parameter": parameter, "name": parameter_label(parameter),
                                "data": [[_ms(at), value] for at, value in points]})
    hourly_series = []
    for parameter in CHART_PARAMETERS:
        hourly_series.append({"parameter": parameter, "name": f"{parameter_label(parameter)}小时均值",
                              "data": [[_ms(h), value, minutes] for h, value, minutes in hourly[parameter]]})
    has_realtime = any(realtime[p] for p in CHART_PARAMETERS)
    has_hourly = any(value is not None for p in CHART_PARAMETERS for _, value, _ in hourly[p])
    return {
        "device": device.pk,
        "unit": parameter_unit("pm10"),
        "minMinutes": settings.DUST_HOUR_MIN_MINUTES,
        "realtime": {"series": realtime_series, "lines": _lines(thresholds, Period.REALTIME),
                     "min": _ms(since), "max": _ms(until),
                     "empty": not has_realtime, "points": {p: len(realtime[p]) for p in CHART_PARAMETERS}},
        "hourly": {"series": hourly_series, "lines": _lines(thresholds, Period.HOURLY),
                   "min": _ms(hours[0]) if hours else None, "max": _ms(hours[-1]) if hours else None,
                   "references": _reference_series(thresholds, references, hours),
                   "empty": not (has_realtime or has_hourly)},
    }


def threshold_note(thresholds: dict) -> str:
    """The 口径说明 printed under the charts, from the thresholds in force and the settings."""
    rules = []
    for parameter in ("pm10", "pm25", "tsp", "noise"):
        for period in (Period.REALTIME, Period.HOURLY, Period.DAILY):
            threshold = thresholds.get((parameter, period))
            if threshold is not None:
                rules.append(f"{threshold.summary}（第{threshold.version}版）")
    text = "阈值：" + ("；".join(rules) if rules else "当前未设置阈值") + "。"
    text += ("“≥”含本数，即数值等于阈值也判为超标。"
             f"小时均值须该小时内至少{settings.DUST_HOUR_MIN_MINUTES}分钟有数据（实时或分钟数据）方为有效，否则该小时不判定；"
             f"日均值须至少{settings.DUST_DAY_MIN_HOURS}个有效小时。"
             "差值方式：小时均值减去本县（市、区）同一小时的参照值，无参照值的小时记为“无法判定”。"
             f"实时曲线每个参数最多显示{MAX_POINTS}个点（按时间分段保留最大、最小值）；时间为北京时间。")
    return text


def dust_section(*, scope: Scope, project, now: dt.datetime) -> dict | None:
    """{"panels": one per visible dust monitor of the project, "note": the 口径说明}, or None
    when the user sees no dust monitor there."""
    devices = list(selectors.device_list(scope=scope, project=project.pk, kind=DeviceKind.DUST_MONITOR))
    if not devices:
        return None
    thresholds = alarm_selectors.thresholds_in_force(at=now)
    alarms: dict[int, list] = {d.pk: [] for d in devices}
    since = now - dt.timedelta(days=RECENT_ALARM_DAYS)
    for alarm in alarm_selectors.alarm_list(scope=scope, device_ids=list(alarms), since=since):
        if len(alarms[alarm.device_id]) < RECENT_ALARMS:
            alarms[alarm.device_id].append(alarm)
    panels = []
    for device in devices:
        state = getattr(device, "state", None)
        panels.append({
            "device": device,
            "online": bool(state and state.online),
            "ever_seen": bool(state and state.last_seen),
            "last_seen": state.last_seen if state else None,
            "alarms": alarms[device.pk],
            "open_alarms": sum(1 for a in alarms[device.pk] if a.is_open),
            "script_id": f"dust-data-{device.pk}",
            "chart": _device_chart(scope=scope, device=device, now=now, thresholds=thresholds),
        })
    return {"panels": panels, "note": threshold_note(thresholds)}


def notification_links(*, scope: Scope, notifications: list) -> dict[int, str]:
    """{notification id: the project page (at its device) of the alarm it is about}, for the
    alarms the user may see."""
    from django.urls import reverse

    alarm_ids = {n.related_id for n in notifications if n.related_model == "alarms.alarm"}
    if not alarm_ids:
        return {}
    alarms = {str(a.pk): a for a in alarm_selectors.alarm_list(scope=scope).filter(
        pk__in=[int(i) for i in alarm_ids if i.isdigit()]).select_related("device")}
    links = {}
    for n in notifications:
        alarm = alarms.get(n.related_id) if n.related_model == "alarms.alarm" else None
        if alarm is not None:
            links[n.pk] = reverse("web:project_detail", args=[alarm.device.project_id]) + f"#dust-{alarm.device_id}"
    return links
