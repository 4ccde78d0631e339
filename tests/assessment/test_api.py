"""/api/v1/assessments and /api/v1/episodes: the same Scope and the same filtering as the
pages (口径 K-A7…K-A10)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sitewatch.accounts.models import ApiToken
from sitewatch.assessment.rules import assess_document

pytestmark = pytest.mark.django_db


def api_client(user) -> Client:
    token = ApiToken.generate()
    ApiToken.objects.create(user=user, prefix=token[:8], digest=ApiToken.hash(token), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def api(users):
    return lambda username: api_client(users[username])


def test_list_filters_by_week(world, api):
    client = api("city")
    assert client.get("/api/v1/assessments?week=2026-11-23").json()["count"] == 3
    assert client.get("/api/v1/assessments?week=2026-11-16").json()["count"] == 0


def test_integrator_lists_only_its_own(world, api):
    items = api("integrator").get("/api/v1/assessments").json()
    assert [i["integrator"] for i in items["items"]] == [world["firm_a"].pk]


def test_contractor_is_refused_the_list_in_chinese(world, api):
    response = api("contractor").get("/api/v1/assessments")
    assert response.status_code == 403 and "周考核成绩仅限" in response.json()["detail"]


def test_read_gives_result_and_evidence_whole_to_the_city(world, api):
    body = api("city").get(f"/api/v1/assessments/{world['a'].pk}").json()
    assert body["complete"] is True and body["evidence"] == world["a"].evidence
    assert body["score"] == 40 and body["deductions_by_rule"]["offline_rate"] == 40


def test_district_read_never_names_another_districts_points(world, api):
    response = api("xiashan").get(f"/api/v1/assessments/{world['a'].pk}")
    body = response.json()
    assert body["complete"] is False and body["hidden"] == {"count": 1, "amount": 10}
    assert "赤坎区" not in response.content.decode()
    assert {p["project"] for p in body["evidence"]["points"]} == {"霞山区棚户区改造安置房项目"}
    assert len(body["result"]["deductions"]) == 2  # the offline rate and its own district's episode


def test_integrator_gets_404_for_another_integrators_assessment_and_evidence(world):
    client = api_client(world["integrator_b"])
    assert client.get(f"/api/v1/assessments/{world['a'].pk}").status_code == 404
    assert client.get(f"/api/v1/assessments/{world['a'].pk}/evidence").status_code == 404


def test_evidence_file_recomputes_to_the_stored_score(world, api):
    response = api("integrator").get(f"/api/v1/assessments/{world['a'].pk}/evidence")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert assess_document(json.loads(response.content))["score"] == world["a"].score


def test_district_is_refused_the_evidence_file(world, api):
    response = api("xiashan").get(f"/api/v1/assessments/{world['a'].pk}/evidence")
    assert response.status_code == 403 and "仅限被考核的系统集成商本单位" in response.json()["detail"]


def test_episodes_list_as_the_district_sees_them(world, api):
    items = api("xiashan").get("/api/v1/episodes").json()["items"]
    assert items and {i["project_name"] for i in items} <= {"霞山区棚户区改造安置房项目", "霞山区人民医院门诊综合楼",
                                                            "霞山区滨海学校教学楼改扩建"}


def test_recovery_report_is_recorded_through_the_api(world, api, users):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    response = api("integrator").post(f"/api/v1/episodes/{episode.pk}/recovery-report",
                                      {"note": "已重启路由器"}, content_type="application/json")
    body = response.json()
    assert response.status_code == 200
    assert (body["report_verdict"], body["report_verdict_label"], body["report_note"]) == (
        "contradicted", "与数据不符", "已重启路由器")
    assert body["reported_by_name"] == users["integrator"].display_name and body["reported_at"]


def test_recovery_report_by_another_party_is_refused_in_chinese(world, api):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    response = api("contractor").post(f"/api/v1/episodes/{episode.pk}/recovery-report", {},
                                      content_type="application/json")
    assert response.status_code == 403 and "只有负责该点位的系统集成商" in response.json()["detail"]
    other = api_client(world["integrator_b"])
    assert other.post(f"/api/v1/episodes/{episode.pk}/recovery-report", {},
                      content_type="application/json").status_code == 404
