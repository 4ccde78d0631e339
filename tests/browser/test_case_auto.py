"""One automatic case from detection to the platform's automatic close (issue 7, "done
when"), seen by the 霞山区 official in a real browser:

a dust monitor of a project of its own goes silent (the gateway's and the monitor loop's own
services, in the server's database), `sitewatch detect --once` finds it offline past the
24-hour threshold and opens 扬尘监测未联网; the official finds the case on the board and its
page; the monitor reports again, the clear period runs (detection at moments in the past with
``--now``, then now), and the case page shows 已结案 with the platform's step.

Detection runs with ENFORCEMENT_CONNECT_GRACE_DAYS=3650, so in the shared server's database
it opens no 未接入 or camera-matrix cases for the demo's projects, which other walks use."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser
WALKS = ARTIFACTS / "walks"
PROJECT_NAME = "霞山区违规自动检测浏览器测试项目"

# A project with one dust monitor that reported at T-72 h and was found silent at T-70 h.
SILENT = """
import datetime as dt
from decimal import Decimal
from sitewatch.monitoring.services import devices_seen, sweep_silent
from sitewatch.registry.models import Device, District, Firm, MonitoringPoint, Project

T = dt.datetime.fromisoformat("{t}")
demo = Project.objects.filter(district__name="霞山区").order_by("pk").first()
project, _ = Project.objects.get_or_create(name="{name}", defaults=dict(
    district=District.objects.get(name="霞山区"), investment_cny=Decimal("5000000"), floor_area_m2=Decimal("3000"),
    stage="earthwork", status="active", contractor=demo.contractor, builder=demo.builder,
    supervisor=demo.supervisor, integrator=demo.integrator))
point, _ = MonitoringPoint.objects.get_or_create(project=project, name="南门扬尘监测点", defaults={{"kind": "dust"}})
device, _ = Device.objects.get_or_create(project=project, name="南门扬尘监测仪", defaults=dict(
    kind="dust_monitor", point=point, installer=project.integrator, hj212_mn="8844AUTOCASE0001",
    hj212_password="123456"))
devices_seen(seen={{device.pk: T - dt.timedelta(hours=72)}})
assert sweep_silent(now=T - dt.timedelta(hours=70), silence=dt.timedelta(minutes=10), device_ids=[device.pk])
print(project.pk, device.pk)
"""

# The monitor reports again (what the HJ 212 gateway calls for every upload).
BACK = """
import datetime as dt
from sitewatch.monitoring.services import devices_seen

assert devices_seen(seen={{{device}: dt.datetime.fromisoformat("{at}")}})
"""

CASE = """
from sitewatch.enforcement.models import Violation

print(Violation.objects.get(project_id={project}, kind="dust_offline").pk)
"""


def shot(page, name: str) -> None:
    WALKS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WALKS / f"{name}.png"), full_page=True)


def test_a_dust_monitor_offline_becomes_a_case_and_closes_itself_after_recovery(new_page, browser_server):
    _, env = browser_server
    detect_env = {**env, "ENFORCEMENT_CONNECT_GRACE_DAYS": "3650"}
    t = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = run_manage(env, "shell", "-c", SILENT.format(t=t.isoformat(), name=PROJECT_NAME), timeout=120)
    project_pk, device_pk = (int(v) for v in out.strip().splitlines()[-1].split())

    # Offline since T-70 h: at T-45 h that is 25 hours, past the 24-hour threshold.
    out = run_manage(detect_env, "detect", "--once", "--now", (t - dt.timedelta(hours=45)).isoformat(), timeout=120)
    assert "新增违规 1 起" in out
    case_pk = int(run_manage(env, "shell", "-c", CASE.format(project=project_pk), timeout=120).strip().splitlines()[-1])

    official = new_page()
    log_in(official, "xiashan")
    official.goto("/cases/")
    row = official.locator("#case-table tr", has_text=PROJECT_NAME)
    expect(row).to_contain_text("扬尘监测未联网")
    row.get_by_role("link", name=PROJECT_NAME).click()
    expect(official).to_have_url(f"/cases/{case_pk}/")
    expect(official.locator("#case-state")).to_have_text("已发现")
    expect(official.locator("body")).to_contain_text("南门扬尘监测点")
    expect(official.locator("body")).to_contain_text("25小时")
    expect(official.locator("#case-steps")).to_contain_text("系统")

    # Back at T-44 h; a pass an hour later notes it, the case stays open (clear for 1 hour only).
    run_manage(env, "shell", "-c", BACK.format(device=device_pk, at=(t - dt.timedelta(hours=44)).isoformat()),
               timeout=120)
    out = run_manage(detect_env, "detect", "--once", "--now", (t - dt.timedelta(hours=43)).isoformat(), timeout=120)
    assert "数据恢复 1 起" in out and "自动结案 0 起" in out
    official.reload()
    expect(official.locator("#case-state")).to_have_text("已发现")

    # Now, 44 hours later: clear for longer than ENFORCEMENT_CLEAR_HOURS (24), the platform closes it.
    out = run_manage(detect_env, "detect", "--once", timeout=120)
    assert "自动结案 1 起" in out
    official.reload()
    expect(official.locator("#case-state")).to_have_text("已结案")
    last = official.locator("#case-steps tbody tr").last
    expect(last).to_contain_text("数据恢复正常，自动结案")
    expect(last).to_contain_text("系统")
    expect(last).to_contain_text("起恢复正常")
    shot(official, "case-auto-closed")
