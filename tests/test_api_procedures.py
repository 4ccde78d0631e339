"""/api/v1/changes, /api/v1/notices and /api/v1/cannot-connect: the services decide as on
the pages; refusals answer 403/404/409/422 in Chinese; another district sees nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sitewatch.onboarding.models import Change, ProjectNotice
from sitewatch.onboarding.statements import cannot_connect_overdue
from sitewatch.registry.models import MonitoringPoint, Project
from tests.test_api_support import Api, messages

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
OPINIONS = (("opinion_contractor", "contractor"), ("opinion_supervisor", "supervisor"),
            ("opinion_district", "xiashan"), ("opinion_operator", "operator"))


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def crane(project):
    return MonitoringPoint.objects.get(project=project, kind="tower_crane_dome")


@pytest.fixture
def entrance(project):
    return MonitoringPoint.objects.get(project=project, kind="entrance_dome")


def file_change(project, points, kind="relocate", **extra):
    body = {"project": project.pk, "kind": kind, "points": [p.pk for p in points], "reason": "出入口改道",
            "new_location": "西侧新出入口", **extra}
    return Api.as_user("contractor").post("/changes", body)


def act(change_id, who, action, opinion="同意"):
    return Api.as_user(who).post(f"/changes/{change_id}/actions", {"action": action, "opinion": opinion})


def test_a_relocation_goes_through_five_opinions_and_moves_the_point(project, entrance):
    created = file_change(project, [entrance])
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["state_label"], data["points"]) == ("draft", "草稿", [entrance.pk])
    assert {a["action"] for a in data["actions"]} == {"submit", "withdraw"}
    assert act(data["id"], "contractor", "submit").status_code == 200
    for action, who in OPINIONS:
        assert act(data["id"], who, action).status_code == 200
    approved = act(data["id"], "city", "approve", "同意迁移").json()
    assert approved["state"] == "approved" and approved["approved_at"]
    assert approved["point_details"][0]["location"] == "西侧新出入口"
    assert [s["action"] for s in approved["steps"]] == ["create", "submit", *[a for a, _ in OPINIONS], "approve"]
    assert approved["steps"][-1]["opinion"] == "同意迁移" and approved["steps"][-1]["actor_name"]


def test_a_blocked_removal_lists_its_blockers_and_is_refused_with_422(project, crane):
    data = file_change(project, [crane], kind="remove", new_location="").json()
    assert data["blockers"] == ["1号塔吊球机：塔式起重机拆卸告知（附件3）尚未登记"]
    refused = act(data["id"], "contractor", "submit")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"].startswith("暂不能拆除：1号塔吊球机：塔式起重机拆卸告知")
    notice = Api.as_user("xiashan").post("/notices", {"project": project.pk, "kind": "tower_crane", "point": crane.pk,
                                                      "number": "霞建塔拆〔2026〕8号", "issued_on": "2026-11-20"})
    assert notice.status_code == 201 and notice.json()["kind_label"] == "塔式起重机拆卸告知（附件3）"
    assert Api.as_user("contractor").get(f"/changes/{data['id']}").json()["blockers"] == []
    assert act(data["id"], "contractor", "submit").status_code == 200


def test_change_refusals_answer_403_409_422_in_chinese(project, entrance):
    change_id = file_change(project, [entrance]).json()["id"]
    forbidden = act(change_id, "supervisor", "submit")
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "您无权提交申请。"
    conflict = act(change_id, "city", "approve")
    assert conflict.status_code == 409 and "当前为“草稿”" in conflict.json()["detail"]
    act(change_id, "contractor", "submit")
    missing = act(change_id, "city", "approve")
    assert missing.status_code == 422 and "尚缺：填写施工单位意见" in missing.json()["errors"][0]["message"]
    no_opinion = act(change_id, "xiashan", "opinion_district", "")
    assert no_opinion.status_code == 422


def test_change_creation_checks_role_points_and_fields(project, entrance):
    other = MonitoringPoint.objects.exclude(project=project).first()
    assert Api.as_user("supervisor").post("/changes", {"project": project.pk, "kind": "relocate",
                                                        "points": [entrance.pk], "reason": "x",
                                                        "new_location": "y"}).status_code == 403
    foreign = file_change(project, [other])
    assert foreign.status_code == 422 and "不是本项目在用的点位" in messages(foreign)["points"]
    no_location = file_change(project, [entrance], new_location=" ")
    assert no_location.status_code == 422 and no_location.json()["errors"][0]["message"] == "迁移须填写迁移后的位置。"
    bad_kind = file_change(project, [entrance], kind="demolish")
    assert bad_kind.status_code == 422 and "kind" in messages(bad_kind)
    assert not Change.objects.filter(project=project).exists()


def test_another_district_sees_none_of_it(users, project, entrance, crane):
    change_id = file_change(project, [entrance]).json()["id"]
    Api.as_user("xiashan").post("/notices", {"project": project.pk, "kind": "suspended", "issued_on": "2026-11-20"})
    statement = Api.as_user("contractor").post("/cannot-connect", {
        "project": project.pk, "reason": "待供电", "promised_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    chikan = Api.as_user("chikan")
    assert chikan.get(f"/changes/{change_id}").status_code == 404
    assert chikan.post(f"/changes/{change_id}/actions", {"action": "opinion_district", "opinion": "x"}).status_code == 404
    assert chikan.get(f"/cannot-connect/{statement.json()['id']}").status_code == 404
    assert change_id not in [c["id"] for c in chikan.get("/changes").json()["items"]]
    assert chikan.get("/notices", project=project.pk).json() == {"items": [], "count": 0}
    assert chikan.get("/cannot-connect", project=project.pk).json()["count"] == 0
    assert chikan.post("/notices", {"project": project.pk, "kind": "terminated",
                                    "issued_on": "2026-11-20"}).status_code == 404
    assert chikan.post("/changes", {"project": project.pk, "kind": "remove", "points": [crane.pk],
                                    "reason": "x"}).status_code == 404
    assert ProjectNotice.objects.filter(project=project).count() == 1


def test_notice_registration_is_for_the_district_and_a_crane_notice_names_its_point(project, crane, entrance):
    refused = Api.as_user("contractor").post("/notices", {"project": project.pk, "kind": "terminated",
                                                          "issued_on": "2026-11-20"})
    assert refused.status_code == 403 and "只有项目所在县" in refused.json()["detail"]
    wrong_point = Api.as_user("xiashan").post("/notices", {"project": project.pk, "kind": "tower_crane",
                                                           "point": entrance.pk, "issued_on": "2026-11-20"})
    assert wrong_point.status_code == 422 and "塔吊球机点位" in wrong_point.json()["errors"][0]["message"]
    created = Api.as_user("city").post("/notices", {"project": project.pk, "kind": "terminated",
                                                    "number": "湛建终〔2026〕1号", "issued_on": "2026-11-20"})
    assert created.status_code == 201 and created.json()["number"] == "湛建终〔2026〕1号"
    listed = Api.as_user("contractor").get("/notices", project=project.pk).json()
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "terminated"


def test_a_statement_is_filed_and_read_with_its_violation_once_overdue(project):
    promised = timezone.localdate() + dt.timedelta(days=3)
    created = Api.as_user("contractor").post("/cannot-connect", {"project": project.pk, "reason": "现场尚未通电",
                                                                 "promised_date": promised.isoformat()})
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["state_label"], data["violation"]) == ("promised", "承诺期内", None)
    cannot_connect_overdue(now=dt.datetime.combine(promised + dt.timedelta(days=1), dt.time(9), tzinfo=SH))
    read = Api.as_user("xiashan").get(f"/cannot-connect/{data['id']}").json()
    assert read["state"] == "overdue" and read["overdue_at"]
    assert read["violation"]["kind"] == "not_connected" and read["violation"]["kind_label"] == "未接入监管平台"
    assert "现场尚未通电" in read["violation"]["detail"] and read["violation"]["is_open"] is True


def test_a_statement_needs_a_date_ahead_and_a_firm_of_the_project(project):
    today = timezone.localdate().isoformat()
    late = Api.as_user("contractor").post("/cannot-connect", {"project": project.pk, "reason": "x",
                                                              "promised_date": today})
    assert late.status_code == 422 and late.json()["errors"][0]["message"] == "承诺接入日期应晚于今天。"
    forbidden = Api.as_user("xiashan").post("/cannot-connect", {"project": project.pk, "reason": "x",
                                                                "promised_date": "2099-01-01"})
    assert forbidden.status_code == 403
    bad_date = Api.as_user("contractor").post("/cannot-connect", {"project": project.pk, "reason": "x",
                                                                  "promised_date": "下周"})
    assert bad_date.status_code == 422 and messages(bad_date)["promised_date"].startswith("请输入有效的日期")
