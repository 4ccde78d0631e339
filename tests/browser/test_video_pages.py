"""The project page's 视频监控设备 section and the device page's 上下线记录 in a real browser.

The browser server has its own database (see conftest.py); an NVR's registration, catalogue,
stream resolutions and a keepalive timeout are written into it with `sitewatch shell -c` run
with the server's environment, through the services the SIP gateway calls.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser

XIASHAN_SCHOOL = "霞山区滨海学校教学楼改扩建"

# Registered two hours ago with two channels (the first with a 640×480 sub-stream), lost its
# keepalives an hour ago, registered again half an hour ago. Prints the ids the test needs.
PUSH_NVR = """
import datetime as dt, json
from django.utils import timezone
from sitewatch.monitoring.gb28181 import (ChannelReport, gb_catalog_received, gb_device_facts,
    gb_device_registered, gb_devices_lost, gb_keepalives, gb_stream_resolution)
from sitewatch.monitoring.models import Channel
from sitewatch.registry.models import Device

nvr = Device.objects.get(kind="nvr", project__name=%(project)r)
now = timezone.now()
ids = [nvr.gb_device_id[:10] + "1310000001", nvr.gb_device_id[:10] + "1310000002"]

def register(at):
    gb_device_registered(device_id=nvr.pk, at=at, transport="udp", contact_address="10.3.3.3:5060",
                         expires_at=now + dt.timedelta(hours=1))

register(now - dt.timedelta(hours=2))
gb_device_facts(device_id=nvr.pk, at=now - dt.timedelta(hours=2), manufacturer="Hikvision", model="DS-7808N-R2",
                firmware="V4.61.005", channel_count=8)
gb_catalog_received(device_id=nvr.pk, at=now - dt.timedelta(hours=2), complete=True,
                    items=[ChannelReport(gb_channel_id=ids[0], name="东大门通道", status="ON"),
                           ChannelReport(gb_channel_id=ids[1], name="基坑通道", status="ON")])
gb_stream_resolution(device_id=nvr.pk, gb_channel_id=ids[0], at=now - dt.timedelta(hours=2),
                     main=(1920, 1080), sub=(640, 480))
gb_stream_resolution(device_id=nvr.pk, gb_channel_id=ids[1], at=now - dt.timedelta(hours=2),
                     main=(2560, 1440), sub=(704, 576))
gb_devices_lost(device_ids=[nvr.pk], at=now - dt.timedelta(hours=1))
register(now - dt.timedelta(minutes=30))
gb_keepalives(seen={nvr.pk: now - dt.timedelta(minutes=1)})
channels = {c.gb_channel_id: c.pk for c in Channel.objects.filter(device=nvr)}
print(json.dumps({"nvr": nvr.pk, "low_sub": channels[ids[0]], "good": channels[ids[1]]}))
"""


@pytest.fixture(scope="module")
def nvr(browser_server) -> dict:
    _, env = browser_server
    output = run_manage(env, "shell", "-c", PUSH_NVR % {"project": XIASHAN_SCHOOL}, timeout=120)
    return json.loads(output.strip().splitlines()[-1])


def test_district_official_sees_a_failing_sub_stream_and_opens_the_flip_history(page, nvr):
    log_in(page, "xiashan")
    page.goto(f"/projects/?q={XIASHAN_SCHOOL}")
    page.get_by_role("link", name=XIASHAN_SCHOOL).click()
    video = page.locator("#video")
    expect(video.get_by_role("heading", level=2)).to_contain_text("视频监控设备")
    expect(page.locator(f"#video-state-{nvr['nvr']}")).to_have_text("在线")
    expect(page.locator(f"#channel-{nvr['low_sub']} [data-stream=sub]")).to_have_text("不达标")
    expect(page.locator(f"#channel-{nvr['low_sub']} [data-stream=main]")).to_have_text("达标")
    expect(page.locator(f"#channel-{nvr['good']} [data-stream=sub]")).to_have_text("达标")

    page.locator("#video-devices").get_by_role("link", name="硬盘录像机").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("硬盘录像机")
    history = page.locator("#flip-table tbody tr")
    # Up (1 + 2 channels), keepalive timeout (1 + 2), registered again (1 + 2), newest first.
    expect(history).to_have_count(9)
    expect(history.first).to_contain_text("上级设备恢复在线")
    expect(history.last).to_contain_text("设备注册")
    expect(page.locator("#flip-table")).to_contain_text("心跳超时")
