"""The video side of the pages: GB/T 28181 devices (NVRs, cameras) with their registration and
channels, the stream-resolution verdicts, the flip history of a device and the 未登记设备 list;
everything read through the user's Scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from sitewatch.accounts.visibility import Scope
from sitewatch.monitoring import selectors as monitoring_selectors
from sitewatch.monitoring.models import Flip
from sitewatch.monitoring.streams import MAIN_MINIMUM, SUB_MINIMUM, meets
from sitewatch.protocols.gb28181.manscdp import Resolution, parse_resolution
from sitewatch.registry import selectors
from sitewatch.registry.models import GB28181_KINDS, Device

# The regulator's minimums: main stream ≥ 1920×1080, sub-stream ≥ 704×576 (≥ includes the number).
FLIP_PAGE_SIZE = 50


@dataclass(frozen=True)
class Verdict:
    code: str  # pass, fail, unknown: the CSS class and what the tests look for
    label: str


PASS = Verdict("pass", "达标")
FAIL = Verdict("fail", "不达标")
UNKNOWN = Verdict("unknown", "未知")


def resolution_verdict(text: str, minimum: Resolution) -> Verdict:
    """达标 / 不达标 against `minimum`; 未知 when the resolution has not been obtained (or cannot
    be read) — a stream nobody has measured is not a failing stream. Orientation-independent
    (a corridor-mode 1080×1920 is as sharp as 1920×1080), as Resolution.meets decides."""
    verdict = meets(text, minimum)
    return UNKNOWN if verdict is None else PASS if verdict else FAIL


def resolution_text(text: str) -> str:
    """"1920x1080" as people write it, "1920×1080"."""
    resolution = parse_resolution(text)
    return f"{resolution.width}×{resolution.height}" if resolution else ""


@dataclass
class ChannelRow:
    channel: object
    main: Verdict
    sub: Verdict
    main_text: str
    sub_text: str
    point_name: str | None  # None: no point assigned
    point_misplaced: bool  # a point of another project: a data error, its name is not shown


@dataclass
class DeviceRow:
    device: Device
    registration: object | None  # GbRegistration, None when the device never registered
    state: object | None  # DeviceState, None when never heard from
    registration_label: str = ""
    channels: list[ChannelRow] = field(default_factory=list)

    @property
    def online_label(self) -> str:
        if self.state is None:
            return "未接入"
        return "在线" if self.state.online else "离线"

    @property
    def online_code(self) -> str:
        if self.state is None:
            return "none"
        return "on" if self.state.online else "off"

    @property
    def channels_online(self) -> int:
        return sum(1 for row in self.channels if row.channel.online)


def _related(obj, name: str):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _channel_row(channel, *, project_id: int) -> ChannelRow:
    point = channel.point
    misplaced = point is not None and point.project_id != project_id
    return ChannelRow(
        channel=channel,
        main=resolution_verdict(channel.main_resolution, MAIN_MINIMUM),
        sub=resolution_verdict(channel.sub_resolution, SUB_MINIMUM),
        main_text=resolution_text(channel.main_resolution),
        sub_text=resolution_text(channel.sub_resolution),
        point_name=None if point is None or misplaced else point.name,
        point_misplaced=misplaced,
    )


def registration_label(registration, *, now: dt.datetime) -> str:
    if registration is None:
        return "从未注册"
    if not registration.registered:
        return "已注销" if registration.registered_at else "未注册"
    if registration.expires_at and registration.expires_at <= now:
        return "注册已过期"
    return "已注册"


def _device_rows(devices: list[Device], channels: QuerySet, *, now: dt.datetime) -> list[DeviceRow]:
    rows = {}
    for device in devices:
        registration = _related(device, "gb_registration")
        rows[device.pk] = DeviceRow(device=device, registration=registration, state=_related(device, "state"),
                                    registration_label=registration_label(registration, now=now))
    for channel in channels:
        row = rows.get(channel.device_id)
        if row is not None:
            row.channels.append(_channel_row(channel, project_id=row.device.project_id))
    return list(rows.values())


def _summary(rows: list[DeviceRow]) -> dict:
    channels = [c for row in rows for c in row.channels]
    return {
        "devices": len(rows),
        "devices_online": sum(1 for row in rows if row.online_code == "on"),
        "channels": len(channels),
        "channels_online": sum(1 for c in channels if c.channel.online),
        "main_fail": sum(1 for c in channels if c.main is FAIL),
        "sub_fail": sum(1 for c in channels if c.sub is FAIL),
        "unknown": sum(1 for c in channels if UNKNOWN in (c.main, c.sub)),
    }


def video_section(*, scope: Scope, project, now: dt.datetime) -> dict | None:
    """{"rows": a DeviceRow per visible GB/T 28181 device of the project, with its channels;
    "summary": counts}, or None when the user sees no such device there. Two queries
    whatever the number of devices and channels."""
    devices = list(selectors.device_list(scope=scope, project=project.pk)
                   .filter(kind__in=GB28181_KINDS).select_related("gb_registration"))
    if not devices:
        return None
    channels = monitoring_selectors.channel_list(scope=scope, project_id=project.pk).filter(
        device_id__in=[d.pk for d in devices])
    rows = _device_rows(devices, channels, now=now)
    # Devices that have registered first: they are what the page is about; the others wait below.
    rows.sort(key=lambda row: row.registration is None)
    return {"rows": rows, "summary": _summary(rows)}


def device_get(*, scope: Scope, pk: int, now: dt.datetime) -> DeviceRow:
    """A visible device with its registration, state and channels; Device.DoesNotExist when it
    does not exist or is outside the scope."""
    device = selectors.device_list(scope=scope).select_related("gb_registration").get(pk=pk)
    channels = monitoring_selectors.channel_list(scope=scope, device_id=device.pk)
    return _device_rows([device], channels, now=now)[0]


def flip_list(*, scope: Scope, device_id: int) -> QuerySet:
    """上下线记录 of a device and its channels, newest first; empty for a device outside the scope."""
    qs = Flip.objects.filter(device_id=device_id).select_related("channel").order_by("-at", "-id")
    return qs if scope.sees_all else qs.filter(device__in=scope.devices())


def unregistered_list(*, scope: Scope, protocol: str | None = None) -> QuerySet:
    """未登记设备 the user may see (nothing for roles without the right), latest first."""
    qs = scope.unregistered_devices().select_related("district").order_by("-last_seen", "-pk")
    return qs.filter(protocol=protocol) if protocol else qs
