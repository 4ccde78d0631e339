"""The device list shows each device's online state."""

import datetime as dt

import pytest

from sitewatch.monitoring.services import devices_seen, sweep_silent
from sitewatch.registry.models import Device

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def test_device_list_shows_online_offline_and_never_connected(login):
    online, offline = Device.objects.filter(project__district__name="霞山区", kind="camera")[:2]
    devices_seen(seen={online.pk: NOW, offline.pk: NOW - dt.timedelta(hours=2)})
    sweep_silent(now=NOW, silence=dt.timedelta(minutes=10), device_ids=[offline.pk])
    body = login("xiashan").get("/devices/", {"kind": "camera"}).content.decode()
    assert '<span class="state state-on">在线</span>' in body
    assert '<span class="state state-off">离线</span>' in body
    assert '<span class="state state-none">未接入</span>' in body
