"""The onboarding procedure in a real browser: the contractor submits from the inbox, the
district official's refusal without a reason is shown in Chinese, the return with a reason
lands on the timeline, and another district cannot open the application.

The application (with its materials as rows) is put into the server's own database with
`sitewatch shell -c`, through the services, as the contractor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.servers import run_manage

pytestmark = pytest.mark.browser

MAKE_APPLICATION = """
from django.utils import timezone
from sitewatch.accounts.models import User
from sitewatch.onboarding.models import Material, MaterialKind
from sitewatch.onboarding.services import application_create
from sitewatch.registry.models import Project

contractor = User.objects.get(username="contractor")
project = Project.objects.filter(contractor=contractor.organisation.firm, district__name="霞山区").first()
app = application_create(user=contractor, project=project, integrator=project.integrator, now=timezone.now(),
    devices=[dict(point_name="东大门", point_kind="entrance_dome", device_kind="camera", model="DS-2DE4423IW")])
Material.objects.bulk_create([Material(application=app, kind=k, path=f"{app.pk}/{k}.pdf", file_type="pdf", size=1,
    sha256="0" * 64, uploaded_by=contractor, uploaded_at=timezone.now()) for k in MaterialKind.values])
print(app.pk, project.name)
"""


@pytest.fixture(scope="module")
def application(browser_server) -> tuple[int, str]:
    _, env = browser_server
    pk, name = run_manage(env, "shell", "-c", MAKE_APPLICATION, timeout=120).strip().splitlines()[-1].split(" ", 1)
    return int(pk), name


def test_submit_then_return_with_a_reason(new_page, application):
    pk, project_name = application
    page = new_page()
    log_in(page, "contractor")
    page.goto("/inbox/")
    page.locator("#inbox-table").get_by_role("link", name=project_name).first.click()
    expect(page.locator("#application-state")).to_have_text("草稿")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#application-state")).to_have_text("县（市、区）审核中")

    official = new_page()
    log_in(official, "xiashan")
    official.goto(f"/applications/{pk}/")
    official.get_by_role("button", name="退回修改*").click()
    expect(official.locator("#action-error")).to_have_text("退回修改须填写意见或理由。")
    official.fill("#opinion", "请补充点位布置CAD平面图的比例尺")
    official.get_by_role("button", name="退回修改*").click()
    expect(official.locator("#application-state")).to_have_text("退回修改")
    expect(official.locator("#application-steps")).to_contain_text("请补充点位布置CAD平面图的比例尺")

    other = new_page()
    log_in(other, "chikan")
    response = other.goto(f"/applications/{pk}/")
    assert response.status == 404
