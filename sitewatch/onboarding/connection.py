"""Whether an application's devices are connected, decided from the gateways' live data
(DOMAIN §4.5: every applied device seen online by the platform and passing the stream
checks). A camera counts through its own channel or through the NVR channel assigned to
its point (口径 K-O4)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from sitewatch.monitoring.models import Channel, DeviceState
from sitewatch.monitoring.streams import MAIN_MINIMUM, SUB_MINIMUM, meets
from sitewatch.onboarding.models import Application

CAMERA_KINDS = {"camera", "plate_camera"}


def connection_gaps(application: Application) -> list[str]:
    """What still keeps the application from being connected, in Chinese; [] when connected."""
    gaps = []
    for item in application.devices.select_related("device"):
        name = f"{item.point_name}（{item.get_device_kind_display()}）"
        device = item.device
        if device is None:
            gaps.append(f"{name}：尚未登记到平台")
            continue
        if item.device_kind in CAMERA_KINDS:
            channels = Channel.objects.filter(Q(device=device) | Q(point_id=device.point_id) if device.point_id
                                              else Q(device=device), online=True, in_catalog=True)
            channel = channels.order_by("-resolution_at").first()
            if channel is None:
                gaps.append(f"{name}：视频通道不在线")
            elif not (meets(channel.main_resolution, MAIN_MINIMUM) and meets(channel.sub_resolution, SUB_MINIMUM)):
                gaps.append(f"{name}：码流分辨率未达标或未知（主码流 {channel.main_resolution or '未知'}，"
                            f"子码流 {channel.sub_resolution or '未知'}）")
        elif not DeviceState.objects.filter(device=device, online=True).exists():
            gaps.append(f"{name}：设备不在线")
    return gaps


def applications_connect(*, now: dt.datetime) -> list[Application]:
    """Applications being installed whose every device is now connected: moved to 已接入 by
    the platform (a Step with actor 系统). Safe as several copies (application_act claims)."""
    from sitewatch.lib.workflow import TransitionRefused
    from sitewatch.onboarding.services import application_act

    done = []
    for application in Application.objects.filter(state="installing").select_related("project"):
        if connection_gaps(application):
            continue
        try:
            application_act(user=None, application=application, action="connect", now=now,
                            opinion="平台实时数据：全部设备在线，视频码流达标。")
        except TransitionRefused:
            continue  # another copy of the loop took it
        done.append(application)
    return done
