"""The case pages (附件6, issue 7 items 3, 4 and 6): the board, a case with its actions and
refusals, evidence downloads, on-site and patrol records, statistics with their XLSX, the
types' edits with revisions, the inbox — every one through the caller's scope."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sitewatch.enforcement.models import CaseEvidence, SiteRecord, Violation, ViolationKind, ViolationType
from sitewatch.enforcement.services import case_act, case_open, evidence_add
from sitewatch.registry.models import Project

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def png(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def project(users):
    return Project.objects.filter(contractor=users["contractor"].organisation.firm,
                                  district__name="霞山区").order_by("pk").first()


@pytest.fixture
def chikan_project(users):
    """A 赤坎区 project of another contractor, so neither the 霞山区 official nor the demo
    contractor is a party to it."""
    return (Project.objects.filter(district__name="赤坎区").exclude(contractor=users["contractor"].organisation.firm)
            .order_by("pk").first())


def _open(project, kind=ViolationKind.NO_VIDEO, detail="出入口未安装摄像机", **kw):
    violation, _ = case_open(project=project, kind=kind, now=timezone.now(), source="onsite", detail=detail,
                             notify=False, **kw)
    return violation


@pytest.fixture
def case(project):
    return _open(project)


@pytest.fixture
def chikan_case(users, chikan_project):
    violation = _open(chikan_project, detail="赤坎工地出入口未装摄像机")
    evidence = evidence_add(user=users["chikan"], violation=violation, upload=png(), now=timezone.now(),
                            caption="赤坎现场照片")
    return violation, evidence


def _ordered(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=timezone.now(), opinion="限期安装")
    case.refresh_from_db()
    return case


def _reported(users, case):
    _ordered(users, case)
    case_act(user=users["contractor"], violation=case, action="report", now=timezone.now(), opinion="已安装",
             evidence=[png()])
    case.refresh_from_db()
    return case


# --- another district's case does not exist ---

@pytest.mark.parametrize("route", ["/cases/{pk}/", "/cases/{pk}/evidence/{evidence}/"])
def test_another_district_s_case_routes_are_404(login, chikan_case, route):
    violation, evidence = chikan_case
    url = route.format(pk=violation.pk, evidence=evidence.pk)
    assert login("xiashan").get(url).status_code == 404
    assert login("chikan").get(url).status_code == 200


def test_another_district_cannot_act_on_a_case(login, chikan_case):
    violation, _ = chikan_case
    response = login("xiashan").post(f"/cases/{violation.pk}/", {"action": "order", "opinion": "限期"})
    assert response.status_code == 404
    violation.refresh_from_db()
    assert violation.state == "found"


def test_another_district_cannot_record_on_its_project(login, chikan_project):
    url = f"/projects/{chikan_project.pk}/site-records/new/"
    assert login("xiashan").get(url).status_code == 404
    response = login("xiashan").post(url, {"kind": "onsite", "violation_kind": "no_video", "findings": "x",
                                           "observed_at": "2026-11-01T10:00"})
    assert response.status_code == 404
    assert not SiteRecord.objects.filter(project=chikan_project).exists()


def test_the_board_lists_only_the_district_s_cases(login, case, chikan_case):
    body = login("xiashan").get("/cases/").content.decode()
    assert f"/cases/{case.pk}/" in body
    assert f"/cases/{chikan_case[0].pk}/" not in body


def test_the_project_page_lists_its_case_history_and_the_record_link(login, project, case):
    case_act(user=None, violation=case, action="auto_close", now=timezone.now())  # a closed case stays listed
    body = login("xiashan").get(f"/projects/{project.pk}/").content.decode()
    assert f"/cases/{case.pk}/" in body and "已结案" in body
    assert 'id="site-record-link"' in body
    assert 'id="site-record-link"' not in login("contractor").get(f"/projects/{project.pk}/").content.decode()


# --- the board ---

def test_the_board_filters_by_overdue_and_shows_it_in_red(login, users, project, case):
    _ordered(users, case)
    Violation.objects.filter(pk=case.pk).update(due_date=dt.date(2026, 11, 2))
    other = _open(project, kind=ViolationKind.NO_DUST_MONITOR, detail="未装扬尘监测")
    body = login("xiashan").get("/cases/?overdue=yes").content.decode()
    assert f"/cases/{case.pk}/" in body and f"/cases/{other.pk}/" not in body
    assert "overdue-row" in body and "逾期未整改 1" in body


def test_the_board_filters_by_type_and_state(login, project, case):
    other = _open(project, kind=ViolationKind.NO_DUST_MONITOR, detail="未装扬尘监测")
    body = login("xiashan").get("/cases/?kind=no_dust_monitor&state=found").content.decode()
    assert f"/cases/{other.pk}/" in body and f"/cases/{case.pk}/" not in body


def test_the_board_refuses_a_bad_filter_in_chinese(login):
    response = login("xiashan").get("/cases/?state=nonsense")
    assert response.status_code == 400 and "所选案件状态无效" in response.content.decode()


def test_only_city_and_operator_filter_by_district(login, chikan_case):
    assert 'name="district"' in login("city").get("/cases/").content.decode()
    assert 'name="district"' not in login("xiashan").get("/cases/").content.decode()
    chikan = chikan_case[0].project.district_id
    body = login("city").get(f"/cases/?district={chikan}").content.decode()
    assert f"/cases/{chikan_case[0].pk}/" in body


# --- a case and its actions ---

def test_the_case_page_shows_state_facts_and_the_district_s_order_form(login, case):
    body = login("xiashan").get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'id="case-state">已发现<', body)
    assert "第八十三条" in body  # the type's legal basis
    assert 'id="action-order"' in body and 'id="action-report"' not in body


def test_the_contractor_is_offered_only_the_report_with_a_required_file(login, users, case):
    _ordered(users, case)
    body = login("contractor").get(f"/cases/{case.pk}/").content.decode()
    assert 'id="action-report"' in body and 'id="action-recheck_fail"' not in body
    assert re.search(r'name="evidence"[^>]*required', body)


def test_an_order_by_the_contractor_is_refused_in_chinese_with_403(login, case):
    response = login("contractor").post(f"/cases/{case.pk}/", {"action": "order", "opinion": "自行整改"})
    assert response.status_code == 403 and "您无权下达整改通知" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "found"


def test_a_report_without_a_photo_is_refused(login, users, case):
    _ordered(users, case)
    response = login("contractor").post(f"/cases/{case.pk}/", {"action": "report", "opinion": "已安装"})
    assert response.status_code == 422 and "须上传整改后的照片" in response.content.decode()


def test_a_report_by_the_district_is_refused(login, users, case):
    _ordered(users, case)
    response = login("xiashan").post(f"/cases/{case.pk}/", {"action": "report", "opinion": "x", "evidence": png()})
    assert response.status_code == 403 and "您无权报告整改完成" in response.content.decode()


def test_the_operator_reads_a_case_but_is_offered_no_action(login, case):
    response = login("operator").get(f"/cases/{case.pk}/")
    assert response.status_code == 200 and 'id="case-actions"' not in response.content.decode()
    refused = login("operator").post(f"/cases/{case.pk}/", {"action": "order", "opinion": "x"})
    assert refused.status_code == 403


def test_an_order_in_the_wrong_state_is_refused_with_409(login, users, case):
    _ordered(users, case)
    response = login("xiashan").post(f"/cases/{case.pk}/", {"action": "order", "opinion": "再次"})
    assert response.status_code == 409 and "不能下达整改通知" in response.content.decode()


def test_a_fine_outside_the_range_is_refused_and_the_case_does_not_move(login, users, case):
    _reported(users, case)
    response = login("xiashan").post(f"/cases/{case.pk}/", {"action": "recheck_fail", "opinion": "仍未安装",
                                                           "fine_amount": "120000"})
    assert response.status_code == 422 and "50000 元至 100000 元" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "reported"


def test_a_failed_recheck_from_the_page_shows_the_measures(login, users, case):
    _reported(users, case)
    client = login("xiashan")
    response = client.post(f"/cases/{case.pk}/", {"action": "recheck_fail", "opinion": "仍未安装",
                                                  "fine_amount": "80000"})
    assert response.status_code == 302
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'id="case-state">复查未通过，升级处理<', body)
    assert 'id="case-measures"' in body and "80,000.00 元（8 万元）" in body and "SG5-6" in body


def test_the_report_form_uploads_its_photo_into_the_timeline(login, users, case):
    _ordered(users, case)
    response = login("contractor").post(f"/cases/{case.pk}/", {"action": "report", "opinion": "已安装",
                                                               "caption": "安装后", "evidence": [png(), png("b.png")]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "reported" and case.evidence.count() == 2
    body = login("xiashan").get(f"/cases/{case.pk}/").content.decode()
    assert 'loading="lazy"' in body and "安装后" in body


def test_the_patrol_type_asks_for_its_measures_note(login, users, project):
    violation = _open(project, kind=ViolationKind.SITE_BEHAVIOUR, detail="裸土未覆盖")
    _reported(users, violation)
    body = login("xiashan").get(f"/cases/{violation.pk}/").content.decode()
    assert 'name="measures_note"' in body and 'name="fine_amount"' not in body


def test_a_deadline_without_calendar_data_shows_pending_with_the_reason(login, case):
    Violation.objects.filter(pk=case.pk).update(state="ordered", due_note="待定：2099年放假安排未录入。")
    body = login("xiashan").get(f"/cases/{case.pk}/").content.decode()
    assert "待定" in body and "2099年放假安排未录入" in body


def test_the_notice_links_appear_once_the_order_is_given(login, users, case):
    from sitewatch.onboarding.documents import FORMS

    if "rectification" not in FORMS:
        pytest.skip("整改通知书尚未登记到文书页面")
    url = f"/documents/rectification/{case.pk}.pdf"
    assert url not in login("xiashan").get(f"/cases/{case.pk}/").content.decode()
    _ordered(users, case)
    assert url in login("xiashan").get(f"/cases/{case.pk}/").content.decode()


# --- evidence downloads ---

def test_an_image_is_served_inline_with_its_type(login, users, case):
    evidence = evidence_add(user=users["xiashan"], violation=case, upload=png(), now=timezone.now())
    response = login("contractor").get(f"/cases/{case.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PNG


def test_a_pdf_is_served_as_an_attachment(login, users, case):
    evidence = evidence_add(user=users["xiashan"], violation=case, now=timezone.now(),
                            upload=SimpleUploadedFile("整改报告.pdf", PDF, content_type="application/pdf"))
    response = login("xiashan").get(f"/cases/{case.pk}/evidence/{evidence.pk}/")
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment")


def test_evidence_of_another_case_is_404_under_this_case(login, users, project, case, chikan_case):
    _, foreign = chikan_case
    assert login("xiashan").get(f"/cases/{case.pk}/evidence/{foreign.pk}/").status_code == 404


def test_a_firm_not_on_the_project_cannot_download(login, chikan_case):
    violation, evidence = chikan_case
    assert login("contractor").get(f"/cases/{violation.pk}/evidence/{evidence.pk}/").status_code == 404


# --- on-site and patrol records ---

def test_an_onsite_finding_opens_a_case_and_goes_to_it(login, project):
    response = login("xiashan").post(f"/projects/{project.pk}/site-records/new/", {
        "kind": "onsite", "violation_kind": "no_video", "findings": "出入口未安装摄像机",
        "observed_at": "2026-11-02T10:00", "latitude": "21.2707", "longitude": "110.3594", "photos": [png()]})
    case = Violation.objects.get(project=project, kind="no_video", is_open=True)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.evidence.count() == 1 and case.site_record.latitude is not None


def test_an_onsite_check_finding_nothing_goes_to_the_project(login, project):
    response = login("xiashan").post(f"/projects/{project.pk}/site-records/new/", {
        "kind": "onsite", "violation_kind": "", "findings": "设备齐全", "observed_at": "2026-11-02T10:00"})
    assert response.status_code == 302 and response["Location"].startswith(f"/projects/{project.pk}/")
    assert not Violation.objects.filter(project=project).exists()
    assert SiteRecord.objects.filter(project=project, violation=None).count() == 1


def test_a_patrol_with_behaviours_opens_a_type_5_case(login, project):
    login("xiashan").post(f"/projects/{project.pk}/site-records/new/", {
        "kind": "patrol", "behaviours": ["裸土/砂石未覆盖", "夜间违规施工"], "findings": "夜间施工且裸土未覆盖",
        "observed_at": "2026-11-02T22:30", "photos": [png()]})
    case = Violation.objects.get(project=project, kind="site_behaviour")
    assert case.site_record.behaviours == ["裸土/砂石未覆盖", "夜间违规施工"]


def test_the_contractor_may_not_record_a_check(login, project):
    client = login("contractor")
    assert client.get(f"/projects/{project.pk}/site-records/new/").status_code == 403
    response = client.post(f"/projects/{project.pk}/site-records/new/", {
        "kind": "onsite", "violation_kind": "no_video", "findings": "x", "observed_at": "2026-11-02T10:00"})
    assert response.status_code == 403 and "只有项目所在县（市、区）住建主管部门" in response.content.decode()


def test_a_record_in_the_future_is_refused_in_chinese(login, project):
    response = login("xiashan").post(f"/projects/{project.pk}/site-records/new/", {
        "kind": "onsite", "violation_kind": "", "findings": "x", "observed_at": "2099-01-01T10:00"})
    assert response.status_code == 422 and "不能晚于现在" in response.content.decode()


# --- statistics ---

def test_the_stats_xlsx_opens_with_the_month_s_counts(login, users, project, case):
    from openpyxl import load_workbook

    now = timezone.localtime()
    _reported(users, case)
    case_act(user=users["xiashan"], violation=case, action="recheck_fail", now=timezone.now(), opinion="未安装",
             fine_amount="80000")
    _open(project, kind=ViolationKind.NO_DUST_MONITOR, detail="未装扬尘监测")
    response = login("city").get(f"/cases/stats.xlsx?month={now:%Y-%m}")
    assert response.status_code == 200 and f"{now.year}%E5%B9%B4{now.month}" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert sheet["A2"].value == "县（市、区）" and sheet["C2"].value == "发现"
    assert rows[("霞山区", "未安装视频监控设备")] == (1, 0, 1, 0)
    assert rows[("霞山区", "未安装扬尘在线监测设备")] == (1, 0, 0, 0)


def test_stats_count_only_the_district_s_own_cases(login, case, chikan_case):
    from openpyxl import load_workbook

    now = timezone.localtime()
    client = login("xiashan")
    body = client.get(f"/cases/stats/?month={now:%Y-%m}").content.decode()
    assert "霞山区" in body and "赤坎区" not in body
    sheet = load_workbook(io.BytesIO(client.get(f"/cases/stats.xlsx?month={now:%Y-%m}").content)).worksheets[0]
    total = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "合计")
    assert total[2] == 1  # the 霞山区 case found this month; the 赤坎区 one is not counted


def test_stats_count_an_ordered_case_past_its_deadline_as_overdue(scope_of, users, case):
    from sitewatch.enforcement.board import monthly_stats

    _ordered(users, case)
    Violation.objects.filter(pk=case.pk).update(due_date=dt.date(2000, 1, 3))
    now = timezone.now()
    stats = monthly_stats(scope=scope_of("xiashan"), year=timezone.localtime().year,
                          month=timezone.localtime().month, now=now)
    assert stats["total"]["overdue"] == 1


def test_stats_are_refused_to_a_contractor(login):
    assert login("contractor").get("/cases/stats/").status_code == 403
    assert login("contractor").get("/cases/stats.xlsx").status_code == 403


def test_a_bad_month_is_refused_in_chinese(login):
    response = login("city").get("/cases/stats/?month=2026-13")
    assert response.status_code == 400 and "月份“2026-13”无效" in response.content.decode()


# --- the types ---

def _type_post(vtype, **changes):
    data = {"type": vtype.pk, "found_by": vtype.found_by, "measures": vtype.measures,
            "legal_basis": vtype.legal_basis, "rectify_days": vtype.rectify_days, "escalations": vtype.escalations}
    data.update(changes)
    return data


def test_the_city_edits_a_type_and_keeps_a_revision(login):
    vtype = ViolationType.objects.get(kind="no_video")
    old_days = vtype.rectify_days
    client = login("city")
    response = client.post("/violation-types/", _type_post(vtype, rectify_days=old_days + 2))
    assert response.status_code == 302
    vtype.refresh_from_db()
    assert vtype.rectify_days == old_days + 2
    revision = vtype.revisions.get()
    assert revision.snapshot["rectify_days"] == old_days
    body = client.get("/violation-types/").content.decode()
    assert "修改记录（1 次）" in body and f"{old_days}</dd>" in body


def test_a_district_official_may_not_edit_a_type(login):
    vtype = ViolationType.objects.get(kind="no_video")
    response = login("xiashan").post("/violation-types/", _type_post(vtype, rectify_days=30))
    assert response.status_code == 403 and "只有市住建局可以修改违规类型" in response.content.decode()
    assert not vtype.revisions.exists()


def test_a_type_period_out_of_range_is_refused(login):
    vtype = ViolationType.objects.get(kind="no_video")
    response = login("city").post("/violation-types/", _type_post(vtype, rectify_days=90))
    assert response.status_code == 422 and "1 至 60 个工作日" in response.content.decode()


# --- the inbox ---

def test_the_inbox_lists_a_found_case_for_the_district_and_an_ordered_one_for_the_contractor(login, users, case):
    assert f"/cases/{case.pk}/" in login("xiashan").get("/inbox/").content.decode()
    assert f"/cases/{case.pk}/" not in login("contractor").get("/inbox/").content.decode()
    _ordered(users, case)
    assert f"/cases/{case.pk}/" in login("contractor").get("/inbox/").content.decode()
    assert f"/cases/{case.pk}/" not in login("xiashan").get("/inbox/").content.decode()


def test_the_city_s_inbox_does_not_list_the_districts_cases(login, case):
    assert f"/cases/{case.pk}/" not in login("city").get("/inbox/").content.decode()


def test_the_inbox_shows_an_overdue_ordered_case_to_the_district(login, users, case):
    _ordered(users, case)
    Violation.objects.filter(pk=case.pk).update(due_date=dt.date(2026, 11, 2))
    body = login("xiashan").get("/inbox/").content.decode()
    assert f"/cases/{case.pk}/" in body and "overdue-row" in body


def test_the_nav_links_cases_for_a_firm(login):
    assert 'href="/cases/"' in login("contractor").get("/").content.decode()


def test_evidence_rows_are_not_created_by_a_refused_action(login, users, case):
    before = CaseEvidence.objects.count()
    login("contractor").post(f"/cases/{case.pk}/", {"action": "report", "opinion": "x", "evidence": png()})
    assert CaseEvidence.objects.count() == before
