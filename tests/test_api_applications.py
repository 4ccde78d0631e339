"""Onboarding applications through /api/v1/: the same permission checks as the services."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_api_support import Api
from tests.test_onboarding_services import make, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(users):
    from sitewatch.registry.models import Project

    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def test_district_reads_the_application_with_its_timeline_and_actions(users, project):
    app = make(users, project)
    contractor = Api.as_user("contractor")
    assert contractor.post(f"/applications/{app.pk}/actions", {"action": "submit"}).status_code == 200
    data = Api.as_user("xiashan").get(f"/applications/{app.pk}").json()
    assert data["state"] == "under_review" and data["state_label"] == "县（市、区）审核中"
    assert [s["action"] for s in data["steps"]] == ["create", "submit"]
    assert {a["action"] for a in data["actions"]} == {"return", "reject", "approve"}
    assert len(data["devices"]) == 2 and data["test_due"] is None


def test_refusals_answer_403_409_422_in_chinese(users, project):
    app = make(users, project)
    api = Api.as_user("xiashan")
    forbidden = api.post(f"/applications/{app.pk}/actions", {"action": "submit"})
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "您无权提交申请。"
    conflict = api.post(f"/applications/{app.pk}/actions", {"action": "approve", "opinion": "同意"})
    assert conflict.status_code == 409 and "当前为“草稿”" in conflict.json()["detail"]
    Api.as_user("contractor").post(f"/applications/{app.pk}/actions", {"action": "submit"})
    invalid = api.post(f"/applications/{app.pk}/actions", {"action": "return", "opinion": ""})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["message"] == "退回修改须填写意见或理由。"
    system_only = Api.as_user("operator").post(f"/applications/{app.pk}/actions", {"action": "connect"})
    assert system_only.status_code in (403, 409)


def test_another_district_does_not_see_the_application(users, project):
    app = make(users, project)
    assert Api.as_user("chikan").get(f"/applications/{app.pk}").status_code == 404
    assert Api.as_user("chikan").post(f"/applications/{app.pk}/actions", {"action": "reject"}).status_code == 404
    assert app.pk not in [a["id"] for a in Api.as_user("chikan").get("/applications").json()["items"]]


def test_list_shows_the_test_clock_after_check_in(users, project):
    from tests.test_onboarding_services import SH, act

    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator", dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH))
    item = next(a for a in Api.as_user("operator").get("/applications").json()["items"] if a["id"] == app.pk)
    assert item["route"] == "commitment"
    assert item["test_due"] == {"state": "due", "date": "2026-10-09", "label": "2026年10月9日", "paused_days": 0}


def test_contractor_files_an_application_through_the_api(users, project):
    body = {"project": project.pk, "integrator": project.integrator_id, "commitment_letter_signed": True,
            "devices": [{"point_name": "东大门", "point_kind": "entrance_dome", "device_kind": "camera",
                         "model": "DS-2DE4423IW"}]}
    response = Api.as_user("contractor").post("/applications", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft" and data["devices"][0]["point_name"] == "东大门"
    assert {a["action"] for a in data["actions"]} == {"submit", "withdraw"}
    refused = Api.as_user("supervisor").post("/applications", body)
    assert refused.status_code == 403 and "只有本项目的施工单位" in refused.json()["detail"]
    assert Api.as_user("chikan").post("/applications", body).status_code == 404
    bad = Api.as_user("contractor").post("/applications", {**body, "devices": [{**body["devices"][0],
                                                                               "device_kind": "toaster"}]})
    assert bad.status_code == 422


def test_booking_through_the_api_fills_form_1_5(users, project):
    app = make(users, project)
    review(users, app)
    api = Api.as_user("contractor")
    refused = api.post(f"/applications/{app.pk}/actions", {"action": "book"})
    assert refused.status_code == 422 and "调试日期" in refused.json()["errors"][0]["message"]
    from django.utils import timezone

    from sitewatch.lib.workdays import WorkCalendar

    today = timezone.localdate()
    calendar = WorkCalendar.load({today.year, today.year + 1})
    monday = today + dt.timedelta(days=1)
    while not calendar.is_working_day(monday):
        monday += dt.timedelta(days=1)
    body = {"action": "book", "test_date": monday.isoformat(), "test_applicant": "王工",
            "test_applicant_phone": "13800000000"}
    response = api.post(f"/applications/{app.pk}/actions", body)
    assert response.status_code == 200, response.content
    app.refresh_from_db()
    assert (app.state, app.test_date, app.test_applicant) == ("booked", monday, "王工")
