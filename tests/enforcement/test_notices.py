"""The notices of a rectification case (issue 7 item 5): the rectification order and the
escalation record as PDF and DOCX, through the forms registry and its download route:
what they print (project, type, deadline, legal basis, evidence, measures), that they wait
for the order or the escalation (404 in Chinese), and that another district gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sitewatch.enforcement.models import ViolationKind
from sitewatch.enforcement.services import case_act, case_open
from sitewatch.onboarding.documents import FORMS, document_build, document_object, document_unavailable
from sitewatch.registry.models import Project
from tests.test_documents import both, docx_tables, docx_text, ink, pdf_text

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH)  # 5 working days across the National Day: 2026-10-12
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def case(project):
    violation, _ = case_open(project=project, kind=ViolationKind.NO_VIDEO, now=NOW, source="onsite",
                             detail="出入口未安装车辆冲洗摄像机")
    return violation


@pytest.fixture
def ordered(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期在出入口安装摄像机",
             evidence=[photo("出入口现场.png")], captions=["检查时出入口照片"])
    case.refresh_from_db()
    return case


@pytest.fixture
def escalated(users, ordered):
    later = NOW + dt.timedelta(days=14)
    case_act(user=users["contractor"], violation=ordered, action="report", now=later, opinion="已安装",
             evidence=[photo("整改后.png")], captions=["整改后照片"])
    case_act(user=users["xiashan"], violation=ordered, action="recheck_fail", now=later, opinion="复查仍未安装",
             fine_amount="80000")
    ordered.refresh_from_db()
    return ordered


def table_text(tables) -> str:
    return "".join("".join(cell for row in table for cell in row) for table in tables)


def test_the_rectification_order_prints_project_type_deadline_basis_and_evidence(ordered, project):
    pdf, docx = both("rectification", ordered)
    text = pdf_text(pdf)
    for expected in (project.name, project.contractor.name, "未安装视频监控设备", "2026年10月12日前", "5个工作日",
                     "第八十三条", "SG5-6", "检查时出入口照片", "限期在出入口安装摄像机", "一式两份", "霞山区"):
        assert expected in text, expected
    assert ink(pdf) > 10_000
    tables = table_text(docx_tables(docx))
    for expected in (project.name, "未安装视频监控设备", "2026年10月12日前", "第八十三条", "检查时出入口照片（出入口现场.png）"):
        assert expected in tables, expected
    assert "（盖章）" in docx_text(docx)


def test_an_order_without_a_calendar_prints_pending_with_the_reason(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=dt.datetime(2026, 12, 30, 10, tzinfo=SH),
             opinion="限期安装")
    case.refresh_from_db()
    text = pdf_text(both("rectification", case)[0])
    assert "截止日期待定：" in text and "2027" in text


def test_the_escalation_record_prints_the_history_measures_basis_and_evidence(escalated, project):
    pdf, docx = both("escalation", escalated)
    text = pdf_text(pdf)
    for expected in (project.name, "未安装视频监控设备", "发现违规（现场检查）", "下达整改通知", "2026年10月12日前",
                     "报告整改完成", "复查不通过，升级处理", "复查仍未安装", "SG5-6", "5分", "80,000元", "第八十三条",
                     "整改后照片", "检查时出入口照片"):
        assert expected in text, expected
    tables = docx_tables(docx)
    history = tables[1]
    assert [row[1] for row in history[1:]] == ["发现违规（现场检查）", "下达整改通知", "报告整改完成", "复查不通过，升级处理"]
    measures = table_text(tables[2:])
    assert "建议省级动态扣分（SG5-6，施工单位扣5分）" in measures and "罚款建议" in measures and "80,000元" in measures


def test_notices_wait_for_the_order_and_the_escalation(case, ordered):
    assert FORMS["rectification"].source == FORMS["escalation"].source == "violation"
    assert document_unavailable("rectification", ordered) is None
    assert "复查未通过" in document_unavailable("escalation", ordered)


def test_before_the_order_the_route_answers_404_in_chinese(case, login):
    response = login("xiashan").get(reverse("web:document", args=["rectification", case.pk, "pdf"]))
    assert response.status_code == 404 and "尚未下达整改通知" in response.content.decode()
    with pytest.raises(Exception, match="尚未下达整改通知"):
        document_build("rectification", case)


def test_the_district_and_the_contractor_download_both_formats(ordered, login):
    for who, fmt in (("xiashan", "pdf"), ("contractor", "docx"), ("city", "pdf")):
        response = login(who).get(reverse("web:document", args=["rectification", ordered.pk, fmt]))
        assert response.status_code == 200, who
    assert "整改通知书" in response["Content-Disposition"] or "%E6%95%B4" in response["Content-Disposition"]


def test_another_district_gets_404(escalated, project, login, scope_of):
    assert document_object(scope=scope_of("chikan"), form="escalation", pk=escalated.pk) is None
    for form in ("rectification", "escalation"):
        for fmt in ("pdf", "docx"):
            response = login("chikan").get(reverse("web:document", args=[form, escalated.pk, fmt]))
            assert response.status_code == 404
            assert project.name not in response.content.decode()


def test_a_patrol_case_escalated_prints_the_differentiated_measures_and_its_basis(users, project):
    violation, _ = case_open(project=project, kind=ViolationKind.SITE_BEHAVIOUR, now=NOW, source="patrol",
                             detail="车辆未冲洗带泥上路")
    case_act(user=users["xiashan"], violation=violation, action="order", now=NOW, opinion="限期冲洗")
    case_act(user=users["xiashan"], violation=violation, action="escalate", now=NOW + dt.timedelta(days=14),
             opinion="逾期未整改", measures_note="约谈项目经理，列入差异化管理重点监管名单")
    violation.refresh_from_db()
    pdf, docx = both("escalation", violation)
    text = pdf_text(pdf)
    for expected in ("后台影像线上巡查施工行为违规", "发现违规（视频巡查）", "逾期未整改，升级处理", "差异化管理措施",
                     "约谈项目经理，列入差异化管理重点监管名单", "附件6", "3个工作日"):
        assert expected in text, expected
    assert "（平台未存证据文件）" in table_text(docx_tables(docx))
