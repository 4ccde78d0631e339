"""Helpers (no tests) shared by the alarm, notification and dust-page tests: readings through the real ingest."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sitewatch.registry.models import Device
from sitewatch.telemetry.ingest import Packet, ingest

SH = ZoneInfo("Asia/Shanghai")
XIASHAN_HOUSING = "霞山区棚户区改造安置房项目"
CHIKAN_HOUSING = "赤坎区棚户区改造安置房项目"


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 25) -> dt.datetime:
    """A moment of November 2026, Beijing time."""
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=SH)


def dust_monitor(project_name: str = XIASHAN_HOUSING) -> Device:
    return Device.objects.get(kind="dust_monitor", project__name=project_name)


def packet(device: Device, when: dt.datetime, *, cn: str = "2011", pm10: float | None = None,
           pm25: float | None = None) -> Packet:
    suffix = "Rtd" if cn == "2011" else "Avg"
    values = {}
    if pm10 is not None:
        values["a34002"] = {suffix: str(pm10), "Flag": "N"}
    if pm25 is not None:
        values["a34004"] = {suffix: str(pm25), "Flag": "N"}
    return Packet(mn=device.hj212_mn, password=device.hj212_password, cn=cn, received_at=when + dt.timedelta(seconds=5),
                  raw="##test", remote_addr="10.3.1.13:50012", data_time=when, values=values)


def fill_hour(device: Device, hour: dt.datetime, *, pm10: float | None = None, pm25: float | None = None,
              minutes: int = 60, cn: str = "2011", first_minute: int = 0) -> None:
    """One upload a minute for `minutes` distinct minutes of the hour starting at `hour`."""
    ingest([packet(device, hour + dt.timedelta(minutes=first_minute + m), cn=cn, pm10=pm10, pm25=pm25)
            for m in range(minutes)])
