"""The onboarding procedure's services: who may act, what each step records, the clocks."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.lib.deadlines import DueState
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Step
from sitewatch.onboarding.selectors import application_list, due_for_installation, due_for_testing
from sitewatch.onboarding.services import application_act, application_create, application_device_tested
from sitewatch.registry.models import DeviceModel, Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 9, 28, 9, 0, tzinfo=SH)


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def make(users, project, *, listed=True, letter=True):
    camera_model, _ = DeviceModel.objects.update_or_create(kind="camera", brand="hikvision", model="DS-TEST",
                                                           defaults={"commitment_listed": listed})
    dust_model, _ = DeviceModel.objects.get_or_create(kind="dust_monitor", brand="other", model="YC-TEST",
                                                      defaults={"commitment_listed": True})
    app = application_create(
        user=users["contractor"], project=project, integrator=project.integrator, now=T0,
        commitment_letter_signed=letter,
        devices=[dict(point_name="1号出入口", point_kind="entrance_dome", device_kind="camera",
                      device_model=camera_model, model="DS-TEST"),
                 dict(point_name="扬尘", point_kind="dust", device_kind="dust_monitor", device_model=dust_model)])
    from sitewatch.onboarding.models import Material, MaterialKind

    Material.objects.bulk_create([Material(application=app, kind=kind, path=f"{app.pk}/{kind}.pdf", file_type="pdf",
                                           size=1, sha256="0" * 64, uploaded_by=users["contractor"], uploaded_at=T0)
                                  for kind in MaterialKind.values])
    return app


# What forms 1-5 (booking) and 1-6 (pick-up) add to their steps, by default.
BOOKING = {"test_date": dt.date(2026, 9, 29), "pickup_date": dt.date(2026, 10, 9), "test_applicant": "王工",
           "test_applicant_phone": "13800000000"}
FORM_DETAILS = {"book": BOOKING, "pick_up": {"picked_up_by_name": "李师傅"}}


def act(users, app, action, who, at=T0, opinion="同意", details=None):
    return application_act(user=users[who] if who else None, application=app, action=action, now=at, opinion=opinion,
                           details=FORM_DETAILS.get(action) if details is None else details)


def review(users, app, at=T0):
    act(users, app, "submit", "contractor", at)
    act(users, app, "opinion_contractor", "contractor", at)
    act(users, app, "opinion_supervisor", "supervisor", at)
    act(users, app, "opinion_operator", "operator", at)
    act(users, app, "approve", "xiashan", at)


def test_commitment_route_from_listed_models_and_signed_letter(users, project):
    app = make(users, project)
    review(users, app)
    assert (app.state, app.route) == ("approved", "commitment")


def test_unlisted_model_goes_the_test_route(users, project):
    app = make(users, project, listed=False)
    review(users, app)
    assert app.route == "test"


def test_district_cannot_decide_before_the_three_opinions(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor")
    act(users, app, "opinion_contractor", "contractor")
    with pytest.raises(TransitionRefused, match="尚缺：填写监理单位总监理工程师意见、填写平台运维单位意见"):
        act(users, app, "approve", "xiashan")


def test_another_district_and_another_firm_are_refused(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor")
    with pytest.raises(TransitionRefused, match="您无权"):
        act(users, app, "return", "chikan")
    with pytest.raises(TransitionRefused, match="您无权"):
        act(users, app, "opinion_supervisor", "builder")


def test_only_the_contractor_or_its_integrator_may_apply(users, project):
    with pytest.raises(TransitionRefused, match="只有本项目的施工单位"):
        application_create(user=users["supervisor"], project=project, integrator=project.integrator, now=T0,
                           devices=[])


def test_each_step_records_who_when_and_the_opinion(users, project):
    app = make(users, project)
    act(users, app, "submit", "integrator")
    act(users, app, "return", "xiashan", opinion="缺少点位布置CAD图")
    step = Step.objects.filter(application=app).last()
    assert (step.action, step.from_state, step.to_state, step.role) == ("return", "under_review", "returned",
                                                                       "district")
    assert step.opinion == "缺少点位布置CAD图" and "霞山区" in step.actor_name and step.at == T0


def test_a_stale_page_cannot_act_twice(users, project):
    app = make(users, project)
    act(users, app, "submit", "contractor")
    stale = type(app).objects.get(pk=app.pk)
    act(users, app, "return", "xiashan", opinion="补充材料")
    with pytest.raises(TransitionRefused, match="已被他人办理"):
        act(users, stale, "reject", "xiashan", opinion="不符合")


def test_test_clock_pauses_for_a_difficulty_across_national_day(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator", dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH))
    assert due_for_testing(app).date == dt.date(2026, 10, 9)
    act(users, app, "open_difficulty", "operator", dt.datetime(2026, 10, 8, 9, 0, tzinfo=SH), opinion="固件不兼容")
    assert due_for_testing(app).state is DueState.PAUSED
    act(users, app, "close_difficulty", "operator", dt.datetime(2026, 10, 9, 16, 0, tzinfo=SH), opinion="已升级固件")
    assert due_for_testing(app).date == dt.date(2026, 10, 12)
    with pytest.raises(TransitionRefused, match="尚未测试通过"):
        act(users, app, "pass_test", "operator")
    for device in app.devices.all():
        application_device_tested(user=users["operator"], device=device, passed=True, now=T0)
    act(users, app, "pass_test", "operator")
    act(users, app, "pick_up", "operator", dt.datetime(2026, 10, 12, 15, 0, tzinfo=SH))
    assert due_for_installation(app).date == dt.date(2026, 10, 19)
    act(users, app, "connect", None, dt.datetime(2026, 10, 16, 11, 0, tzinfo=SH))
    assert app.state == "connected" and Step.objects.filter(application=app).last().actor_name == "系统"


def test_a_failed_result_needs_a_reason(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator")
    with pytest.raises(TransitionRefused, match="须说明原因"):
        application_device_tested(user=users["operator"], device=app.devices.first(), passed=False, now=T0)


def test_application_list_follows_the_visibility_layer(users, project, scope_of):
    app = make(users, project)
    assert app in application_list(scope=scope_of("xiashan"))
    assert app not in application_list(scope=scope_of("chikan"))
    assert app in application_list(scope=scope_of("integrator"))


@pytest.mark.parametrize(("kind", "ends_on", "refused"), [
    ("suspension", dt.date(2027, 3, 27), True),
    ("blacklist", None, True),
    ("suspension", dt.date(2026, 9, 27), False),  # ended the day before
    ("interview", None, False),  # an interview does not bar
])
def test_a_suspended_or_blacklisted_integrator_cannot_be_named(users, project, kind, ends_on, refused):
    from sitewatch.registry.models import FirmSanction

    FirmSanction.objects.create(firm=project.integrator, kind=kind, starts_on=dt.date(2026, 3, 1), ends_on=ends_on,
                                reason="近12个月第3次考核低于60分", decided_at=T0)
    if refused:
        with pytest.raises(TransitionRefused, match="不能作为新接入申请的设备安装单位。依据：近12个月第3次考核低于60分"):
            make(users, project)
    else:
        assert make(users, project).state == "draft"


def test_city_admin_enters_a_sanction_with_who_and_when(users, login, project):
    from sitewatch.registry.models import FirmSanction

    response = login("city").post("/admin/registry/firmsanction/add/", {
        "firm": project.integrator_id, "kind": "suspension", "starts_on": "2026-11-25", "ends_on": "2027-05-24",
        "reason": "近12个月第3次考核低于60分"})
    assert response.status_code == 302, response.content.decode()[:2000]
    sanction = FirmSanction.objects.get(firm=project.integrator)
    assert sanction.decided_by == users["city"] and sanction.decided_at is not None
    assert login("operator").get("/admin/registry/firmsanction/add/").status_code == 403


def installing(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator")
    for device in app.devices.all():
        application_device_tested(user=users["operator"], device=device, passed=True, now=T0)
    act(users, app, "pass_test", "operator")
    act(users, app, "pick_up", "operator")
    return app


def test_connected_is_decided_from_live_data_by_the_deadlines_loop(users, project):
    from sitewatch.monitoring.gb28181 import (
        ChannelReport,
        gb_catalog_received,
        gb_device_registered,
        gb_stream_resolution,
    )
    from sitewatch.monitoring.services import devices_seen
    from sitewatch.onboarding.connection import connection_gaps
    from sitewatch.onboarding.reminders import deadlines_run
    from sitewatch.onboarding.services import application_device_bind
    from sitewatch.registry.models import Device

    app = installing(users, project)
    camera_item, dust_item = app.devices.order_by("id")
    camera = Device.objects.filter(project=project, kind="camera").exclude(gb_device_id=None).first()
    dust = Device.objects.filter(project=project, kind="dust_monitor").first()
    assert connection_gaps(app) == ["1号出入口（网络高清球机）：尚未登记到平台", "扬尘（扬尘监测仪）：尚未登记到平台"]
    application_device_bind(user=users["integrator"], item=camera_item, device=camera, now=T0)
    application_device_bind(user=users["contractor"], item=dust_item, device=dust, now=T0)
    now = dt.datetime.now(dt.UTC)
    gb_device_registered(device_id=camera.pk, at=now, transport="udp", contact_address="10.0.0.9:5060",
                         expires_at=now + dt.timedelta(hours=1))
    gb_catalog_received(device_id=camera.pk, at=now, complete=True,
                        items=[ChannelReport(gb_channel_id=camera.gb_device_id[:10] + "1310000001", status="ON")])
    devices_seen(seen={dust.pk: now})
    assert connection_gaps(app)[0].startswith("1号出入口（网络高清球机）：码流分辨率未达标或未知")
    gb_stream_resolution(device_id=camera.pk, gb_channel_id=camera.gb_device_id[:10] + "1310000001", at=now,
                         main=(1920, 1080), sub=(704, 576))
    assert connection_gaps(app) == []
    assert deadlines_run(now=now)["applications_connected"] == 1
    app.refresh_from_db()
    assert app.state == "connected" and app.connected_at == now


def test_a_device_of_another_kind_or_project_cannot_be_bound(users, project):
    from sitewatch.onboarding.services import application_device_bind
    from sitewatch.registry.models import Device

    app = installing(users, project)
    camera_item = app.devices.order_by("id").first()
    with pytest.raises(TransitionRefused, match="与申请的网络高清球机不符"):
        application_device_bind(user=users["integrator"], item=camera_item,
                                device=Device.objects.filter(project=project, kind="dust_monitor").first(), now=T0)
    with pytest.raises(TransitionRefused, match="不属于本项目"):
        application_device_bind(user=users["integrator"], item=camera_item,
                                device=Device.objects.exclude(project=project).filter(kind="camera").first(), now=T0)


def test_inbox_shows_what_waits_for_each_role_and_marks_overdue(users, project, login):
    from sitewatch.onboarding.selectors import inbox

    app = make(users, project)
    act(users, app, "submit", "contractor")
    act(users, app, "opinion_contractor", "contractor")

    def waiting(who, now=T0):
        return {(i.application.pk, t.action) for i in inbox(user=users[who], scope=scope_for(users[who]), now=now)
                for t in i.actions}

    from sitewatch.accounts.visibility import scope_for

    assert (app.pk, "opinion_supervisor") in waiting("supervisor")
    assert (app.pk, "opinion_contractor") not in waiting("contractor")  # already given
    assert (app.pk, "approve") in waiting("xiashan") and not any(pk == app.pk for pk, _ in waiting("chikan"))
    act(users, app, "opinion_supervisor", "supervisor")
    act(users, app, "opinion_operator", "operator")
    act(users, app, "approve", "xiashan")
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator", dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH))
    late = dt.datetime(2026, 10, 12, 10, 0, tzinfo=SH)
    item = next(i for i in inbox(user=users["operator"], scope=scope_for(users["operator"]), now=late)
                if i.application.pk == app.pk)
    assert item.overdue and item.days_left == -2 and {t.action for t in item.actions} == {"pass_test", "fail_test"}
    body = login("operator").get("/inbox/").content.decode()
    assert project.name in body and "测试通过" in body


def test_resumption_needs_an_earlier_connection_and_shows_it(users, project):
    from sitewatch.onboarding.selectors import earlier_approvals

    with pytest.raises(TransitionRefused, match="复工重新接入只适用于此前已接入的项目"):
        application_create(user=users["contractor"], project=project, integrator=project.integrator, now=T0,
                           devices=[], kind="resumption")
    first = make(users, project)
    review(users, first)
    type(first).objects.filter(pk=first.pk).update(state="connected")
    again = application_create(user=users["contractor"], project=project, integrator=project.integrator, now=T0,
                               devices=[], kind="resumption")
    assert again.get_kind_display() == "复工重新接入" and list(earlier_approvals(again)) == [first]


def test_a_second_new_application_while_one_is_open_is_refused(users, project):
    make(users, project)
    with pytest.raises(TransitionRefused, match="已有办理中的接入申请"):
        make(users, project)


def test_deadlines_loop_reminds_the_day_before_and_notifies_overdue_once(users, project):
    from sitewatch.notifications.models import Notification
    from sitewatch.onboarding.reminders import deadlines_run

    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator", dt.datetime(2026, 9, 29, 10, 0, tzinfo=SH))  # due 2026-10-09
    deadlines_run(now=dt.datetime(2026, 10, 8, 9, 0, tzinfo=SH))
    reminder = Notification.objects.filter(related_model="onboarding.application", related_id=str(app.pk))
    assert reminder.count() >= 1 and "明天到期" in reminder.first().subject
    assert {n.recipient_firm_id for n in reminder} == {users["operator"].organisation.firm_id}
    before = reminder.count()
    deadlines_run(now=dt.datetime(2026, 10, 8, 15, 0, tzinfo=SH))
    assert reminder.count() == before  # once
    deadlines_run(now=dt.datetime(2026, 10, 12, 9, 0, tzinfo=SH))
    late = Notification.objects.filter(related_id=str(app.pk), subject__contains="已逾期")
    assert late.exists() and "已逾期 2 个工作日" in late.first().body
    assert late.filter(recipient_user=users["xiashan"]).exists()


def test_deadlines_command_runs_once(capsys):
    from django.core.management import call_command

    call_command("deadlines", "--once")
    assert "已接入 0 项" in capsys.readouterr().out


def test_application_page_offers_the_table_s_actions_and_takes_them(users, project, login):
    app = make(users, project)
    contractor = login("contractor")
    page = contractor.get(f"/applications/{app.pk}/").content.decode()
    assert 'value="submit"' in page and "点位布置CAD平面图" in page and "1号出入口" in page
    assert contractor.post(f"/applications/{app.pk}/", {"action": "submit"}).status_code == 302
    district = login("xiashan")
    refused = district.post(f"/applications/{app.pk}/", {"action": "return", "opinion": ""})
    assert refused.status_code == 422 and "退回修改须填写意见或理由。" in refused.content.decode()
    assert district.post(f"/applications/{app.pk}/", {"action": "return", "opinion": "缺少拓扑图"}).status_code == 302
    page = district.get(f"/applications/{app.pk}/").content.decode()
    assert "退回修改" in page and "缺少拓扑图" in page and 'value="approve"' not in page
    assert login("chikan").get(f"/applications/{app.pk}/").status_code == 404
    assert login("chikan").post(f"/applications/{app.pk}/", {"action": "reject", "opinion": "x"}).status_code == 404


def test_operator_records_device_results_on_the_page(users, project, login):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator")
    operator = login("operator")
    camera, dust = app.devices.order_by("id")
    assert "<th>登记测试结果</th>" in operator.get(f"/applications/{app.pk}/").content.decode()
    assert "<th>登记测试结果</th>" not in login("contractor").get(f"/applications/{app.pk}/").content.decode()
    refused = operator.post(f"/applications/{app.pk}/", {"action": "device_fail", "device": camera.pk})
    assert refused.status_code == 422 and "测试不通过须说明原因" in refused.content.decode()
    for device in (camera, dust):
        assert operator.post(f"/applications/{app.pk}/", {"action": "device_pass", "device": device.pk}).status_code == 302
    assert operator.post(f"/applications/{app.pk}/", {"action": "pass_test"}).status_code == 302
    app.refresh_from_db()
    assert app.state == "passed"


def test_contractor_files_form_1_1_on_a_page(users, project, login):
    client = login("contractor")
    assert 'id="apply-link"' in client.get(f"/projects/{project.pk}/").content.decode()
    assert 'id="apply-link"' not in login("xiashan").get(f"/projects/{project.pk}/").content.decode()
    form = {"integrator": project.integrator_id, "planned_start": "2026-12-01", "planned_end": "2027-12-31",
            "address": "霞山区测试路1号", "contacts": "张工 13800000000", "commitment_letter_signed": "on",
            "devices-TOTAL_FORMS": "6", "devices-INITIAL_FORMS": "0", "devices-MIN_NUM_FORMS": "0",
            "devices-MAX_NUM_FORMS": "200",
            "devices-0-point_name": "东大门", "devices-0-point_kind": "entrance_dome",
            "devices-0-device_kind": "camera", "devices-0-brand": "hikvision", "devices-0-model": "DS-2DE4423IW"}
    bad = client.post(f"/projects/{project.pk}/apply/", {**form, "planned_end": "2026-01-01"})
    assert bad.status_code == 422 and "计划竣工日期不能早于开工日期" in bad.content.decode()
    response = client.post(f"/projects/{project.pk}/apply/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    from sitewatch.onboarding.models import Application

    app = Application.objects.get(project=project)
    assert app.devices.get().point_name == "东大门" and app.commitment_letter_signed
    assert app.devices.get().ip_address is None
    refused = login("supervisor").post(f"/projects/{project.pk}/apply/", form)
    assert refused.status_code == 422 and "只有本项目的施工单位" in refused.content.decode()


def test_booking_fills_form_1_5_on_a_working_day(users, project):
    app = make(users, project)
    review(users, app)
    with pytest.raises(TransitionRefused, match="尚缺：调试日期、设备调试申请人、联系方式"):
        act(users, app, "book", "contractor", details={})
    with pytest.raises(TransitionRefused, match="2026年10月01日不是工作日"):
        act(users, app, "book", "contractor", details={**BOOKING, "test_date": dt.date(2026, 10, 1)})
    with pytest.raises(TransitionRefused, match="不能早于今天"):
        act(users, app, "book", "contractor", details={**BOOKING, "test_date": dt.date(2026, 9, 25)})
    with pytest.raises(TransitionRefused, match="2027年的节假日安排尚未录入"):
        act(users, app, "book", "contractor", details={**BOOKING, "test_date": dt.date(2027, 3, 1)})
    with pytest.raises(TransitionRefused, match="领取日期不能早于调试日期"):
        act(users, app, "book", "contractor", details={**BOOKING, "pickup_date": dt.date(2026, 9, 28)})
    act(users, app, "book", "contractor")
    app.refresh_from_db()
    assert (app.state, app.test_date, app.test_applicant) == ("booked", dt.date(2026, 9, 29), "王工")


def test_check_in_and_pick_up_fill_form_1_6(users, project):
    app = make(users, project)
    review(users, app)
    act(users, app, "book", "contractor")
    act(users, app, "check_in", "operator")
    for device in app.devices.all():
        application_device_tested(user=users["operator"], device=device, passed=True, now=T0)
    act(users, app, "pass_test", "operator")
    with pytest.raises(TransitionRefused, match="设备领取人"):
        act(users, app, "pick_up", "operator", details={})
    act(users, app, "pick_up", "operator")
    app.refresh_from_db()
    assert "运维" in app.received_by_name or users["operator"].get_username() in app.received_by_name
    assert app.picked_up_by_name == "李师傅"
