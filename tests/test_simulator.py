"""The dust simulator's values and packets (pure), and a short run against a real gateway."""

import asyncio
import datetime as dt

import pytest

from sitewatch.core.demo import build_demo
from sitewatch.gateways.hj212 import Gateway
from sitewatch.protocols import hj212
from sitewatch.simulators.dust import SimDevice, build_upload, run_devices, styles_for
from sitewatch.simulators.dust_values import SH, DustModel
from sitewatch.telemetry.models import Reading

AT = dt.datetime(2026, 11, 25, 8, 0, tzinfo=SH)


def test_values_are_repeatable_for_the_same_device_and_moment():
    assert DustModel("MN1").values(AT) == DustModel("MN1").values(AT)


def test_particle_sizes_keep_their_order():
    model = DustModel("MN2")
    for minutes in range(0, 24 * 60, 7):
        v = model.values(AT + dt.timedelta(minutes=minutes))
        assert v["a34004"] <= v["a34002"] <= v["a34001"]


def test_morning_peak_is_dustier_than_the_small_hours_on_average():
    model = DustModel("MN3", episode_chance=0, rain_chance=0)
    day = [model.values(AT.replace(hour=8, minute=m))["a34002"] for m in range(60)]
    night = [model.values(AT.replace(hour=3, minute=m))["a34002"] for m in range(60)]
    assert sum(day) > 1.3 * sum(night)


def test_episodes_exceed_the_pm10_alarm_line_sometimes():
    model = DustModel("MN4", episode_chance=0.5)
    hours = [model.values(AT + dt.timedelta(hours=h))["a34002"] for h in range(48)]
    assert max(hours) >= 200


def test_device_styles_include_2005_and_vendor_crc():
    styles = [styles_for(i) for i in range(20)]
    assert ("2005", hj212.CrcVariant.STANDARD) in styles
    assert ("2017", hj212.CrcVariant.MODBUS_SWAPPED) in styles


@pytest.mark.parametrize("index", [0, 3, 7])
def test_uploads_parse_back_with_the_codec(index):
    style, variant = styles_for(index)
    device = SimDevice(mn="88880000000001", pw="123456", style=style, crc_variant=variant)
    qn, frame = build_upload(device, DustModel(device.mn), cn="2011", at=AT, now=AT)
    conn = hj212.Connection(zone=SH, auto_detect_crc=True)
    conn.receive_data(frame)
    event = conn.next_event()
    assert isinstance(event, hj212.DataUpload)
    assert event.data_time == AT and event.crc_variant == variant
    assert (event.qn or "") == qn


def test_simulated_monitors_feed_a_real_gateway(transactional_db, settings):
    build_demo()
    settings.HJ212_CALIBRATE_ON_CONNECT = True
    from sitewatch.registry.models import Device

    devices = [SimDevice(mn=d.hj212_mn, pw=d.hj212_password, style=s, crc_variant=v)
               for d, (s, v) in zip(Device.objects.filter(kind="dust_monitor").order_by("id")[:4],
                                    [styles_for(i) for i in range(4)], strict=True)]

    async def scenario():
        gateway = Gateway()
        await gateway.start("127.0.0.1", 0)
        try:
            return await run_devices(devices, host="127.0.0.1", port=gateway.port, interval=0.3,
                                     stop=asyncio.Event(), duration=2.5)
        finally:
            await gateway.close()

    monitors = asyncio.run(scenario())
    assert all(m.sent >= 3 for m in monitors)
    assert all(m.answered >= 2 for m in monitors)  # every one of these four asks for answers
    assert Reading.objects.filter(device__hj212_mn__in=[d.mn for d in devices]).count() >= 12
