"""Which points the assessment counts and whether each is online, from the gateways' live
state (DOMAIN §8: a point is a camera channel or a dust monitor; an NVR going offline takes
its channels' points with it — the channel rows already say so, see monitoring K-G4).

A camera point is online when a channel assigned to it is online; a point with no channel
assigned falls back to the devices placed on it (a camera registered on its own, a dust
monitor). A point with nothing bound to it was never connected and is not assessed (口径
K-A1)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Q, QuerySet

from sitewatch.monitoring.models import Channel
from sitewatch.registry.models import (
    Device,
    DeviceKind,
    MonitoringPoint,
    PointKind,
    PointStatus,
    ProjectStatus,
)

EVIDENCE_KIND = {PointKind.DUST: "dust_monitor", PointKind.ENTRANCE_PLATE: "plate_camera"}


def evidence_kind(point_kind: str) -> str:
    return EVIDENCE_KIND.get(point_kind, "camera")


@dataclasses.dataclass
class PointState:
    point_id: int
    online: bool = False
    main_resolution: str = ""
    sub_resolution: str = ""
    resolution_source: str = ""


def assessed_points(*, on: dt.date) -> QuerySet:
    """Points counted on the date ``on``: in projects under construction (停工 and 竣工
    projects are not assessed), not removed by then (an approved removal takes a point out
    from its removal date, K-O5)."""
    return (MonitoringPoint.objects.filter(project__status=ProjectStatus.ACTIVE)
            .filter(Q(status=PointStatus.ACTIVE) | Q(removed_on__gt=on)))


def point_states(points: QuerySet) -> dict[int, PointState]:
    """The live state of each point that has something bound to it (connected points only)."""
    states: dict[int, PointState] = {}
    ids = points.values("pk")
    for point_id, online, main, sub, source in (Channel.objects.filter(point__in=ids, in_catalog=True)
                                                .order_by("point_id", "-online", "pk")
                                                .values_list("point_id", "online", "main_resolution",
                                                             "sub_resolution", "resolution_source")):
        state = states.get(point_id)
        if state is None:  # the first row per point is an online channel when there is one
            states[point_id] = PointState(point_id, online, main, sub, source)
    by_channel = set(states)
    for point_id, online in (Device.objects.filter(point__in=ids).exclude(kind__in=(
            DeviceKind.NVR, DeviceKind.HARD_DISK, DeviceKind.ROUTER, DeviceKind.APN_CARD))
            .values_list("point_id", "state__online")):
        if point_id in by_channel:
            continue
        state = states.setdefault(point_id, PointState(point_id))
        state.online = state.online or bool(online)
    return states
