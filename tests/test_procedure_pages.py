"""Pages of relocation/removal (附件2), notices (附件3, 附件4) and cannot-connect statements
(附件5), with the Django test client: who sees which form, what each POST records, the
services' refusals shown in Chinese, and another district never seeing the project."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sitewatch.enforcement.models import Violation
from sitewatch.onboarding.changes import change_act, change_create, notice_register
from sitewatch.onboarding.models import Change, ChangeStep, ProjectNotice
from sitewatch.onboarding.statements import cannot_connect_file, cannot_connect_overdue
from sitewatch.registry.models import MonitoringPoint, Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def entrance(project):
    return MonitoringPoint.objects.get(project=project, kind="entrance_dome")


@pytest.fixture
def crane(project):
    return MonitoringPoint.objects.get(project=project, kind="tower_crane_dome")


def body(response) -> str:
    return response.content.decode()


def relocation(users, project, entrance, *, submitted=True) -> Change:
    change = change_create(user=users["contractor"], project=project, kind="relocate", points=[entrance],
                           reason="出入口改道", new_location="西侧新出入口", now=timezone.now())
    if submitted:
        change_act(user=users["contractor"], change=change, action="submit", now=timezone.now())
    return change


def give_opinions(users, change):
    for action, who in (("opinion_contractor", "contractor"), ("opinion_supervisor", "supervisor"),
                        ("opinion_district", "xiashan"), ("opinion_operator", "operator")):
        change_act(user=users[who], change=change, action=action, now=timezone.now(), opinion="同意")


# --- 附件2 ---

def test_contractor_files_a_relocation_as_a_draft(login, project, entrance):
    client = login("contractor")
    form = client.get(f"/projects/{project.pk}/changes/new/")
    assert form.status_code == 200 and "1号出入口球机（出入口球机，东大门出入口）" in body(form)
    response = client.post(f"/projects/{project.pk}/changes/new/", {
        "kind": "relocate", "points": [entrance.pk], "reason": "出入口改道", "new_location": "西侧新出入口"})
    change = Change.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/changes/{change.pk}/"
    assert (change.state, change.new_location, list(change.points.all())) == ("draft", "西侧新出入口", [entrance])
    page = body(client.get(f"/changes/{change.pk}/"))
    assert '<span class="state" id="change-state">草稿</span>' in page and 'value="submit"' in page


@pytest.mark.parametrize(("with_point", "data", "message"), [
    (False, {"kind": "relocate", "reason": "改道", "new_location": "北侧"}, "请选择要迁移或拆除的点位。"),
    (True, {"kind": "relocate", "reason": "改道", "new_location": ""}, "迁移须填写迁移后的位置。"),
    (True, {"kind": "remove", "reason": ""}, "请填写迁移、拆除的原因。"),
])
def test_change_form_errors_are_chinese_and_nothing_is_saved(login, project, entrance, with_point, data, message):
    data = {**data, "points": [entrance.pk]} if with_point else data
    response = login("contractor").post(f"/projects/{project.pk}/changes/new/", data)
    assert response.status_code == 422 and message in body(response)
    assert not Change.objects.filter(project=project).exists()


def test_a_point_of_another_project_cannot_be_chosen(login, project):
    other = MonitoringPoint.objects.exclude(project=project).first()
    response = login("contractor").post(f"/projects/{project.pk}/changes/new/", {
        "kind": "remove", "points": [other.pk], "reason": "拆除"})
    assert response.status_code == 422 and "所选点位不是本项目在用的点位。" in body(response)


def test_removal_form_shows_what_blocks_each_point_up_front(login, project):
    page = body(login("contractor").get(f"/projects/{project.pk}/changes/new/"))
    assert "1号塔吊球机：塔式起重机拆卸告知（附件3）尚未登记" in page
    assert "1号出入口球机：终止或中止施工安全监督告知书（附件4）尚未登记" in page


def test_submitting_a_blocked_removal_shows_the_blocker(users, login, project, crane):
    change = change_create(user=users["contractor"], project=project, kind="remove", points=[crane],
                           reason="塔吊拆除", now=timezone.now())
    response = login("contractor").post(f"/changes/{change.pk}/", {"action": "submit"})
    assert response.status_code == 422
    assert 'id="action-error"' in body(response) and "1号塔吊球机：塔式起重机拆卸告知（附件3）尚未登记" in body(response)
    change.refresh_from_db()
    assert change.state == "draft"


def test_the_city_approves_after_the_four_opinions_and_the_point_moves(users, login, project, entrance):
    change = relocation(users, project, entrance)
    city = login("city")
    early = city.post(f"/changes/{change.pk}/", {"action": "approve", "opinion": "同意"})
    assert early.status_code == 422 and "迁移拆除申请表（附件2）尚缺：填写施工单位意见" in body(early)
    give_opinions(users, change)
    response = city.post(f"/changes/{change.pk}/", {"action": "approve", "opinion": "同意迁移"})
    assert response.status_code == 302
    entrance.refresh_from_db()
    assert entrance.location == "西侧新出入口"
    step = ChangeStep.objects.get(change=change, action="approve")
    assert step.actor == users["city"] and step.opinion == "同意迁移" and step.actor_name
    page = body(login("xiashan").get(f"/changes/{change.pk}/"))
    assert "已批准" in page and "批准（市住建局意见）：同意迁移" in page and 'id="change-actions"' not in page


def test_a_role_without_the_action_is_refused_with_403(users, login, project, entrance):
    change = relocation(users, project, entrance)
    page = body(login("supervisor").get(f"/changes/{change.pk}/"))
    assert 'value="opinion_supervisor"' in page and 'value="approve"' not in page
    response = login("supervisor").post(f"/changes/{change.pk}/", {"action": "approve", "opinion": "同意"})
    assert response.status_code == 403 and "您无权批准（市住建局意见）。" in body(response)
    assert not change.steps.filter(action="approve").exists()


def test_an_opinion_without_text_is_refused_and_the_timeline_records_who(users, login, project, entrance):
    change = relocation(users, project, entrance)
    client = login("operator")
    refused = client.post(f"/changes/{change.pk}/", {"action": "opinion_operator", "opinion": " "})
    assert refused.status_code == 422 and "填写平台运维单位意见须填写意见或理由。" in body(refused)
    client.post(f"/changes/{change.pk}/", {"action": "opinion_operator", "opinion": "技术上可行"})
    page = body(client.get(f"/changes/{change.pk}/"))
    step = change.steps.get(action="opinion_operator")
    assert "技术上可行" in page and step.actor_name in page and timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M") in page


# --- 附件3, 附件4 ---

def test_the_district_registers_the_crane_notice_and_the_removal_is_unblocked(users, login, project, crane):
    client = login("xiashan")
    response = client.post(f"/projects/{project.pk}/notices/new/", {
        "kind": "tower_crane", "point": crane.pk, "number": "霞建塔拆〔2026〕8号", "issued_on": "2026-11-20"})
    assert response.status_code == 302
    notice = ProjectNotice.objects.get(project=project)
    assert (notice.point, notice.registered_by, notice.issued_on) == (crane, users["xiashan"], dt.date(2026, 11, 20))
    page = body(client.get(f"/projects/{project.pk}/notices/new/"))
    assert "霞建塔拆〔2026〕8号" in page and "塔式起重机拆卸告知（附件3）" in page
    form = body(login("contractor").get(f"/projects/{project.pk}/changes/new/"))
    assert "1号塔吊球机：塔式起重机拆卸告知" not in form


def test_a_crane_notice_without_its_point_is_refused(login, project):
    response = login("xiashan").post(f"/projects/{project.pk}/notices/new/", {
        "kind": "tower_crane", "number": "x", "issued_on": "2026-11-20"})
    assert response.status_code == 422 and "塔式起重机拆卸告知须指明本项目的塔吊球机点位。" in body(response)
    assert not ProjectNotice.objects.filter(project=project).exists()


def test_a_firm_sees_the_notices_but_cannot_register_one(login, project):
    client = login("contractor")
    page = body(client.get(f"/projects/{project.pk}/notices/new/"))
    assert 'id="notice-form"' not in page
    response = client.post(f"/projects/{project.pk}/notices/new/", {"kind": "terminated", "issued_on": "2026-11-20"})
    assert response.status_code == 403 and "只有项目所在县（市、区）住建主管部门或市住建局可以登记告知书。" in body(response)
    assert not ProjectNotice.objects.filter(project=project).exists()


# --- 附件5 ---

def test_a_statement_is_filed_then_shows_its_violation_once_overdue(users, login, project):
    client = login("contractor")
    promised = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(f"/projects/{project.pk}/cannot-connect/new/", {
        "reason": "现场尚未通电", "promised_date": promised.isoformat()})
    statement = project.cannot_connect_statements.get()
    assert response.status_code == 302 and response["Location"] == f"/statements/{statement.pk}/"
    page = body(client.get(f"/statements/{statement.pk}/"))
    assert "承诺期内" in page and 'id="violation-record"' not in page
    cannot_connect_overdue(now=dt.datetime.combine(promised + dt.timedelta(days=1), dt.time(9), tzinfo=SH))
    page = body(login("xiashan").get(f"/statements/{statement.pk}/"))
    violation = Violation.objects.get(project=project, kind="not_connected")
    assert "逾期未接入" in page and 'id="violation-record"' in page and "未接入监管平台" in page
    assert violation.detail in page


def test_a_statement_s_date_must_be_ahead_and_the_district_cannot_file(login, project):
    today = timezone.localdate().isoformat()
    late = login("contractor").post(f"/projects/{project.pk}/cannot-connect/new/",
                                    {"reason": "待供电", "promised_date": today})
    assert late.status_code == 422 and "承诺接入日期应晚于今天。" in body(late)
    bad = login("contractor").post(f"/projects/{project.pk}/cannot-connect/new/",
                                   {"reason": "待供电", "promised_date": "明天"})
    assert bad.status_code == 422 and "日期格式应为 年-月-日。" in body(bad)
    assert login("xiashan").get(f"/projects/{project.pk}/cannot-connect/new/").status_code == 403
    refused = login("xiashan").post(f"/projects/{project.pk}/cannot-connect/new/",
                                    {"reason": "待供电", "promised_date": "2099-01-01"})
    assert refused.status_code == 403 and "只有本项目的施工单位或系统集成商可以填报不能接入说明。" in body(refused)
    assert not project.cannot_connect_statements.exists()


# --- scope ---

def test_another_district_gets_404_on_every_route_of_the_project(users, login, project, entrance, crane):
    change = relocation(users, project, entrance)
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="待供电",
                                    promised_date=timezone.localdate() + dt.timedelta(days=5), now=timezone.now())
    client = login("chikan")
    urls = [f"/projects/{project.pk}/changes/new/", f"/changes/{change.pk}/", f"/projects/{project.pk}/notices/new/",
            f"/projects/{project.pk}/cannot-connect/new/", f"/statements/{statement.pk}/"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = {urls[0]: {"kind": "remove", "points": [crane.pk], "reason": "x"},
             urls[1]: {"action": "opinion_district", "opinion": "同意"},
             urls[2]: {"kind": "terminated", "issued_on": "2026-11-20"},
             urls[3]: {"reason": "x", "promised_date": "2099-01-01"}}
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert client.post(urls[4], {}).status_code == 405
    assert Change.objects.filter(project=project).count() == 1 and not change.steps.filter(role="district").exists()
    assert not ProjectNotice.objects.filter(project=project).exists()


# --- the project page ---

def test_project_page_shows_each_role_only_the_forms_it_may_use(login, project):
    url = f"/projects/{project.pk}/"
    contractor, district, supervisor = (body(login(u).get(url)) for u in ("contractor", "xiashan", "supervisor"))
    assert 'id="change-link"' in contractor and 'id="statement-link"' in contractor
    assert 'id="notice-link"' not in contractor
    assert 'id="notice-link"' in district and 'id="change-link"' not in district and 'id="statement-link"' not in district
    assert "接入与变更办理" in supervisor and 'id="procedure-buttons"' not in supervisor
    assert login("supervisor").get(f"/projects/{project.pk}/changes/new/").status_code == 403
    refused = login("supervisor").post(f"/projects/{project.pk}/changes/new/", {
        "kind": "relocate", "points": [project.points.first().pk], "reason": "x", "new_location": "y"})
    assert refused.status_code == 403 and "只有本项目的施工单位或系统集成商可以申请迁移、拆除。" in body(refused)
    assert not Change.objects.filter(project=project).exists()


def test_project_page_lists_the_procedures_and_open_violations(users, login, project, entrance, crane):
    change = relocation(users, project, entrance)
    notice_register(user=users["xiashan"], project=project, kind="tower_crane", issued_on=dt.date(2026, 11, 20),
                    number="霞建塔拆〔2026〕9号", point=crane, now=timezone.now())
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="待供电",
                                    promised_date=timezone.localdate() + dt.timedelta(days=5), now=timezone.now())
    Violation.objects.create(project=project, kind="not_viewable", found_at=timezone.now(), source="patrol",
                             detail="1号出入口球机画面黑屏")
    Violation.objects.create(project=project, kind="no_video", found_at=timezone.now(), source="patrol",
                             detail="已整改", is_open=False)
    page = body(login("supervisor").get(f"/projects/{project.pk}/"))
    assert f'href="/changes/{change.pk}/"' in page and "迁移：1号出入口球机" in page and "审核中" in page
    assert "霞建塔拆〔2026〕9号" in page and f'href="/statements/{statement.pk}/"' in page
    assert "视频图像不可视" in page and "1号出入口球机画面黑屏" in page and "已整改" not in page


# --- the inbox ---

def test_inbox_lists_changes_waiting_for_each_party(users, login, project, entrance):
    from sitewatch.accounts.visibility import scope_for
    from sitewatch.onboarding.selectors import inbox

    change = relocation(users, project, entrance)

    def waiting(who):
        return {t.action for i in inbox(user=users[who], scope=scope_for(users[who]), now=timezone.now())
                if i.change == change for t in i.actions}

    assert waiting("supervisor") == {"opinion_supervisor"} and waiting("xiashan") == {"opinion_district"}
    assert waiting("city") == set() and waiting("chikan") == set()
    change_act(user=users["contractor"], change=change, action="opinion_contractor", now=timezone.now(),
               opinion="同意")
    assert waiting("contractor") == set()
    give_opinions(users, change)
    assert waiting("city") == {"approve", "reject", "return"}
    page = body(login("city").get("/inbox/"))
    assert f'href="/changes/{change.pk}/"' in page and "迁移拆除申请（迁移，附件2）" in page
    change_act(user=users["city"], change=change, action="return", now=timezone.now(), opinion="请补充新位置坐标")
    assert waiting("contractor") == {"submit"} and waiting("city") == set()


# --- document links ---

def test_documents_are_linked_on_the_change_and_statement_pages(users, login, project, entrance):
    change = relocation(users, project, entrance)
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="待供电",
                                    promised_date=timezone.localdate() + dt.timedelta(days=5), now=timezone.now())
    client = login("contractor")
    assert f'href="/documents/2/{change.pk}.pdf"' in body(client.get(f"/changes/{change.pk}/"))
    assert f'href="/documents/5/{statement.pk}.docx"' in body(client.get(f"/statements/{statement.pk}/"))
