"""The project page's dust monitors in a real browser: curves drawn by the local ECharts, the
"暂无数据" state, and no sideways scrolling on a phone.

The browser server has its own database (see conftest.py); readings are pushed into it with
`sitewatch shell -c` run with the server's environment, through the real ingest, and the
alarms judged there as the monitor loop would.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser

XIASHAN_HOUSING = "霞山区棚户区改造安置房项目"
XIASHAN_HOSPITAL = "霞山区人民医院门诊综合楼"
BODY_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"

# Three hours of one-a-minute uploads up to the last whole hour, the first over the PM10 alarm level,
# then one pass of the alarm judging. Prints the ids the test needs.
PUSH_READINGS = """
import datetime as dt, json
from django.utils import timezone
from sitewatch.alarms.services import alarms_evaluate
from sitewatch.registry.models import Device
from sitewatch.telemetry.ingest import Packet, ingest

device = Device.objects.get(kind="dust_monitor", project__name=%(project)r)
now = timezone.now()
hour = now.replace(minute=0, second=0, microsecond=0)
packets = []
for m in range(180):
    at = hour - dt.timedelta(hours=3) + dt.timedelta(minutes=m)
    pm10 = 230 - m if m < 60 else 60 + (m %% 17)
    packets.append(Packet(mn=device.hj212_mn, password=device.hj212_password, cn="2011", received_at=at, raw="##",
                          data_time=at, values={"a34002": {"Rtd": str(pm10)}, "a34004": {"Rtd": str(pm10 / 2)}}))
ingest(packets)
alarms_evaluate(now=now)
print(json.dumps({"device": device.pk, "project": device.project_id}))
"""


@pytest.fixture(scope="module")
def pushed(browser_server) -> dict:
    _, env = browser_server
    output = run_manage(env, "shell", "-c", PUSH_READINGS % {"project": XIASHAN_HOUSING}, timeout=120)
    return json.loads(output.strip().splitlines()[-1])


def open_project(page, name: str) -> None:
    page.goto(f"/projects/?q={name}")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_project_page_draws_real_time_and_hourly_curves(page, pushed):
    log_in(page, "xiashan")
    open_project(page, XIASHAN_HOUSING)
    device = pushed["device"]
    expect(page.locator(f"#dust-chart-{device}-realtime canvas")).to_have_count(1)
    expect(page.locator(f"#dust-chart-{device}-hourly canvas")).to_have_count(1)
    expect(page.locator(f"#dust-state-{device}")).to_have_text("在线")


def test_project_page_lists_the_alarm_under_the_curves(page, pushed):
    log_in(page, "xiashan")
    open_project(page, XIASHAN_HOUSING)
    rows = page.locator(f"#dust-alarms-{pushed['device']} tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("报警")
    expect(rows.first).to_contain_text("第1版")
    expect(page.locator("#dust-note")).to_contain_text("PM10小时均值≥150预警、≥200报警")


def test_dust_monitor_without_data_says_so_instead_of_an_empty_chart(page):
    log_in(page, "xiashan")
    open_project(page, XIASHAN_HOSPITAL)
    box = page.locator(".chart-dust").first
    expect(box).to_contain_text("暂无数据")
    expect(box.locator("canvas")).to_have_count(0)
    expect(page.locator(".dust-last").first).to_contain_text("从未收到数据")


def test_project_page_with_curves_does_not_scroll_sideways_on_a_phone(new_page, pushed):
    page = new_page(viewport=PHONE)
    log_in(page, "xiashan")
    open_project(page, XIASHAN_HOUSING)
    expect(page.locator(f"#dust-chart-{pushed['device']}-realtime canvas")).to_have_count(1)
    assert page.evaluate(BODY_OVERFLOW_JS) <= 0
