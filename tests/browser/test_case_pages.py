"""Rectification cases (附件6) walked in a real browser by the people who take each step:

(a) an on-site check by the 霞山区 official finding 未安装视频监控设备 with a photo, the
    rectification order, the contractor's report with a photo from its 待办, the official's
    failed re-check with a fine proposal of 80,000 — the case escalated with its measures,
    and the 整改通知书 PDF answering 200 once that document is installed;
(b) a video-patrol record with an image and two behaviours — the case page shows the image.

Both walk a project of their own (other walks open cases on the demo's projects). Each
walk ends with a full-page screenshot in test-artifacts/walks/."""

from __future__ import annotations

import re
import struct
import warnings
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PHONE, log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser
WALKS = ARTIFACTS / "walks"

PROJECT = """
from sitewatch.accounts.models import User
from sitewatch.registry.models import Project

contractor = User.objects.get(username="contractor")
project = Project.objects.filter(contractor=contractor.organisation.firm, district__name="霞山区").order_by("pk").first()
project.pk = None
project.name = "{name}"
project.save()
print(project.pk)
"""

DOCUMENT_FORMS = """
from sitewatch.onboarding.documents import FORMS
print("rectification" in FORMS)
"""


def _png(width: int = 64, height: int = 48) -> bytes:
    """A real (tiny) PNG photo: a blue-grey gradient, so the gallery has pixels to draw."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (40 + x * 3, 80 + y * 3, 160))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _project(env, name: str) -> int:
    return int(run_manage(env, "shell", "-c", PROJECT.format(name=name), timeout=120).strip().splitlines()[-1])


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "现场照片.png"
    path.write_bytes(_png())
    return path


def shot(page, name: str) -> None:
    WALKS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WALKS / f"{name}.png"), full_page=True)


def case_id(page) -> int:
    return int(re.search(r"/cases/(\d+)/$", page.url).group(1))


def act(page, action: str, *, opinion: str, files=(), fine: str = "") -> None:
    form = page.locator(f"#action-{action}")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    form.locator("textarea[name=opinion]").fill(opinion)
    if fine:
        form.locator("input[name=fine_amount]").fill(fine)
    if files:
        form.locator("input[name=evidence]").set_input_files([str(f) for f in files])
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_onsite_case_escalated_after_a_failed_recheck(new_page, browser_server, photo):
    _, env = browser_server
    project_pk = _project(env, "霞山区违规案件浏览器测试项目（现场检查）")

    official = new_page()
    log_in(official, "xiashan")
    official.goto(f"/projects/{project_pk}/")
    official.locator("#site-record-link").click()
    official.get_by_label("现场检查", exact=True).check()
    official.select_option("#id_violation_kind", label="未安装视频监控设备")
    official.fill("#id_findings", "主出入口及作业区均未安装视频监控设备")
    official.fill("#id_latitude", "21.201234")
    official.fill("#id_longitude", "110.401234")
    official.set_input_files("#photos", str(photo))
    with official.expect_navigation():
        official.get_by_role("button", name="登记", exact=True).click()
    expect(official.locator("#case-state")).to_have_text("已发现")
    expect(official.locator("#case-source")).to_have_text("现场检查")
    expect(official.locator("#case-gallery img")).to_have_count(1)
    pk = case_id(official)

    act(official, "order", opinion="请于期限内安装视频监控设备并接入平台")
    expect(official.locator("#case-state")).to_have_text("限期整改中")
    expect(official.locator("#case-deadline")).to_contain_text(re.compile(r"剩 \d+ 个工作日|待定"))

    contractor = new_page(viewport=PHONE)
    log_in(contractor, "contractor")
    contractor.goto("/inbox/")
    contractor.locator(f'#case-inbox-table a[href="/cases/{pk}/"]').click()
    act(contractor, "report", opinion="已在主出入口安装球机一台", files=[photo])
    expect(contractor.locator("#case-state")).to_have_text("已报整改，待复查")
    shot(contractor, "case-reported-phone")

    official.goto("/inbox/")
    official.locator(f'#case-inbox-table a[href="/cases/{pk}/"]').click()
    act(official, "recheck_fail", opinion="复查：作业区仍未安装", fine="80000")
    expect(official.locator("#case-state")).to_have_text("复查未通过，升级处理")
    expect(official.locator("#case-measures td[data-label='扣分或金额']").last).to_have_text("80,000.00 元（8 万元）")
    expect(official.locator("#case-measures")).to_contain_text("SG5-6")
    expect(official.locator("#case-steps")).to_contain_text("复查：作业区仍未安装")
    expect(official.locator("#case-steps tbody tr")).to_have_count(4)
    shot(official, "case-escalated")

    installed = run_manage(env, "shell", "-c", DOCUMENT_FORMS, timeout=120).strip().splitlines()[-1] == "True"
    if not installed:
        warnings.warn("整改通知书（rectification）尚未登记到文书页面：跳过其 PDF 链接的检查。", stacklevel=1)
        return
    link = official.locator("#case-documents a", has_text="PDF").first
    response = official.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"


def test_video_patrol_record_shows_its_image(new_page, browser_server, photo):
    _, env = browser_server
    project_pk = _project(env, "霞山区违规案件浏览器测试项目（视频巡查）")

    official = new_page()
    log_in(official, "xiashan")
    official.goto(f"/projects/{project_pk}/site-records/new/")
    official.get_by_label("视频巡查", exact=True).check()
    official.get_by_label("裸土/砂石未覆盖").check()
    official.get_by_label("夜间违规施工").check()
    official.fill("#id_findings", "22:40 视频巡查：场内裸土未覆盖，塔吊夜间作业")
    official.set_input_files("#photos", str(photo))
    with official.expect_navigation():
        official.get_by_role("button", name="登记", exact=True).click()
    expect(official.locator("#case-state")).to_have_text("已发现")
    expect(official.locator("h1")).to_contain_text("后台影像线上巡查施工行为违规")
    expect(official.locator("#case-behaviours")).to_have_text("裸土/砂石未覆盖、夜间违规施工")
    image = official.locator("#case-gallery img")
    image.scroll_into_view_if_needed()
    official.wait_for_function("() => { const i = document.querySelector('#case-gallery img');"
                               " return i && i.complete && i.naturalWidth === 64; }")
    shot(official, "case-video-patrol")
    official.goto(f"/projects/{project_pk}/")
    expect(official.locator("#project-cases")).to_contain_text("后台影像线上巡查施工行为违规")
    expect(official.locator("#project-site-records")).to_contain_text("视频巡查")


def test_board_statistics_chart_and_types_for_the_city(new_page, browser_server):
    _, env = browser_server
    project_pk = _project(env, "霞山区违规案件浏览器测试项目（统计）")
    official = new_page()
    log_in(official, "xiashan")
    official.goto(f"/projects/{project_pk}/site-records/new/")
    official.select_option("#id_violation_kind", label="未安装扬尘在线监测设备")
    official.fill("#id_findings", "现场未见扬尘在线监测设备")
    with official.expect_navigation():
        official.get_by_role("button", name="登记", exact=True).click()
    pk = case_id(official)

    city = new_page()
    log_in(city, "city")
    city.goto("/")
    city.get_by_role("link", name="违规案件").click()
    expect(city.locator(f'#case-table a[href="/cases/{pk}/"]')).to_be_visible()
    city.select_option("#id_kind", label="未安装扬尘在线监测设备")
    city.get_by_role("button", name="查询").click()
    expect(city.locator(f'#case-table a[href="/cases/{pk}/"]')).to_be_visible()
    expect(city.locator("#case-table")).not_to_contain_text("未安装视频监控设备")
    shot(city, "case-board")
    city.locator("#stats-link").click()
    expect(city.locator("#stats-chart canvas")).to_have_count(1)
    found = city.locator("#stats-by-kind tr", has_text="未安装扬尘在线监测设备").locator("td[data-label='发现']")
    expect(found).to_have_text(re.compile(r"^[1-9]\d*$"))
    shot(city, "case-stats")
    city.goto("/violation-types/")
    expect(city.locator("section[id^=type-]")).to_have_count(7)
    shot(city, "violation-types")
