"""The pages a person uses, in a real browser (see conftest.py for the harness)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser

CHIKAN_HOUSING = "赤坎区棚户区改造安置房项目"

# The page body must not scroll sideways; the table may only if its own box says so.
BODY_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
TABLE_OVERFLOW_JS = "el => el.scrollWidth - el.clientWidth"


def project_rows(page):
    return page.locator("#project-table tbody tr")


def project_url(new_page, name: str) -> str:
    """The address of a project page, looked up as the city bureau would."""
    page = new_page()
    log_in(page, "city")
    page.goto(f"/projects/?q={name}")
    return page.get_by_role("link", name=name).get_attribute("href")


def test_user_logs_in_through_the_form_and_lands_on_home(page):
    log_in(page, "city")
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    expect(page.locator(".who-name")).to_have_text("市住建局质安科")


def test_wrong_password_shows_chinese_error(page):
    log_in(page, "chikan", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")


def test_home_draws_the_district_chart_from_local_echarts(page):
    log_in(page, "city")
    expect(page.locator("#district-chart canvas")).to_have_count(1)


def test_city_admin_sees_calendar_reminder_on_home(page):
    log_in(page, "city")
    expect(page.locator("#calendar-reminder")).to_contain_text("请录入2027年放假安排")


def test_user_lists_projects(page, browser_server):
    # Other walks add projects to the shared server, so the total is read from its database.
    total = run_manage(browser_server[1], "shell", "-c",
                       "from sitewatch.registry.models import Project; print(Project.objects.count())",
                       timeout=120).strip().splitlines()[-1]
    assert int(total) >= 30  # the demo's 30 projects at least
    log_in(page, "city")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工程项目").click()
    expect(page.get_by_role("heading", name="工程项目")).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text(f"共 {total} 条")
    expect(project_rows(page)).to_have_count(25)


def test_user_filters_projects_by_district(page):
    log_in(page, "city")
    page.goto("/projects/")
    page.select_option("#id_district", label="赤坎区")
    page.get_by_role("button", name="查询").click()
    expect(project_rows(page)).to_have_count(3)
    for name in project_rows(page).locator(".cell-title").all_inner_texts():
        assert name.startswith("赤坎区")


def test_user_opens_a_project_from_the_list(page):
    log_in(page, "chikan")
    page.goto("/projects/")
    page.get_by_role("link", name=CHIKAN_HOUSING).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CHIKAN_HOUSING)
    expect(page.locator("#must-connect-note")).to_contain_text("投资额100万元以上（含）")
    expect(page.locator("#device-table tbody tr")).to_have_count(7)


def test_district_official_is_denied_another_districts_project(new_page):
    url = project_url(new_page, CHIKAN_HOUSING)
    page = new_page()
    log_in(page, "xiashan")
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在或无权查看")
    expect(page.locator("body")).not_to_contain_text(CHIKAN_HOUSING)


def test_user_logs_out_with_the_button(page):
    log_in(page, "xiashan")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/projects/", "/devices/", "/firms/"])
def test_page_has_no_horizontal_overflow_on_a_phone(new_page, path):
    page = new_page(viewport=PHONE)
    log_in(page, "city")
    page.goto(path)
    assert page.evaluate(BODY_OVERFLOW_JS) <= 0


def test_project_page_has_no_horizontal_overflow_on_a_phone(new_page):
    page = new_page(viewport=PHONE)
    log_in(page, "chikan")
    page.goto("/projects/")
    page.get_by_role("link", name=CHIKAN_HOUSING).click()
    assert page.evaluate(BODY_OVERFLOW_JS) <= 0


@pytest.mark.parametrize("path", ["/projects/", "/devices/"])
def test_list_table_fits_a_laptop_screen(new_page, path):
    page = new_page(viewport=LAPTOP)
    log_in(page, "city")
    page.goto(path)
    assert page.evaluate(BODY_OVERFLOW_JS) <= 0
    assert page.locator(".table-wrap").evaluate(TABLE_OVERFLOW_JS) <= 0


def test_echarts_is_served_locally_and_gzipped(server_url):
    import urllib.request

    request = urllib.request.Request(f"{server_url}/static/vendor/echarts/echarts.min.js",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert int(response.headers["Content-Length"]) < 500_000
