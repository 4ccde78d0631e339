"""Relocation/removal (附件2), the tower-crane dismantling notice (附件3) and a cannot-connect
statement (附件5) walked in a real browser by the people who take each step:

(a) a relocation filed by the contractor, the four opinions, the city's approval, and the
    point's new location on the project page;
(b) a removal of the tower-crane point refused while its dismantling notice is missing,
    the district registering it, then the removal approved and the point shown removed;
(c) a statement filed by the contractor, made overdue in the server's database, turned into
    a 未接入监管平台 record by `sitewatch deadlines --once` and shown on the statement page.

Each walk ends with a full-page screenshot in test-artifacts/walks/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser
WALKS = ARTIFACTS / "walks"

PROJECT = """
from sitewatch.accounts.models import User
from sitewatch.registry.models import Project

contractor = User.objects.get(username="contractor")
# The demo's first 霞山区 project of this contractor (other walks add projects of their own).
project = Project.objects.filter(contractor=contractor.organisation.firm, district__name="霞山区").order_by("pk").first()
print(project.pk, project.name)
"""

# The demo project is at the main-structure stage, so it has a tower-crane point; made
# sure of here so the walk does not depend on the demo's choice.
CRANE = """
from sitewatch.registry.models import MonitoringPoint, Project

project = Project.objects.get(pk={pk})
MonitoringPoint.objects.get_or_create(project=project, name="1号塔吊球机",
                                      defaults={{"kind": "tower_crane_dome", "location": "1号塔吊大臂"}})
"""

OVERDUE = """
import datetime as dt
from django.utils import timezone
from sitewatch.onboarding.models import CannotConnect

CannotConnect.objects.filter(pk={pk}).update(promised_date=timezone.localdate() - dt.timedelta(days=1))
"""

OPINIONS = (("contractor", "填写施工单位意见*"), ("supervisor", "填写监理单位意见*"),
            ("xiashan", "填写县（市、区）住建主管部门意见*"), ("operator", "填写平台运维单位意见*"))


@pytest.fixture(scope="module")
def project(browser_server) -> tuple[int, str]:
    _, env = browser_server
    pk, name = run_manage(env, "shell", "-c", PROJECT, timeout=120).strip().splitlines()[-1].split(" ", 1)
    run_manage(env, "shell", "-c", CRANE.format(pk=pk), timeout=120)
    return int(pk), name


def shot(page, name: str) -> None:
    WALKS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WALKS / f"{name}.png"), full_page=True)


def change_id(page) -> int:
    return int(re.search(r"/changes/(\d+)/$", page.url).group(1))


def file_change(page, project_pk: int, *, kind: str, point: str, reason: str, new_location: str = "") -> int:
    page.goto(f"/projects/{project_pk}/")
    page.locator("#change-link").click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label(point).check()
    page.fill("#id_reason", reason)
    if new_location:
        page.fill("#id_new_location", new_location)
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.locator("#change-state")).to_have_text("草稿")
    return change_id(page)


def review_and_approve(new_page, pk: int, decision: str) -> object:
    """The four opinions, each by its party from its inbox, then the city's approval."""
    for username, button in OPINIONS:
        page = new_page()
        log_in(page, username)
        page.goto("/inbox/")
        page.locator(f'#inbox-table a[href="/changes/{pk}/"]').click()
        page.fill("#opinion", f"{button.rstrip('*')}：同意")
        page.get_by_role("button", name=button).click()
        expect(page.locator("#change-steps")).to_contain_text(f"{button.rstrip('*')}：同意")
    city = new_page()
    log_in(city, "city")
    city.goto("/inbox/")
    city.locator(f'#inbox-table a[href="/changes/{pk}/"]').click()
    city.fill("#opinion", decision)
    city.get_by_role("button", name="批准（市住建局意见）*").click()
    expect(city.locator("#change-state")).to_have_text("已批准")
    expect(city.locator("#change-opinions")).to_contain_text(decision)
    return city


def test_relocation_through_five_opinions_moves_the_point(new_page, project):
    project_pk, _ = project
    page = new_page()
    log_in(page, "contractor")
    pk = file_change(page, project_pk, kind="迁移", point="1号出入口车牌抓拍机", reason="东大门封闭，车辆改由西门出入",
                     new_location="西大门车辆冲洗平台")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#change-state")).to_have_text("审核中")

    city = review_and_approve(new_page, pk, "同意迁移至西大门")
    expect(city.locator("#change-points")).to_contain_text("西大门车辆冲洗平台")
    expect(city.locator("#change-steps")).to_contain_text("同意迁移至西大门")
    city.goto(f"/projects/{project_pk}/")
    expect(city.locator("#point-table tr", has_text="1号出入口车牌抓拍机")).to_contain_text("西大门车辆冲洗平台")
    city.goto(f"/changes/{pk}/")
    shot(city, "relocation")


def test_crane_removal_waits_for_the_dismantling_notice(new_page, project):
    project_pk, _ = project
    page = new_page()
    log_in(page, "contractor")
    page.goto(f"/projects/{project_pk}/changes/new/")
    expect(page.locator("#removal-blockers")).to_contain_text("1号塔吊球机：塔式起重机拆卸告知（附件3）尚未登记")
    shot(page, "change-form-blockers")
    pk = file_change(page, project_pk, kind="拆除", point="1号塔吊球机", reason="主体封顶，1号塔吊拆除")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#action-error")).to_have_text("暂不能拆除：1号塔吊球机：塔式起重机拆卸告知（附件3）尚未登记。")
    expect(page.locator("#change-state")).to_have_text("草稿")

    district = new_page()
    log_in(district, "xiashan")
    district.goto(f"/projects/{project_pk}/")
    district.locator("#notice-link").click()
    district.select_option("#id_kind", "tower_crane")
    district.select_option("#id_point", label="1号塔吊球机（1号塔吊大臂）")
    district.fill("#id_number", "霞建塔拆告〔2026〕12号")
    district.fill("#id_issued_on", "2026-11-20")
    district.get_by_role("button", name="登记").click()
    expect(district.locator("#notice-table")).to_contain_text("霞建塔拆告〔2026〕12号")

    page.goto(f"/changes/{pk}/")
    expect(page.locator("#removal-blockers")).to_have_count(0)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#change-state")).to_have_text("审核中")

    city = review_and_approve(new_page, pk, "同意拆除1号塔吊球机")
    expect(city.locator("#change-points")).to_contain_text("已拆除")
    city.goto(f"/projects/{project_pk}/")
    expect(city.locator("#point-table tr", has_text="1号塔吊球机")).to_contain_text("已拆除")
    expect(city.locator("#procedure-notices")).to_contain_text("霞建塔拆告〔2026〕12号")
    city.goto(f"/changes/{pk}/")
    shot(city, "crane-removal")


def test_overdue_statement_shows_its_violation_record(new_page, project, browser_server):
    project_pk, _ = project
    _, env = browser_server
    page = new_page()
    log_in(page, "contractor")
    page.goto(f"/projects/{project_pk}/")
    page.locator("#statement-link").click()
    page.fill("#id_reason", "项目所在片区尚未通电，4G 基站未覆盖")
    promised = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=7)
    page.fill("#id_promised_date", promised.isoformat())
    page.get_by_role("button", name="提交说明").click()
    expect(page.locator("#statement-state")).to_have_text("承诺期内")
    pk = int(re.search(r"/statements/(\d+)/$", page.url).group(1))

    run_manage(env, "shell", "-c", OVERDUE.format(pk=pk), timeout=120)
    run_manage(env, "deadlines", "--once", timeout=120)

    official = new_page()
    log_in(official, "xiashan")
    official.goto(f"/statements/{pk}/")
    expect(official.locator("#statement-state")).to_have_text("逾期未接入（已转为违规记录）")
    expect(official.locator("#violation-kind")).to_have_text("未接入监管平台")
    expect(official.locator("#violation-detail")).to_contain_text("项目所在片区尚未通电")
    official.goto(f"/projects/{project_pk}/")
    expect(official.locator("#procedure-violations")).to_contain_text("未接入监管平台")
    shot(official, "project-procedures")
    official.goto(f"/statements/{pk}/")
    shot(official, "cannot-connect-overdue")
