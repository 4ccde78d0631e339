"""The monitor loop's work, one pass at a time; the command only repeats it."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from sitewatch.monitoring.models import DeviceState
from sitewatch.monitoring.services import sweep_silent
from sitewatch.registry.models import DeviceKind

log = logging.getLogger("sitewatch.monitor")


def run_once(*, now: dt.datetime) -> dict[str, int]:
    """Flip silent dust monitors offline. Safe to run as several copies at once."""
    dust = DeviceState.objects.filter(device__kind=DeviceKind.DUST_MONITOR, online=True).values_list("pk", flat=True)
    flips = sweep_silent(now=now, silence=dt.timedelta(seconds=settings.DUST_OFFLINE_AFTER_SECONDS),
                         device_ids=dust)
    for flip in flips:
        log.info("设备 %s 超时无数据，判定离线", flip.device_id)
    return {"offline": len(flips)}
