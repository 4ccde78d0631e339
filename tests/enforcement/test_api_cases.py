"""/api/v1/cases, /site-records and /violation-types (issue 7 item 7): the services decide as
on the pages; the caller's actions; evidence uploaded by multipart, taken up by a report
and downloaded; refusals 403/404/409/422 in Chinese; another district sees nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sitewatch.enforcement.models import CaseEvidence, SiteRecord, Violation, ViolationKind
from sitewatch.enforcement.services import case_open
from sitewatch.registry.models import Project
from tests.test_api_support import BASE, Api, messages

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
FOUND = dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="现场.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def case(project):
    violation, _ = case_open(project=project, kind=ViolationKind.NO_VIDEO, now=FOUND, source="onsite",
                             detail="出入口未安装摄像机")
    return violation


def act(case_id, who, action, **body):
    return Api.as_user(who).post(f"/cases/{case_id}/actions", {"action": action, **body})


def upload(case_id, who, *files, captions=()):
    api = Api.as_user(who)
    return api.client.post(f"{BASE}/cases/{case_id}/evidence", {"files": list(files), "captions": list(captions)},
                           headers=api.headers)


def test_the_district_lists_and_reads_its_case_with_the_actions_it_may_take(case, project):
    listed = Api.as_user("xiashan").get("/cases").json()
    assert case.pk in [c["id"] for c in listed["items"]]
    data = Api.as_user("xiashan").get(f"/cases/{case.pk}").json()
    assert (data["project_name"], data["kind_label"], data["state"], data["state_label"]) == (
        project.name, "未安装视频监控设备", "found", "已发现")
    assert data["district_name"] == "霞山区" and data["overdue"] is False
    assert "第八十三条" in data["type"]["legal_basis"] and data["type"]["rectify_days"] == 5
    assert [s["action"] for s in data["steps"]] == ["open"] and data["steps"][0]["label"] == "发现违规"
    assert {a["action"] for a in data["actions"]} == {"order", "dismiss"}
    assert Api.as_user("contractor").get(f"/cases/{case.pk}").json()["actions"] == []


def test_list_filters_by_project_kind_state_overdue_and_district(case, project):
    api = Api.as_user("city")

    def ids(**params):
        return [c["id"] for c in api.get("/cases", **params).json()["items"]]

    assert case.pk in ids(project=project.pk, kind="no_video", state="found", district=project.district_id)
    assert case.pk not in ids(kind="dust_offline")
    assert case.pk not in ids(state="ordered")
    assert case.pk not in ids(district=Project.objects.exclude(district=project.district).first().district_id)
    assert case.pk not in ids(overdue="true") and case.pk in ids(overdue="false")
    Violation.objects.filter(pk=case.pk).update(state="ordered", due_date=dt.date(2026, 10, 12))
    assert case.pk in ids(overdue="true")
    assert api.get(f"/cases/{case.pk}").json()["overdue"] is True
    assert api.get("/cases", state="nonsense").status_code == 422


def test_a_case_goes_from_order_to_report_with_uploaded_evidence_to_escalation(case):
    ordered = act(case.pk, "xiashan", "order", opinion="限期安装")
    assert ordered.status_code == 200, ordered.content
    data = ordered.json()
    assert data["state"] == "ordered" and (data["due_date"] or data["due_note"].startswith("待定"))
    assert [a["action"] for a in Api.as_user("contractor").get(f"/cases/{case.pk}").json()["actions"]] == ["report"]
    refused = act(case.pk, "contractor", "report", opinion="已安装")
    assert refused.status_code == 422 and "须上传" in refused.json()["errors"][0]["message"]
    uploaded = upload(case.pk, "contractor", photo("整改后.png"), captions=["整改后照片"])
    assert uploaded.status_code == 201, uploaded.content
    evidence = uploaded.json()[0]
    assert (evidence["caption"], evidence["file_type"], evidence["step"]) == ("整改后照片", "png", None)
    assert evidence["download"] == f"/api/v1/cases/{case.pk}/evidence/{evidence['id']}"
    reported = act(case.pk, "contractor", "report", opinion="已安装", evidence=[evidence["id"]])
    assert reported.status_code == 200, reported.content
    data = reported.json()
    assert data["state"] == "reported" and data["steps"][-1]["evidence"] == [evidence["id"]]
    escalate = next(a for a in Api.as_user("xiashan").get(f"/cases/{case.pk}").json()["actions"]
                    if a["action"] == "recheck_fail")
    assert escalate["needs_fine_amount"] and not escalate["needs_measures_note"]
    low = act(case.pk, "xiashan", "recheck_fail", opinion="仍未安装", fine_amount="40000")
    assert low.status_code == 422 and "50000 元至 100000 元" in messages(low)[None]
    data = act(case.pk, "xiashan", "recheck_fail", opinion="仍未安装", fine_amount="80000").json()
    assert data["state"] == "escalated"
    assert {(m["kind"], float(m["amount"])) for m in data["measures"]} == {("deduction", 5.0), ("fine", 80000.0)}
    assert "SG5-6" in data["measures"][0]["kind_label"]


def test_an_action_takes_up_only_the_caller_s_own_unused_evidence(case):
    act(case.pk, "xiashan", "order", opinion="限期安装")
    district_file = upload(case.pk, "xiashan", photo(), captions=["检查照片"]).json()[0]["id"]
    refused = act(case.pk, "contractor", "report", opinion="已安装", evidence=[district_file])
    assert refused.status_code == 422 and "不是您为本案件上传" in messages(refused)[None]
    assert act(case.pk, "contractor", "report", opinion="已安装", evidence=[999999]).status_code == 422
    assert Violation.objects.get(pk=case.pk).state == "ordered"


def test_evidence_is_checked_by_content_and_downloaded_by_who_sees_the_case(case):
    bad = upload(case.pk, "xiashan", photo("x.png", b"not an image"))
    assert bad.status_code == 422 and "证据须为" in messages(bad)[None]
    assert upload(case.pk, "xiashan").status_code == 422  # no file
    eid = upload(case.pk, "xiashan", photo("出入口.png")).json()[0]["id"]
    response = Api.as_user("contractor").get(f"/cases/{case.pk}/evidence/{eid}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert Api.as_user("chikan").get(f"/cases/{case.pk}/evidence/{eid}").status_code == 404
    other, _ = case_open(project=case.project, kind=ViolationKind.NO_DUST_MONITOR, now=FOUND, source="onsite",
                         detail="未装扬尘监测")
    assert Api.as_user("xiashan").get(f"/cases/{other.pk}/evidence/{eid}").status_code == 404
    assert upload(case.pk, "supervisor", photo()).status_code == 403


def test_refusals_answer_403_404_409_in_chinese(case):
    forbidden = act(case.pk, "contractor", "order", opinion="x")
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "您无权下达整改通知。"
    assert act(case.pk, "xiashan", "order", opinion="限期安装").status_code == 200
    again = act(case.pk, "city", "order", opinion="限期安装")
    assert again.status_code == 409 and "不能下达整改通知" in again.json()["detail"]
    assert act(case.pk, "xiashan", "dismiss", opinion="误报").status_code == 200
    closed = upload(case.pk, "xiashan", photo())
    assert closed.status_code == 409 and "已撤销" in closed.json()["detail"]


def test_another_district_sees_and_acts_on_nothing(case):
    chikan = Api.as_user("chikan")
    assert case.pk not in [c["id"] for c in chikan.get("/cases").json()["items"]]
    assert chikan.get(f"/cases/{case.pk}").status_code == 404
    assert act(case.pk, "chikan", "order", opinion="限期安装").status_code == 404
    assert upload(case.pk, "chikan", photo()).status_code == 404
    assert Violation.objects.get(pk=case.pk).state == "found" and not CaseEvidence.objects.filter(violation=case)


def record(who, project, files=(), **fields):
    api = Api.as_user(who)
    body = {"project": project.pk, "kind": "patrol", "observed_at": "2026-11-20T09:30:00+08:00",
            "findings": "出入口车辆带泥上路", "behaviours": ["车辆未冲洗带泥上路", "裸土/砂石未覆盖"], **fields}
    if files:
        body["photos"] = list(files)
    return api.client.post(f"{BASE}/site-records", body, headers=api.headers)


def test_a_patrol_record_with_a_photo_opens_a_site_behaviour_case(project):
    created = record("xiashan", project, [photo("截图.png")])
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["behaviours"] == ["车辆未冲洗带泥上路", "裸土/砂石未覆盖"] and data["kind_label"] == "视频巡查"
    case = Api.as_user("xiashan").get(f"/cases/{data['violation']}").json()
    assert case["kind"] == "site_behaviour" and case["source"] == "patrol" and len(case["evidence"]) == 1
    assert [r["id"] for r in Api.as_user("xiashan").get("/site-records", project=project.pk).json()["items"]] == [
        data["id"]]
    assert Api.as_user("contractor").get("/site-records").json()["count"] == 0


def test_an_onsite_record_without_a_finding_opens_nothing_and_a_naive_time_is_beijing_time(project):
    data = record("xiashan", project, kind="onsite", behaviours=[], observed_at="2026-11-20T09:30:00",
                  findings="现场检查未见问题", latitude="21.27", longitude="110.35").json()
    assert data["violation"] is None
    assert SiteRecord.objects.get(pk=data["id"]).observed_at == dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)


def test_site_record_refusals(project):
    assert record("contractor", project).status_code == 403
    assert record("chikan", project).status_code == 404
    unknown = record("xiashan", project, behaviours=["随地吐痰"])
    assert unknown.status_code == 422 and "未知的违规行为" in messages(unknown)[None]
    onsite = record("xiashan", project, kind="onsite", behaviours=[], violation_kind="dust_offline")
    assert onsite.status_code == 422
    assert record("xiashan", project, observed_at="2099-01-01T00:00:00+08:00").status_code == 422
    assert not SiteRecord.objects.filter(project=project).exists()


def test_the_seven_violation_types(users):
    types = Api.as_user("contractor").get("/violation-types").json()
    assert [t["number"] for t in types] == [1, 2, 3, 4, 5, 6, 7]
    assert types[0]["kind_label"] == "未安装视频监控设备" and "第八十三条" in types[0]["legal_basis"]
    assert types[0]["escalations"] == ["deduction", "fine"] and types[2]["auto_recheck"] is True
