"""The monthly public bulletin (附件7) in a real browser: the city bureau previews a month of
the demo's past weeks and publishes it on its page; then a visitor who never logs in finds
the bulletin from the login page on a phone and reads the ranking, the 口径说明 and the
download links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.browser
DEMO_INTEGRATOR = "湛江蓝海物联网工程有限公司"
BODY_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_city_publishes_a_month_and_the_public_reads_it_without_login(new_page):
    city = new_page()
    log_in(city, "city")
    city.goto("/assessment-bulletins/")
    city.locator("#bulletin-months").get_by_role("link", name="预览并发布").first.click()
    expect(city.locator("#bulletin-table tbody tr", has_text=DEMO_INTEGRATOR)).to_have_count(1)
    expect(city.locator("#bulletin-notes")).to_contain_text("不足一天按一天计")
    city.get_by_role("button", name="发布").click()
    expect(city.locator(".messages")).to_contain_text("考核通报已发布")
    expect(city).to_have_url(re.compile(r"/public/assessment/\d{4}-\d{2}/$"))
    month = re.search(r"(\d{4})-(\d{2})/$", city.url)
    title = f"湛江市房屋市政工程视频监控和扬尘监测系统集成商考核情况通报（{month[1]}年{int(month[2])}月）"

    visitor = new_page(PHONE)
    visitor.goto("/login/")
    visitor.get_by_role("link", name="系统集成商考核情况通报").click()
    expect(visitor).to_have_url(re.compile(r"/public/assessment/$"))
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    rows = visitor.locator("#bulletin-table tbody tr")
    expect(rows).to_have_count(3)  # the demo's three integrators
    expect(rows.first.locator("td").first).to_have_text("1")
    expect(visitor.locator("#bulletin-table")).to_contain_text(DEMO_INTEGRATOR)
    expect(visitor.locator("#bulletin-notes")).to_contain_text("近12个月（滚动计算）")
    key = f"{month[1]}-{month[2]}"
    expect(visitor.locator("#download-pdf")).to_have_attribute("href", f"/public/assessment/{key}.pdf")
    expect(visitor.locator("#download-xlsx")).to_have_attribute("href", f"/public/assessment/{key}.xlsx")
    pdf = visitor.request.get(f"/public/assessment/{key}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    xlsx = visitor.request.get(f"/public/assessment/{key}.xlsx")
    assert xlsx.status == 200 and xlsx.body().startswith(b"PK")
    expect(visitor.locator("script")).to_have_count(0)  # a light page for a slow mobile link
    assert visitor.evaluate(BODY_OVERFLOW_JS) <= 1
    visitor.goto("/")
    expect(visitor).to_have_url(re.compile(r"/login/"))  # the visitor was never signed in


def test_an_unpublished_month_is_a_chinese_404_for_the_public(page):
    response = page.goto("/public/assessment/2001-01/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("考核通报不存在")
    page.get_by_role("link", name="查看已发布的考核通报").click()
    expect(page).to_have_url(re.compile(r"/public/assessment/$"))
