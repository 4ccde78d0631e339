"""The monitor loop's work, one pass at a time; the command only repeats it."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

from django.conf import settings

from sitewatch.alarms.services import alarms_evaluate
from sitewatch.assessment.episodes import episodes_sweep
from sitewatch.enforcement.detection import detection_run
from sitewatch.monitoring.gb28181 import gb_sweep_silent
from sitewatch.monitoring.models import DeviceState
from sitewatch.monitoring.services import sweep_silent
from sitewatch.notifications.services import notifications_dispatch
from sitewatch.registry.models import DeviceKind
from sitewatch.telemetry.quality import flag_flat_lines

log = logging.getLogger("sitewatch.monitor")
# Passes of this process: detection runs on every ENFORCEMENT_DETECT_EVERY_PASSES-th, the first
# of them that many passes after the start, so devices have had time to register again after
# the platform (re)started (each copy of the loop counts its own; detection is idempotent).
def _pass_counter() -> itertools.count:
    return itertools.count(1)


_passes = _pass_counter()


def run_once(*, now: dt.datetime) -> dict[str, int]:
    """Flip silent dust monitors offline, mark flat-lined readings, judge dust readings against the thresholds (alarms),
    open and close points' offline episodes (assessment), detect violations (every
    ENFORCEMENT_DETECT_EVERY_PASSES passes), then send the notifications written meanwhile. Safe to run as several copies at once."""
    dust = DeviceState.objects.filter(device__kind=DeviceKind.DUST_MONITOR, online=True).values_list("pk", flat=True)
    flips = sweep_silent(now=now, silence=dt.timedelta(seconds=settings.DUST_OFFLINE_AFTER_SECONDS),
                         device_ids=dust)
    for flip in flips:
        log.info("设备 %s 超时无数据，判定离线", flip.device_id)
    gb_lost = [f for f in gb_sweep_silent(now=now, interval=settings.SIP_KEEPALIVE_INTERVAL,
                                          misses=settings.SIP_KEEPALIVE_MISSES,
                                          margin=dt.timedelta(seconds=settings.SIP_SILENCE_MARGIN_SECONDS))
               if f.channel_id is None]
    if gb_lost:
        log.warning("%d 台国标设备长时间无心跳（SIP 网关可能未运行），判定离线", len(gb_lost))
    flat = flag_flat_lines(now=now)
    alarms = alarms_evaluate(now=now)
    episodes = episodes_sweep(now=now)
    if episodes["opened"] or episodes["closed"]:
        log.info("点位离线事件：新增 %s，恢复 %s，短信 %s 条，每日汇总 %s 条", episodes["opened"], episodes["closed"],
                 episodes["notices"], episodes["digests"])
    if alarms["opened"] or alarms["closed"] or alarms["escalated"]:
        log.info("扬尘报警：新增 %s，升级 %s，结束 %s", alarms["opened"], alarms["escalated"], alarms["closed"])
    every = settings.ENFORCEMENT_DETECT_EVERY_PASSES
    detected = detection_run(now=now) if every and next(_passes) % every == 0 else {}
    if detected.get("opened") or detected.get("closed") or detected.get("escalated"):
        log.info("违规自动检测：新增 %s，自动结案 %s，逾期升级 %s", detected.get("opened", 0), detected.get("closed", 0),
                 detected.get("escalated", 0) + detected.get("recheck_failed", 0))
    sent = notifications_dispatch(now=now)
    return {
        "offline": len(flips),
        "gb_offline": len(gb_lost),
        "flat_marked": flat,
        "periods_judged": alarms["judged"],
        "alarms_opened": alarms["opened"],
        "alarms_escalated": alarms["escalated"],
        "alarms_closed": alarms["closed"],
        "episodes_opened": episodes["opened"],
        "episodes_closed": episodes["closed"],
        "violations_opened": detected.get("opened", 0),
        "violations_closed": detected.get("closed", 0),
        "violations_escalated": detected.get("escalated", 0) + detected.get("recheck_failed", 0),
        "notifications_sent": sent["sent"],
        "notifications_failed": sent["failed"],
    }
