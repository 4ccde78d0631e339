"""The notices an alarm sends: to the project's contractor and integrator (their users and
the firm's contact phone) when it opens, rises to 报警, and ends."""

from __future__ import annotations

import datetime as dt

from sitewatch.alarms.models import Alarm, Period
from sitewatch.lib.dates import SHANGHAI
from sitewatch.notifications.services import Recipient, firm_recipients, notification_queue


def period_label(period: str, start: dt.datetime) -> str:
    """How a judged period reads in Chinese, in Asia/Shanghai time."""
    local = start.astimezone(SHANGHAI)
    if period == Period.REALTIME:
        return f"{local:%Y年%m月%d日 %H:%M:%S}"
    if period == Period.HOURLY:
        end = local + dt.timedelta(hours=1)
        return f"{local:%Y年%m月%d日 %H:%M}—{end:%H:%M}"
    return f"{local:%Y年%m月%d日}"


def _value(value: float, alarm: Alarm) -> str:
    return f"{value:g} {alarm.unit}"


def recipients_for(device) -> list[Recipient]:
    project = device.project
    seen, result = set(), []
    for firm in (project.contractor, project.integrator):
        for recipient in firm_recipients(firm=firm):
            key = ("user", recipient.user_id) if recipient.user_id else ("firm", recipient.firm_id, recipient.phone)
            if key not in seen:
                seen.add(key)
                result.append(recipient)
    return result


def _what(alarm: Alarm) -> str:
    name = f"{alarm.get_parameter_display()}{alarm.get_period_display()}"
    if alarm.threshold.mode == "difference":
        name += "与参照值之差"
    return name


def _where(device) -> str:
    project = device.project
    return f"{project.name}（{project.district.name}）{device.name}"


def _send(alarm: Alarm, *, device, subject: str, body: str, now: dt.datetime) -> None:
    notification_queue(recipients=recipients_for(device), subject=subject, body=body, related=alarm, now=now)


def alarm_opened(alarm: Alarm, *, device, now: dt.datetime) -> None:
    level = alarm.get_level_display()
    threshold = alarm.threshold
    limit = threshold.alarm_value if alarm.level == "alarm" else threshold.warning_value
    body = (f"{_where(device)}：{_what(alarm)}在{period_label(alarm.period, alarm.started_at)}为"
            f"{_value(alarm.peak_value, alarm)}，达到{level}阈值{_value(limit, alarm)}"
            f"（阈值第{threshold.version}版，“达到”含本数）。请立即检查并落实降尘措施。")
    _send(alarm, device=device, subject=f"扬尘{level}：{device.project.name}", body=body, now=now)


def alarm_escalated(alarm: Alarm, *, device, now: dt.datetime) -> None:
    body = (f"{_where(device)}：{_what(alarm)}自{period_label(alarm.period, alarm.started_at)}起超标，"
            f"在{period_label(alarm.period, alarm.last_exceeding_at)}达到报警阈值"
            f"{_value(alarm.threshold.alarm_value or 0, alarm)}，目前峰值{_value(alarm.peak_value, alarm)}。"
            f"请立即采取停止扬尘作业等措施。")
    _send(alarm, device=device, subject=f"扬尘报警（由预警升级）：{device.project.name}", body=body, now=now)


def alarm_closed(alarm: Alarm, *, device, now: dt.datetime) -> None:
    start, end = alarm.started_at.astimezone(SHANGHAI), alarm.ended_at.astimezone(SHANGHAI)
    seconds = "%S" if alarm.period == Period.REALTIME else ""
    time_format = f"%Y年%m月%d日 %H:%M{':' + seconds if seconds else ''}"
    end_format = time_format if start.date() != end.date() else time_format.split(" ", 1)[1]
    body = (f"{_where(device)}：{_what(alarm)}{alarm.get_level_display()}已结束（{alarm.get_closed_reason_display()}）。"
            f"超标时段{start.strftime(time_format)}至{end.strftime(end_format)}，"
            f"峰值{_value(alarm.peak_value, alarm)}（{period_label(alarm.period, alarm.peak_at)}）。")
    _send(alarm, device=device, subject=f"扬尘{alarm.get_level_display()}结束：{device.project.name}", body=body, now=now)
