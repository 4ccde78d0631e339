"""Automatic detection (附件6 types 2, 3, 4, 7) and the platform's re-check: each detector
opens the right case with a detail saying what was seen; running twice or as two copies
opens nothing more; a cleared condition closes the case only after the clear period, a
recurrence restarts it; past the deadline the platform escalates; the settings are checked."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from sitewatch.enforcement import detection, requirements
from sitewatch.enforcement.detection import detection_run
from sitewatch.enforcement.models import CaseMeasure, CaseStep, Violation, ViolationKind
from sitewatch.enforcement.requirements import requirements_from_setting
from sitewatch.enforcement.services import case_act, case_open
from sitewatch.lib.env import ConfigError
from sitewatch.monitoring.models import Channel
from sitewatch.monitoring.services import devices_seen, sweep_silent
from sitewatch.onboarding.models import Application, CannotConnect
from sitewatch.onboarding.statements import cannot_connect_overdue
from sitewatch.registry.models import Device, MonitoringPoint, PointKind, PointStatus, Project, ProjectStage

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SH)  # a Tuesday
H = dt.timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# The demo registers no work-area dome; these tests of the matrix name their own minimums.
MATRIX = '{"主体施工": {"出入口球机": 1, "出入口车牌抓拍机": 1, "基坑球机": 1}}'


@pytest.fixture
def project(users):
    """霞山区棚户区改造安置房项目 (主体施工, must connect), whose devices have never reported."""
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def device(project, name="扬尘监测点设备"):
    return Device.objects.get(project=project, name=name)


def goes_offline(dev, at):
    """The device reports an hour before ``at`` and the monitor loop finds it silent at ``at``."""
    devices_seen(seen={dev.pk: at - H})
    assert sweep_silent(now=at, silence=dt.timedelta(minutes=10), device_ids=[dev.pk])


def comes_back(dev, at):
    assert devices_seen(seen={dev.pk: at})  # what the HJ 212 gateway calls on data


def cases(kind, project=None, **filters):
    qs = Violation.objects.filter(kind=kind, **filters)
    return list(qs.filter(project=project) if project is not None else qs)


def dust_case(project):
    goes_offline(device(project), T0)
    detection_run(now=T0 + 25 * H)
    [case] = cases(ViolationKind.DUST_OFFLINE, project)
    return case


# 扬尘监测未联网 and 视频图像不可视


def test_a_dust_monitor_offline_past_the_threshold_opens_a_case_saying_since_when(project):
    goes_offline(device(project), T0)
    result = detection_run(now=T0 + 25 * H)
    [case] = cases(ViolationKind.DUST_OFFLINE, project)
    assert case.point.name == "扬尘监测点" and case.source == "detection" and case.state == "found"
    assert "扬尘监测点" in case.detail and "2026年11月24日 10:00" in case.detail and "25小时" in case.detail
    assert result["opened_dust_offline"] == 1
    assert case.steps.get().actor_name == "系统"


def test_a_dust_monitor_offline_less_than_the_threshold_opens_nothing(project):
    goes_offline(device(project), T0)
    detection_run(now=T0 + 23 * H)
    assert cases(ViolationKind.DUST_OFFLINE, project) == []


def test_the_dust_threshold_is_a_setting(project, settings):
    settings.ENFORCEMENT_DUST_OFFLINE_HOURS = 2
    goes_offline(device(project), T0)
    detection_run(now=T0 + 3 * H)
    [case] = cases(ViolationKind.DUST_OFFLINE, project)
    assert "超过2小时" in case.detail


def test_a_dust_monitor_that_never_reported_is_not_offline_but_not_connected(project):
    detection_run(now=T0 + 25 * H)
    assert cases(ViolationKind.DUST_OFFLINE, project) == []
    assert len(cases(ViolationKind.NOT_CONNECTED, project)) == 1


def test_a_camera_offline_past_the_threshold_is_not_viewable(project):
    goes_offline(device(project, "1号出入口球机设备"), T0)
    detection_run(now=T0 + 30 * H)
    [case] = cases(ViolationKind.NOT_VIEWABLE, project)
    assert case.point.name == "1号出入口球机"
    assert "视频通道自2026年11月24日 10:00起离线" in case.detail and "30小时" in case.detail


def test_an_off_channel_under_an_online_nvr_is_not_viewable(project):
    nvr = device(project, "硬盘录像机")
    devices_seen(seen={nvr.pk: T0 + 40 * H})
    point = MonitoringPoint.objects.get(project=project, name="基坑球机")
    Channel.objects.create(device=nvr, gb_channel_id="44080300001320000099", name="基坑", point=point,
                           catalog_status="OFF", online=False, changed_at=T0, first_seen=T0 - H, last_catalog_at=T0)
    detection_run(now=T0 + 40 * H)
    [case] = cases(ViolationKind.NOT_VIEWABLE, project)
    assert case.point == point


# Idempotence and copies


def test_running_twice_opens_no_duplicate(project):
    goes_offline(device(project), T0)
    first = detection_run(now=T0 + 25 * H)
    second = detection_run(now=T0 + 26 * H)
    assert first["opened"] >= 2 and second.get("opened", 0) == 0
    assert len(cases(ViolationKind.DUST_OFFLINE, project)) == 1
    assert len(cases(ViolationKind.CAMERAS_SHORT, project)) == 1


def test_two_copies_with_the_same_now_open_one_case_each(project):
    goes_offline(device(project), T0)
    detection_run(now=T0 + 25 * H)
    again = detection_run(now=T0 + 25 * H)
    assert again.get("opened", 0) == 0
    assert Violation.objects.filter(project=project, is_open=True).values("kind", "point").distinct().count() == \
        Violation.objects.filter(project=project, is_open=True).count()


def test_a_case_opened_meanwhile_by_another_copy_is_joined_not_doubled(project):
    goes_offline(device(project), T0)
    point = MonitoringPoint.objects.get(project=project, name="扬尘监测点")
    theirs, _ = case_open(project=project, point=point, kind=ViolationKind.DUST_OFFLINE, now=T0 + 25 * H,
                          source="detection", detail="另一副本")
    result = detection_run(now=T0 + 25 * H)
    assert result.get("opened_dust_offline", 0) == 0
    assert [c.pk for c in cases(ViolationKind.DUST_OFFLINE, project)] == [theirs.pk]


# 未接入监管平台


def test_a_must_connect_project_never_heard_from_is_not_connected(users):
    chikan = Project.objects.get(name="赤坎区棚户区改造安置房项目")
    detection_run(now=T0)
    [case] = cases(ViolationKind.NOT_CONNECTED, chikan)
    assert case.point is None
    assert "计划开工日期2026年03月09日" in case.detail and "30天宽限期" in case.detail
    assert "2026年11月24日 10:00" in case.detail


def test_a_project_with_a_device_heard_from_is_connected(project):
    comes_back(device(project, "1号出入口球机设备"), T0 - H)
    detection_run(now=T0)
    assert cases(ViolationKind.NOT_CONNECTED, project) == []


def test_a_project_connected_through_onboarding_is_connected(users, project):
    Application.objects.create(project=project, integrator=project.integrator, created_by=users["contractor"],
                               state="connected", connected_at=T0 - 24 * H)
    detection_run(now=T0)
    assert cases(ViolationKind.NOT_CONNECTED, project) == []


def test_a_project_within_its_grace_period_is_not_flagged(project):
    Project.objects.filter(pk=project.pk).update(planned_start=dt.date(2026, 11, 1))
    detection_run(now=T0)
    assert cases(ViolationKind.NOT_CONNECTED, project) == []
    assert cases(ViolationKind.CAMERAS_SHORT, project) == []


def test_suspended_and_exempt_projects_are_not_flagged():
    suspended = Project.objects.get(name="霞山区人民医院门诊综合楼")  # 停工
    exempt = Project.objects.get(name="霞山区滨海学校教学楼改扩建")  # 900,000 CNY, 499.99 m²
    detection_run(now=T0)
    assert Violation.objects.filter(project__in=[suspended, exempt]).count() == 0


def test_an_overdue_statement_and_detection_share_one_case(users, project):
    CannotConnect.objects.create(project=project, reason="临电未通", promised_date=dt.date(2026, 11, 20),
                                 filed_by=users["contractor"], filed_by_name="施工单位", filed_at=T0 - 240 * H)
    [statement_case] = cannot_connect_overdue(now=T0)
    detection_run(now=T0 + H)
    assert [c.pk for c in cases(ViolationKind.NOT_CONNECTED, project)] == [statement_case.pk]
    assert statement_case.source == "cannot_connect_statement"


# 监控摄像头数量、部分不符合要求


def test_the_matrix_names_a_missing_plate_camera(project, settings):
    settings.ENFORCEMENT_CAMERA_REQUIREMENTS = MATRIX
    MonitoringPoint.objects.filter(project=project, kind=PointKind.ENTRANCE_PLATE).update(
        status=PointStatus.REMOVED, removed_on=dt.date(2026, 11, 1))
    detection_run(now=T0)
    [case] = cases(ViolationKind.CAMERAS_SHORT, project)
    assert "主体施工阶段" in case.detail and "出入口车牌抓拍机1个（应有1个，现有0个）" in case.detail
    assert "出入口球机" not in case.detail.replace("出入口车牌抓拍机", "")


def test_a_project_meeting_the_matrix_has_no_camera_case(project, settings):
    settings.ENFORCEMENT_CAMERA_REQUIREMENTS = MATRIX
    detection_run(now=T0)
    assert cases(ViolationKind.CAMERAS_SHORT, project) == []


def test_the_default_matrix_asks_for_a_work_area_dome(project):
    detection_run(now=T0)
    [case] = cases(ViolationKind.CAMERAS_SHORT, project)
    assert "施工现场球机1个" in case.detail


def test_a_registered_tower_crane_point_without_a_camera_is_missing(project, settings):
    settings.ENFORCEMENT_CAMERA_REQUIREMENTS = MATRIX
    MonitoringPoint.objects.create(project=project, kind=PointKind.TOWER_CRANE_DOME, name="2号塔吊球机")
    detection_run(now=T0)
    [case] = cases(ViolationKind.CAMERAS_SHORT, project)
    assert "塔吊球机1个（应有2个，现有1个）" in case.detail and "2号塔吊球机（塔吊球机）" in case.detail


def test_the_foundation_pit_stage_asks_for_a_pit_dome(project, settings):
    settings.ENFORCEMENT_CAMERA_REQUIREMENTS = '{"基坑施工": {"基坑球机": 1}}'
    Project.objects.filter(pk=project.pk).update(stage=ProjectStage.FOUNDATION_PIT)
    MonitoringPoint.objects.filter(project=project, kind=PointKind.PIT_DOME).delete()
    detection_run(now=T0)
    [case] = cases(ViolationKind.CAMERAS_SHORT, project)
    assert "基坑施工阶段" in case.detail and "基坑球机1个" in case.detail


# The platform's re-check


def test_a_cleared_case_is_not_closed_before_the_clear_period(project):
    case = dust_case(project)
    comes_back(device(project), T0 + 30 * H)
    detection_run(now=T0 + 30 * H + dt.timedelta(minutes=5))
    detection_run(now=T0 + 53 * H)
    case.refresh_from_db()
    assert case.cleared_since == T0 + 30 * H and case.state == "found" and case.is_open


def test_a_cleared_case_is_closed_by_the_platform_after_the_clear_period(project):
    case = dust_case(project)
    comes_back(device(project), T0 + 30 * H)
    detection_run(now=T0 + 31 * H)
    result = detection_run(now=T0 + 54 * H)
    case.refresh_from_db()
    assert (case.state, case.is_open, case.closed_at) == ("closed", False, T0 + 54 * H)
    step = case.steps.last()
    assert (step.action, step.actor, step.actor_name) == ("auto_close", None, "系统")
    assert "数据自2026年11月25日 16:00起恢复正常" in step.opinion
    assert result["closed"] == 1


def test_the_clear_period_is_a_setting(project, settings):
    settings.ENFORCEMENT_CLEAR_HOURS = 2
    case = dust_case(project)
    comes_back(device(project), T0 + 30 * H)
    detection_run(now=T0 + 30 * H)
    detection_run(now=T0 + 32 * H)
    case.refresh_from_db()
    assert case.state == "closed"


def test_an_ordered_case_cleared_is_closed_automatically(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    comes_back(device(project), T0 + 30 * H)
    detection_run(now=T0 + 30 * H)
    detection_run(now=T0 + 54 * H)
    case.refresh_from_db()
    assert case.state == "closed" and case.steps.last().action == "auto_close"


def test_a_reported_case_cleared_passes_the_recheck(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    comes_back(device(project), T0 + 30 * H)
    case_act(user=users["contractor"], violation=case, action="report", now=T0 + 31 * H, opinion="已恢复",
             evidence=[SimpleUploadedFile("x.png", PNG, content_type="image/png")])
    detection_run(now=T0 + 31 * H)
    detection_run(now=T0 + 55 * H)
    case.refresh_from_db()
    assert case.state == "closed" and case.steps.last().action == "recheck_pass"


def test_a_recurrence_resets_the_clear_period(project):
    case = dust_case(project)
    dust = device(project)
    comes_back(dust, T0 + 30 * H)
    detection_run(now=T0 + 30 * H)
    sweep_silent(now=T0 + 40 * H, silence=dt.timedelta(minutes=10), device_ids=[dust.pk])
    result = detection_run(now=T0 + 40 * H)
    case.refresh_from_db()
    assert case.cleared_since is None and result["cleared_reset"] == 1
    comes_back(dust, T0 + 45 * H)
    detection_run(now=T0 + 45 * H)
    detection_run(now=T0 + 60 * H)  # 30 h after the first recovery, 15 h after the second
    case.refresh_from_db()
    assert case.state == "found" and case.cleared_since == T0 + 45 * H


def test_a_drop_between_two_passes_restarts_the_clear_period(project):
    case = dust_case(project)
    dust = device(project)
    comes_back(dust, T0 + 30 * H)
    detection_run(now=T0 + 30 * H)
    sweep_silent(now=T0 + 35 * H, silence=dt.timedelta(minutes=10), device_ids=[dust.pk])
    comes_back(dust, T0 + 36 * H)  # offline and back again with no pass in between
    detection_run(now=T0 + 55 * H)
    case.refresh_from_db()
    assert case.state == "found" and case.cleared_since == T0 + 36 * H


def test_an_ordered_case_past_its_due_date_is_escalated(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    case.refresh_from_db()
    assert case.due_date == dt.date(2026, 12, 2)  # 5 working days from Wednesday 25 November
    detection_run(now=dt.datetime(2026, 12, 2, 23, 30, tzinfo=SH))  # the deadline day itself
    case.refresh_from_db()
    assert case.state == "ordered"
    result = detection_run(now=dt.datetime(2026, 12, 3, 0, 30, tzinfo=SH))
    case.refresh_from_db()
    step = case.steps.last()
    assert case.state == "escalated" and step.action == "escalate" and step.actor is None
    assert step.opinion.startswith("逾期未整改") and "2026年12月02日" in step.opinion
    assert list(CaseMeasure.objects.filter(violation=case).values_list("kind", flat=True)) == ["interview"]
    assert result["escalated"] == 1


def test_a_cleared_case_past_its_due_date_is_not_escalated(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    comes_back(device(project), dt.datetime(2026, 12, 2, 20, 0, tzinfo=SH))
    detection_run(now=dt.datetime(2026, 12, 3, 0, 30, tzinfo=SH))
    case.refresh_from_db()
    assert case.state == "ordered" and case.cleared_since is not None


def test_a_reported_case_not_cleared_by_its_due_date_fails_the_recheck(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    case_act(user=users["contractor"], violation=case, action="report", now=T0 + 27 * H, opinion="已恢复",
             evidence=[SimpleUploadedFile("x.png", PNG, content_type="image/png")])
    result = detection_run(now=dt.datetime(2026, 12, 3, 9, 0, tzinfo=SH))
    case.refresh_from_db()
    assert case.state == "escalated" and case.steps.last().action == "recheck_fail"
    assert result["recheck_failed"] == 1


def test_a_not_connected_case_closes_once_the_project_is_heard_from(project):
    detection_run(now=T0)
    [case] = cases(ViolationKind.NOT_CONNECTED, project)
    comes_back(device(project, "1号出入口球机设备"), T0 + H)
    detection_run(now=T0 + 2 * H)
    detection_run(now=T0 + 26 * H)
    case.refresh_from_db()
    assert case.state == "closed" and "2026年11月24日 12:00起恢复正常" in case.steps.last().opinion


def test_a_case_of_a_suspended_project_is_left_to_the_district(users, project):
    case = dust_case(project)
    case_act(user=users["xiashan"], violation=case, action="order", now=T0 + 26 * H, opinion="限期恢复联网")
    Project.objects.filter(pk=project.pk).update(status="suspended")
    result = detection_run(now=dt.datetime(2026, 12, 3, 9, 0, tzinfo=SH))
    case.refresh_from_db()
    assert case.state == "ordered" and result["not_watched"] >= 1


def test_a_platform_step_lost_to_another_copy_is_counted_not_raised(project):
    case = dust_case(project)
    comes_back(device(project), T0 + 30 * H)
    detection_run(now=T0 + 30 * H)
    # A person dismissed the case between this copy's read and its step.
    Violation.objects.filter(pk=case.pk).update(state="dismissed", is_open=False)
    counter = Counter()
    detection._platform_step(counter, case, action="auto_close", now=T0 + 55 * H, opinion="数据恢复正常",
                             counter="closed")
    assert counter["raced"] == 1 and CaseStep.objects.filter(violation=case, action="auto_close").count() == 0


# The loop, the command and the settings


def test_the_monitor_loop_runs_detection(project, settings):
    from sitewatch.monitoring.loop import run_once

    settings.ENFORCEMENT_DETECT_EVERY_PASSES = 1
    goes_offline(device(project), T0)
    result = run_once(now=T0 + 25 * H)
    assert result["violations_opened"] >= 1 and len(cases(ViolationKind.DUST_OFFLINE, project)) == 1


def test_the_monitor_loop_can_leave_detection_to_its_own_command(project, settings):
    from sitewatch.monitoring.loop import run_once

    settings.ENFORCEMENT_DETECT_EVERY_PASSES = 0
    goes_offline(device(project), T0)
    assert run_once(now=T0 + 25 * H)["violations_opened"] == 0 and not Violation.objects.exists()


def test_the_detect_command_runs_once_at_a_given_time(project, capsys):
    goes_offline(device(project), T0)
    call_command("detect", "--once", "--now", "2026-11-25T11:00+08:00")
    assert "新增违规" in capsys.readouterr().out
    assert len(cases(ViolationKind.DUST_OFFLINE, project)) == 1


def test_the_detect_command_refuses_a_naive_time():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="须带时区"):
        call_command("detect", "--once", "--now", "2026-11-25T11:00")


def test_the_stage_and_kind_names_match_the_registry():
    assert requirements.STAGES == dict(ProjectStage.choices)
    cameras = {k: v for k, v in PointKind.choices if k != PointKind.DUST}
    assert requirements.CAMERA_KINDS == cameras


@pytest.mark.parametrize(("text", "message"), [
    ("{", "不是有效的 JSON"), ("[1]", "应为 JSON 对象"), ('{"封顶": {}}', "未知的施工阶段“封顶”"),
    ('{"出土": {"扬尘监测": 1}}', "未知的摄像机点位类型“扬尘监测”"), ('{"出土": {"出入口球机": -1}}', "0 至 99 的整数"),
    ('{"出土": {"出入口球机": "1"}}', "0 至 99 的整数"), ('{"出土": 1}', "应为对象")])
def test_a_bad_camera_requirement_setting_is_refused_naming_the_variable(text, message):
    with pytest.raises(ConfigError, match=message) as refused:
        requirements_from_setting(text)
    assert "ENFORCEMENT_CAMERA_REQUIREMENTS" in str(refused.value)


def test_the_camera_requirement_setting_overrides_only_the_stages_it_names():
    matrix = requirements_from_setting('{"earthwork": {"出入口球机": 2}}')
    assert matrix["earthwork"] == {"entrance_dome": 2}
    assert matrix["main_structure"] == requirements.DEFAULT["main_structure"]


def test_a_bad_camera_requirement_setting_stops_the_start():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(DEBUG="True", ENFORCEMENT_CAMERA_REQUIREMENTS='{"出土": {"塔吊": 1}}')
    result = subprocess.run([sys.executable, "-c", "import sitewatch.settings"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "ENFORCEMENT_CAMERA_REQUIREMENTS" in result.stderr and "未知的摄像机点位类型“塔吊”" in result.stderr


def test_a_bad_hours_setting_stops_the_start():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(DEBUG="True", ENFORCEMENT_CLEAR_HOURS="0")
    result = subprocess.run([sys.executable, "-c", "import sitewatch.settings"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "ENFORCEMENT_CLEAR_HOURS" in result.stderr


def test_the_monitor_loop_detects_first_after_the_set_number_of_passes(project, settings, monkeypatch):
    from sitewatch.monitoring import loop

    settings.ENFORCEMENT_DETECT_EVERY_PASSES = 3
    monkeypatch.setattr(loop, "_passes", loop._pass_counter())  # a loop just started
    goes_offline(device(project), T0)
    opened = [loop.run_once(now=T0 + 25 * H)["violations_opened"] for _ in range(3)]
    assert opened[:2] == [0, 0] and opened[2] >= 1
