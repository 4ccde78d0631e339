"""The weekly assessment in a real browser against the demo's past weeks (`sitewatch demo`
writes them): the scoreboard, the drill-down to a deduction's evidence, the history chart
drawn by the local ECharts, and the integrator's 告知恢复上线."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.browser
POOR = "湛江蓝海物联网工程有限公司"


def test_scoreboard_drills_down_to_evidence_and_the_history_chart_renders(page):
    log_in(page, "city")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="周考核").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("系统集成商周考核成绩")
    board = page.locator("#scoreboard")
    expect(board.locator("tbody tr")).to_have_count(3)
    board.get_by_role("link", name=POOR).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(POOR)
    fix = page.locator("#deduction-table tbody tr", has_text="修复时间").first
    expect(fix).to_contain_text("短信通知")
    expect(fix).to_contain_text(" · ")  # project · point
    expect(page.locator("#rules")).to_contain_text("不足一天按一天计")
    expect(page.locator("#evidence-download")).to_have_attribute("href", re.compile(r"^/assessments/\d+/evidence\.json$"))
    page.get_by_role("link", name="历次成绩").click()
    expect(page.locator("#score-chart canvas")).to_have_count(1)
    expect(page.locator("#history-table tbody tr")).to_have_count(8)
    expect(page.locator("#sanctions")).to_contain_text("约谈整改")


def test_integrator_reports_recovery_on_a_phone(new_page):
    page = new_page(PHONE)
    log_in(page, "integrator")
    page.goto("/episodes/")
    forms = page.locator("form.report-form")
    before = forms.count()
    assert before >= 1
    forms.first.locator("input[name=note]").fill("浏览器测试：已更换电源")
    forms.first.get_by_role("button", name="告知恢复上线").click()
    expect(page.locator(".messages")).to_contain_text("已告知恢复上线")
    row = page.locator("#episode-table tbody tr", has_text="浏览器测试：已更换电源")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile("与数据一致|与数据不符"))
    expect(forms).to_have_count(before - 1)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
