"""Online state of GB/T 28181 devices and channels, as the SIP gateway reports it."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.monitoring.gb28181 import (
    ChannelReport,
    gb_catalog_notified,
    gb_catalog_received,
    gb_device_facts,
    gb_device_registered,
    gb_device_unregistered,
    gb_devices_lost,
    gb_faulty_channels,
    gb_keepalives,
    gb_stream_resolution,
)
from sitewatch.monitoring.models import Channel, DeviceState, Flip, GbRegistration, StreamResolution
from sitewatch.registry.models import Device
from tests.test_api_support import Api

T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def nvr(db):
    return Device.objects.filter(kind="nvr", gb_device_id__isnull=False).first()


def register(nvr, at=T0):
    return gb_device_registered(device_id=nvr.pk, at=at, transport="udp", contact_address="10.1.2.3:5060",
                                expires_at=at + dt.timedelta(hours=1), user_agent="Embedded Net DVR/NVR/DVS")


def catalog(nvr, statuses, at=T0, complete=True):
    items = [ChannelReport(gb_channel_id=f"{nvr.gb_device_id[:10]}13100000{i:02d}", name=f"通道{i}", status=s)
             for i, s in enumerate(statuses, 1)]
    return gb_catalog_received(device_id=nvr.pk, at=at, items=items, complete=complete)


def channel(nvr, i):
    return Channel.objects.get(device=nvr, gb_channel_id=f"{nvr.gb_device_id[:10]}13100000{i:02d}")


def test_register_puts_the_device_online_with_its_address(nvr):
    flips = register(nvr)
    assert [(f.new_online, f.reason) for f in flips] == [(True, "register")]
    reg = GbRegistration.objects.get(device=nvr)
    assert reg.registered and reg.contact_address == "10.1.2.3:5060" and reg.transport == "udp"
    assert DeviceState.objects.get(device=nvr).online


def test_catalog_off_channel_is_offline_under_an_online_nvr(nvr):
    register(nvr)
    catalog(nvr, ["ON", "OFF", "ON"])
    assert [channel(nvr, i).online for i in (1, 2, 3)] == [True, False, True]
    assert channel(nvr, 2).catalog_status == "OFF"
    first = Flip.objects.get(channel=channel(nvr, 1))
    assert first.old_online is None and first.new_online and first.reason == "catalog_on"


def test_nvr_offline_takes_its_channels_and_brings_back_only_the_on_ones(nvr):
    register(nvr)
    catalog(nvr, ["ON", "OFF"])
    lost = gb_devices_lost(device_ids=[nvr.pk], at=T0 + dt.timedelta(minutes=5))
    assert sorted((f.channel_id is None, f.reason) for f in lost) == [(False, "parent_offline"),
                                                                      (True, "keepalive_missed")]
    assert not channel(nvr, 1).online
    back = gb_keepalives(seen={nvr.pk: T0 + dt.timedelta(minutes=7)})
    assert sorted(f.reason for f in back) == ["data", "parent_online"]
    assert channel(nvr, 1).online and not channel(nvr, 2).online


def test_unregister_takes_device_and_channels_offline(nvr):
    register(nvr)
    catalog(nvr, ["ON"])
    flips = gb_device_unregistered(device_id=nvr.pk, at=T0 + dt.timedelta(minutes=1))
    assert {f.reason for f in flips} == {"unregister", "parent_offline"}
    assert not GbRegistration.objects.get(device=nvr).registered
    assert not channel(nvr, 1).online


def test_partial_catalog_never_removes_channels_but_a_complete_one_marks_them(nvr):
    register(nvr)
    catalog(nvr, ["ON", "ON", "ON"])
    catalog(nvr, ["ON"], at=T0 + dt.timedelta(minutes=1), complete=False)
    assert Channel.objects.filter(device=nvr, in_catalog=True).count() == 3
    catalog(nvr, ["ON"], at=T0 + dt.timedelta(minutes=2), complete=True)
    assert list(Channel.objects.filter(device=nvr, in_catalog=True).values_list("name", flat=True)) == ["通道1"]
    assert not channel(nvr, 3).online and Channel.objects.filter(device=nvr).count() == 3
    assert Flip.objects.filter(channel=channel(nvr, 3), reason="channel_removed").exists()


def test_notify_events_change_channel_status(nvr):
    register(nvr)
    catalog(nvr, ["ON", "ON"])
    cid = channel(nvr, 1).gb_channel_id
    gb_catalog_notified(device_id=nvr.pk, at=T0 + dt.timedelta(minutes=1),
                        items=[ChannelReport(gb_channel_id=cid, event="VLOST")])
    assert not channel(nvr, 1).online
    assert Flip.objects.filter(channel=channel(nvr, 1)).first().reason == "video_lost"
    gb_catalog_notified(device_id=nvr.pk, at=T0 + dt.timedelta(minutes=2),
                        items=[ChannelReport(gb_channel_id=cid, event="ON")])
    assert channel(nvr, 1).online


def test_faulty_ids_in_keepalive_info_mark_channels_defect(nvr):
    register(nvr)
    catalog(nvr, ["ON", "ON"])
    gb_faulty_channels(device_id=nvr.pk, at=T0 + dt.timedelta(minutes=1), channel_ids=[channel(nvr, 2).gb_channel_id])
    assert channel(nvr, 1).online and not channel(nvr, 2).online
    assert channel(nvr, 2).catalog_status == "DEFECT"


def test_resolution_is_recorded_with_source_and_a_row_only_when_it_changes(nvr):
    register(nvr)
    catalog(nvr, ["ON"])
    cid = channel(nvr, 1).gb_channel_id
    for minute in (1, 2):
        assert gb_stream_resolution(device_id=nvr.pk, gb_channel_id=cid, at=T0 + dt.timedelta(minutes=minute),
                                    main=(1920, 1080), sub=(640, 480))
    ch = channel(nvr, 1)
    assert (ch.main_resolution, ch.sub_resolution, ch.resolution_source) == ("1920x1080", "640x480", "device_config")
    assert ch.resolution_at == T0 + dt.timedelta(minutes=2)
    assert StreamResolution.objects.filter(channel=ch).count() == 2
    gb_stream_resolution(device_id=nvr.pk, gb_channel_id=cid, at=T0 + dt.timedelta(minutes=3), main=None,
                         sub=(704, 576))
    assert channel(nvr, 1).sub_resolution == "704x576" and channel(nvr, 1).main_resolution == "1920x1080"
    assert StreamResolution.objects.filter(channel=ch).count() == 3
    assert not gb_stream_resolution(device_id=nvr.pk, gb_channel_id="00000000000000000000", at=T0, main=(1, 1),
                                    sub=None)


def test_device_facts_are_kept(nvr):
    gb_device_facts(device_id=nvr.pk, at=T0, manufacturer="Hikvision", model="DS-7916N-R4", firmware="V3.4.92",
                    channel_count=16, keepalive_interval=30, keepalive_misses=3)
    reg = GbRegistration.objects.get(device=nvr)
    assert (reg.manufacturer, reg.model_name, reg.firmware, reg.channel_count, reg.keepalive_interval) == (
        "Hikvision", "DS-7916N-R4", "V3.4.92", 16, 30)


def test_channels_api_shows_state_and_resolution_to_the_district_only(nvr):
    register(nvr)
    catalog(nvr, ["ON", "OFF"])
    gb_stream_resolution(device_id=nvr.pk, gb_channel_id=channel(nvr, 1).gb_channel_id, at=T0, main=(1920, 1080),
                         sub=(640, 480))
    own = "xiashan" if nvr.project.district.name == "霞山区" else "chikan"
    other = "chikan" if own == "xiashan" else "xiashan"
    if nvr.project.district.name not in ("霞山区", "赤坎区"):
        pytest.skip("demo NVR outside the two districts with logins")
    data = Api.as_user(own).get(f"/devices/{nvr.pk}/channels").json()
    assert data["count"] == 2
    first, second = data["items"]
    assert (first["online"], first["main_resolution"], first["sub_resolution"]) == (True, "1920x1080", "640x480")
    assert (first["main_resolution_ok"], first["sub_resolution_ok"], first["resolution_source"]) == (
        True, False, "device_config")
    assert (second["online"], second["catalog_status"], second["main_resolution"]) == (False, "OFF", None)
    assert Api.as_user(other).get(f"/devices/{nvr.pk}/channels").status_code == 404


def test_operator_assigns_a_channel_to_a_point_of_its_project_and_it_is_audited(nvr, login):
    from sitewatch.accounts.models import AuditEntry
    from sitewatch.registry.models import MonitoringPoint

    register(nvr)
    catalog(nvr, ["ON", "ON"])
    point = MonitoringPoint.objects.filter(project=nvr.project).first()
    elsewhere = MonitoringPoint.objects.exclude(project=nvr.project).first()
    url = f"/admin/monitoring/channel/{channel(nvr, 1).pk}/change/"
    client = login("operator")
    refused = client.post(url, {"point": elsewhere.pk})
    assert refused.status_code == 200 and channel(nvr, 1).point_id is None
    assert client.post(url, {"point": point.pk}).status_code == 302
    assert channel(nvr, 1).point_id == point.pk
    entry = AuditEntry.objects.filter(model="monitoring.Channel").latest("id")
    assert entry.after == {"point_id": point.pk}
    taken = client.post(f"/admin/monitoring/channel/{channel(nvr, 2).pk}/change/", {"point": point.pk})
    assert "已对应通道" in taken.content.decode() and channel(nvr, 2).point_id is None


def test_district_cannot_reach_the_channel_admin(nvr, login):
    register(nvr)
    catalog(nvr, ["ON"])
    assert login("xiashan").get(f"/admin/monitoring/channel/{channel(nvr, 1).pk}/change/").status_code == 302


def test_channels_api_counts_a_rotated_stream_as_meeting_and_an_unparsable_one_as_unknown(nvr):
    register(nvr)
    catalog(nvr, ["ON"])
    Channel.objects.filter(device=nvr).update(main_resolution="1080x1920", sub_resolution="D1?")
    own = "xiashan" if nvr.project.district.name == "霞山区" else "chikan"
    item = Api.as_user(own).get(f"/devices/{nvr.pk}/channels").json()["items"][0]
    assert item["main_resolution_ok"] is True and item["sub_resolution_ok"] is None


def test_admin_shows_unregistered_samples_without_the_hj212_password(login):
    from sitewatch.monitoring.models import UnregisteredDevice

    entry = UnregisteredDevice.objects.create(protocol="hj212", identifier="88888880000001", first_seen=T0,
                                              last_seen=T0, count=1, sample="##0101QN=1;ST=39;CN=2011;PW=654321;MN=8")
    body = login("city").get(f"/admin/monitoring/unregistereddevice/{entry.pk}/change/").content.decode()
    assert "PW=******" in body and "654321" not in body


def test_monitor_loop_flips_gb_devices_offline_when_no_gateway_hears_them(nvr, settings):
    from sitewatch.monitoring.loop import run_once

    settings.SIP_KEEPALIVE_INTERVAL, settings.SIP_KEEPALIVE_MISSES, settings.SIP_SILENCE_MARGIN_SECONDS = 60, 3, 120
    register(nvr)
    catalog(nvr, ["ON"])
    assert run_once(now=T0 + dt.timedelta(seconds=299))["gb_offline"] == 0  # window 180 s + margin 120 s
    assert run_once(now=T0 + dt.timedelta(seconds=301))["gb_offline"] == 1
    assert not GbRegistration.objects.get(device=nvr).registered and not channel(nvr, 1).online
    assert Flip.objects.filter(device=nvr, channel=None).first().reason == "silence"


def test_monitor_loop_honours_a_device_s_own_longer_keepalive_window(nvr, settings):
    from sitewatch.monitoring.loop import run_once

    settings.SIP_KEEPALIVE_INTERVAL, settings.SIP_KEEPALIVE_MISSES, settings.SIP_SILENCE_MARGIN_SECONDS = 60, 3, 120
    register(nvr)
    gb_device_facts(device_id=nvr.pk, at=T0, keepalive_interval=120, keepalive_misses=3)
    assert run_once(now=T0 + dt.timedelta(seconds=400))["gb_offline"] == 0  # its window is 360 s + 120 s
    assert run_once(now=T0 + dt.timedelta(seconds=481))["gb_offline"] == 1
