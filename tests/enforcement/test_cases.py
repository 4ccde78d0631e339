"""The rectification case (附件6): the transition table's roles, the working-day deadline,
evidence with a report, escalation measures per type, idempotent opening, the types as
editable data with revisions, on-site and patrol records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sitewatch.enforcement.models import (
    CaseMeasure,
    CaseStep,
    SiteRecord,
    Violation,
    ViolationKind,
    ViolationType,
)
from sitewatch.enforcement.services import (
    case_act,
    case_open,
    site_record_create,
    violation_type_update,
)
from sitewatch.enforcement.workflows import CASE
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.notifications.models import Notification
from sitewatch.registry.models import Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH)  # the Tuesday before the National Day holiday
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="现场.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def case(project):
    violation, created = case_open(project=project, kind=ViolationKind.NO_VIDEO, now=NOW, source="onsite",
                                   detail="出入口未安装摄像机")
    assert created
    return violation


def test_the_seven_types_are_data_with_legal_basis_and_periods():
    types = {t.kind: t for t in ViolationType.objects.all()}
    assert [t.number for t in ViolationType.objects.all()] == [1, 2, 3, 4, 5, 6, 7]
    assert "第八十三条" in types["no_video"].legal_basis and "2018年版" in types["no_video"].legal_basis
    assert "SG5-6" in types["not_connected"].legal_basis
    assert {k for k, t in types.items() if t.auto_recheck} == {"not_connected", "not_viewable", "dust_offline"}
    assert types["no_dust_monitor"].escalations == ["deduction", "fine"]


def test_opening_twice_returns_the_open_case(project, case):
    again, created = case_open(project=project, kind=ViolationKind.NO_VIDEO, now=NOW, source="onsite", detail="再次")
    assert (again.pk, created) == (case.pk, False)
    assert Violation.objects.filter(project=project, kind="no_video").count() == 1
    assert list(case.steps.values_list("action", flat=True)) == ["open"]


def test_the_order_sets_a_working_day_deadline_across_the_national_day(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期安装")
    case.refresh_from_db()
    # 5 working days from 2026-09-29: 9-30, then the holiday to 10-08 (a working Thursday), 10-09, 10-10 (调休), 10-12
    assert (case.state, case.due_date) == ("ordered", dt.date(2026, 10, 12))
    assert Notification.objects.filter(related_model="enforcement.violation", related_id=str(case.pk),
                                       subject__startswith="整改通知").exists()


def test_an_order_in_a_year_without_calendar_data_shows_pending(users, case):
    later = dt.datetime(2026, 12, 30, 10, 0, tzinfo=SH)
    case_act(user=users["xiashan"], violation=case, action="order", now=later, opinion="限期安装")
    case.refresh_from_db()
    assert case.due_date is None and case.due_note.startswith("待定：") and "2027" in case.due_note


@pytest.mark.parametrize("who", ["contractor", "supervisor", "operator", "chikan", "integrator"])
def test_only_the_district_or_city_orders(users, case, who):
    with pytest.raises(TransitionRefused) as refused:
        case_act(user=users[who], violation=case, action="order", now=NOW, opinion="限期安装")
    assert refused.value.status == 403
    case.refresh_from_db()
    assert case.state == "found"


def test_a_report_needs_evidence_and_keeps_it_with_the_step(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期安装")
    with pytest.raises(TransitionRefused, match="须上传"):
        case_act(user=users["contractor"], violation=case, action="report", now=NOW, opinion="已安装")
    step = case_act(user=users["contractor"], violation=case, action="report", now=NOW, opinion="已安装",
                    evidence=[photo()], captions=["安装后照片"])
    assert [e.caption for e in step.evidence.all()] == ["安装后照片"]
    with pytest.raises(TransitionRefused, match="证据须为"):
        case_act(user=users["xiashan"], violation=case, action="recheck_pass", now=NOW, opinion="ok",
                 evidence=[photo("x.png", b"not an image")])
    case.refresh_from_db()
    assert case.state == "reported"  # the failed upload rolled the step back


def test_a_failed_recheck_escalates_with_the_type_s_measures(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期安装")
    case_act(user=users["contractor"], violation=case, action="report", now=NOW, opinion="已安装", evidence=[photo()])
    with pytest.raises(TransitionRefused, match="50000 元至 100000 元"):
        case_act(user=users["xiashan"], violation=case, action="recheck_fail", now=NOW, opinion="仍未安装",
                 fine_amount="40000")
    case_act(user=users["xiashan"], violation=case, action="recheck_fail", now=NOW, opinion="仍未安装",
             fine_amount="80000")
    case.refresh_from_db()
    assert case.state == "escalated" and case.is_open
    measures = {m.kind: m for m in CaseMeasure.objects.filter(violation=case)}
    assert set(measures) == {"deduction", "fine"}
    assert measures["deduction"].amount == Decimal(5) and measures["fine"].amount == Decimal(80000)
    case_act(user=users["xiashan"], violation=case, action="close", now=NOW, opinion="已处理")
    case.refresh_from_db()
    assert (case.state, case.is_open, case.closed_at) == ("closed", False, NOW)
    assert [s.action for s in CaseStep.objects.filter(violation=case)] == ["open", "order", "report", "recheck_fail",
                                                                          "close"]


def test_a_stale_state_is_refused_with_409(users, case):
    stale = Violation.objects.get(pk=case.pk)
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期安装")
    with pytest.raises(TransitionRefused) as refused:
        case_act(user=users["city"], violation=stale, action="order", now=NOW, opinion="限期安装")
    assert refused.value.status == 409


def test_only_the_platform_auto_closes():
    assert [t.roles for t in CASE.transitions if t.action == "auto_close"] == [frozenset({"system"})]


def test_a_patrol_record_opens_a_site_behaviour_case_with_its_photo(users, project):
    record = site_record_create(user=users["xiashan"], project=project, kind="patrol", observed_at=NOW,
                                findings="出入口车辆未冲洗", behaviours=["车辆未冲洗带泥上路"], now=NOW,
                                photos=[photo("截图.png")])
    assert record.violation.kind == "site_behaviour" and "车辆未冲洗带泥上路" in record.violation.detail
    assert record.violation.evidence.count() == 1 and record.violation.found_by == users["xiashan"]


def test_site_records_are_for_the_district_and_name_known_behaviours(users, project):
    with pytest.raises(TransitionRefused) as refused:
        site_record_create(user=users["chikan"], project=project, kind="onsite", observed_at=NOW, findings="x",
                           now=NOW, violation_kind="no_video")
    assert refused.value.status == 403
    with pytest.raises(TransitionRefused, match="未知的违规行为"):
        site_record_create(user=users["xiashan"], project=project, kind="patrol", observed_at=NOW, findings="x",
                           behaviours=["随地吐痰"], now=NOW)
    with pytest.raises(TransitionRefused, match="只登记"):
        site_record_create(user=users["xiashan"], project=project, kind="onsite", observed_at=NOW, findings="x",
                           violation_kind="dust_offline", now=NOW)
    assert not SiteRecord.objects.exists()


def test_the_city_edits_a_type_and_the_old_text_is_kept(users):
    vtype = ViolationType.objects.get(kind="not_viewable")
    violation_type_update(user=users["city"], violation_type=vtype, now=NOW, rectify_days=3)
    vtype.refresh_from_db()
    assert vtype.rectify_days == 3 and vtype.updated_by == users["city"]
    assert vtype.revisions.get().snapshot["rectify_days"] == 5
    with pytest.raises(TransitionRefused) as refused:
        violation_type_update(user=users["xiashan"], violation_type=vtype, now=NOW, rectify_days=4)
    assert refused.value.status == 403


def test_overdue_escalation_waits_for_the_deadline_to_pass(users, case):
    case_act(user=users["xiashan"], violation=case, action="order", now=NOW, opinion="限期安装")
    case.refresh_from_db()  # due 2026-10-12
    on_the_day = dt.datetime(2026, 10, 12, 18, 0, tzinfo=SH)
    with pytest.raises(TransitionRefused, match="未过") as refused:
        case_act(user=users["xiashan"], violation=case, action="escalate", now=on_the_day, opinion="逾期未整改",
                 fine_amount="60000")
    assert refused.value.status == 409
    from sitewatch.enforcement.services import case_actions

    assert "escalate" not in {t.action for t in case_actions(users["xiashan"], case, now=on_the_day)}
    next_day = dt.datetime(2026, 10, 13, 9, 0, tzinfo=SH)
    assert "escalate" in {t.action for t in case_actions(users["xiashan"], case, now=next_day)}
    case_act(user=users["xiashan"], violation=case, action="escalate", now=next_day, opinion="逾期未整改",
             fine_amount="60000")
    case.refresh_from_db()
    assert case.state == "escalated"
