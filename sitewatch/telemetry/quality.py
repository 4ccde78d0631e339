"""Plausibility checks that need a device's history (the per-packet ones live in ingest)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from sitewatch.telemetry.models import Reading

FLAT = "flat"


def flag_flat_lines(*, now: dt.datetime, lookback: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Mark runs of identical PM readings (a stuck sensor or a replayed value) as `flat`.

    A run is the device's last DUST_FLAT_READINGS real-time readings with the same PM10,
    PM2.5 and TSP. Returns the number of readings newly marked. Idempotent.
    """
    n = settings.DUST_FLAT_READINGS
    recent = (Reading.objects.filter(cn="2011", received_at__gte=now - lookback)
              .values_list("device_id", flat=True).distinct())
    marked = 0
    for device_id in recent:
        rows = list(Reading.objects.filter(device_id=device_id, cn="2011").order_by("-data_time")
                    .values_list("pk", "pm10", "pm25", "tsp", "flags")[:n])
        if len(rows) < n or rows[0][1] is None:
            continue
        if len({(pm10, pm25, tsp) for _, pm10, pm25, tsp, _ in rows}) != 1:
            continue
        for pk, _, _, _, flags in rows:
            if FLAT not in flags.split(","):
                Reading.objects.filter(pk=pk).update(flags=",".join(f for f in (flags, FLAT) if f))
                marked += 1
    return marked
