"""The assessment pages: the scoreboard, the drill-down to each deduction's evidence, the
evidence file, the history, and the offline episodes with 告知恢复上线 — each as its role sees
it (口径 K-A7…K-A10)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from sitewatch.assessment.models import Assessment, OfflineEpisode, SanctionTrigger
from sitewatch.assessment.rules import assess_document
from sitewatch.assessment.weekly import assessment_run
from sitewatch.monitoring.models import DeviceState
from sitewatch.registry.models import Device, FirmSanction, MonitoringPoint
from tests.assessment.world import CHECK, WEEK, dust_point, episode_on

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def nav(body: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)


# --- the scoreboard ---

def test_city_scoreboard_lists_every_integrator_with_score_and_deductions(world, login):
    body = text(login("city").get("/assessments/"))
    rows = re.findall(r'<tr[^>]*>\s*<td data-label="系统集成商".*?</tr>', body, re.S)
    assert len(rows) == Assessment.objects.filter(week_start=WEEK).count() == 3
    row_a = next(r for r in rows if world["firm_a"].name in r)
    assert f">{world['a'].score}<" in row_a and ">40<" in row_a  # score and the offline-rate deduction
    assert "约谈整改" in row_a  # the sanction the low score triggered, in force


def test_scoreboard_defaults_to_the_latest_week_assessed(world, login):
    assessment_run(now=CHECK + dt.timedelta(days=7), week_start=WEEK + dt.timedelta(days=7),
                   check_time=CHECK + dt.timedelta(days=7))
    body = text(login("city").get("/assessments/"))
    assert 'value="2026-11-30" selected' in body
    older = text(login("city").get("/assessments/?week=2026-11-23"))
    assert 'value="2026-11-23" selected' in older


def test_a_week_without_results_is_refused_in_chinese(world, login):
    response = login("city").get("/assessments/?week=2020-01-06")
    assert response.status_code == 400 and "所选考核周没有可查看的考核结果" in text(response)


def test_contractor_has_no_scoreboard_and_no_link(world, login):
    client = login("contractor")
    response = client.get("/assessments/")
    assert response.status_code == 403 and "周考核成绩仅限" in text(response)
    assert client.get(f"/assessments/{world['a'].pk}/").status_code == 404
    links = nav(text(client.get("/")))
    assert "/assessments/" not in links and "/episodes/" in links


def test_anonymous_visitor_is_sent_to_login(world, client):
    for url in ("/assessments/", f"/assessments/{world['a'].pk}/", f"/assessments/{world['a'].pk}/evidence.json",
                "/episodes/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the drill-down ---

def test_drilldown_shows_each_deduction_with_point_and_sms_time(world, login):
    body = text(login("city").get(f"/assessments/{world['a'].pk}/"))
    assert "霞山区棚户区改造安置房项目 · 扬尘监测点" in body and "赤坎区棚户区改造安置房项目 · 扬尘监测点" in body
    assert "短信通知 2026-11-24 10:00" in body and "检查时仍未恢复" in body
    assert "集成商未告知恢复" in body
    assert "不超过10%（含10%）不扣分" in body  # the rules in force, from the evidence


def test_district_drilldown_never_names_another_districts_points(world, login):
    body = text(login("xiashan").get(f"/assessments/{world['a'].pk}/"))
    assert "霞山区棚户区改造安置房项目" in body
    assert "赤坎区" not in body and "麻章区" not in body
    assert "其他县（市、区）点位扣分 1 项、共 10 分" in body


def test_district_drilldown_control_shows_its_own_points(world, login):
    body = text(login("chikan").get(f"/assessments/{world['a'].pk}/"))
    assert "赤坎区棚户区改造安置房项目" in body and "霞山区棚户区改造安置房项目" not in body


def test_integrator_gets_404_for_another_integrators_assessment_and_evidence(world):
    client = Client()
    client.force_login(world["integrator_b"])
    assert client.get(f"/assessments/{world['a'].pk}/").status_code == 404
    assert client.get(f"/assessments/{world['a'].pk}/evidence.json").status_code == 404
    assert client.get(f"/assessments/integrators/{world['firm_a'].pk}/").status_code == 404
    assert client.get(f"/assessments/{world['b'].pk}/").status_code == 200


def test_integrator_scoreboard_lists_only_itself(world, login):
    body = text(login("integrator").get("/assessments/"))
    assert world["firm_a"].name in body and world["firm_b"].name not in body


def test_district_cannot_download_the_evidence_file(world, login):
    response = login("xiashan").get(f"/assessments/{world['a'].pk}/evidence.json")
    assert response.status_code == 403 and "仅限被考核的系统集成商本单位" in text(response)


# --- the evidence file ---

def test_downloaded_evidence_recomputes_to_the_stored_score(world, login):
    response = login("integrator").get(f"/assessments/{world['a'].pk}/evidence.json")
    assert response.status_code == 200
    assert assess_document(json.loads(response.content))["score"] == world["a"].score == 40
    assert response["Content-Disposition"] == (
        f'attachment; filename="assessment-2026-W48-{world["firm_a"].credit_code}.json"')


def test_evidence_file_is_the_stored_evidence(world, login):
    response = login("city").get(f"/assessments/{world['a'].pk}/evidence.json")
    assert json.loads(response.content) == world["a"].evidence


# --- the history ---

def test_history_has_chart_data_and_the_scores_that_triggered_a_sanction(world, login):
    body = text(login("city").get(f"/assessments/integrators/{world['firm_a'].pk}/"))
    data = json.loads(re.search(r'<script id="score-data" type="application/json">(.*?)</script>', body, re.S)[1])
    assert data["weeks"] == ["2026-W48"] and data["scores"] == [40] and data["low"] == 60
    sanction = FirmSanction.objects.get(firm=world["firm_a"])
    assert SanctionTrigger.objects.get(sanction=sanction).period == "2026-W48"
    assert "2026-W48 40.00分（第1次）" in body and "约谈整改" in body
    assert "离线率 40 分、修复时间 20 分" in body  # the week's deductions per item
    assert "vendor/echarts/echarts.min.js" in body


def test_only_the_history_page_loads_echarts(world, login):
    client = login("city")
    for url in ("/assessments/", f"/assessments/{world['a'].pk}/", "/episodes/"):
        assert "echarts" not in text(client.get(url))


# --- offline episodes and 告知恢复上线 ---

def test_episodes_list_open_first_with_the_report_form_for_the_integrator(world, login):
    closed = episode_on(dust_point(world["firm_a"], "麻章区"), closed_at=timezone.now() - dt.timedelta(days=8))
    recent = episode_on(dust_point(world["firm_a"], "坡头区"), closed_at=timezone.now() - dt.timedelta(days=6))
    body = text(login("integrator").get("/episodes/"))
    assert body.index(f'id="episode-{world["episodes"][(world["firm_a"].pk, "霞山区")].pk}"') < body.index(
        f'id="episode-{closed.pk}"')
    assert f'action="/episodes/{closed.pk}/report/"' not in body  # closed before the seven-day window
    assert f'action="/episodes/{recent.pk}/report/"' in body
    assert "告知恢复上线</button>" in body and "csrfmiddlewaretoken" in body


def test_recovery_report_is_recorded_with_who_when_and_verdict(world, login, users):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    before = timezone.now()
    response = login("integrator").post(f"/episodes/{episode.pk}/report/", {"note": "已更换电源"}, follow=True)
    episode.refresh_from_db()
    assert episode.reported_by == users["integrator"] and episode.reported_at >= before
    assert (episode.report_note, episode.report_verdict) == ("已更换电源", "contradicted")  # still offline
    assert "与数据不符" in text(response)


def test_recovery_report_matching_the_data_is_confirmed(world, login):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    device = Device.objects.get(point=episode.point)
    DeviceState.objects.update_or_create(device=device, defaults={"online": True})
    login("integrator").post(f"/episodes/{episode.pk}/report/")
    episode.refresh_from_db()
    assert episode.report_verdict == "confirmed"


def test_report_on_someone_elses_episode_is_refused_in_chinese(world, login):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    response = login("contractor").post(f"/episodes/{episode.pk}/report/")  # sees it: its own project
    assert response.status_code == 403 and "只有负责该点位的系统集成商可以告知恢复上线" in text(response)
    other = Client()
    other.force_login(world["integrator_b"])
    assert other.post(f"/episodes/{episode.pk}/report/").status_code == 404
    episode.refresh_from_db()
    assert episode.reported_at is None


def test_report_twice_is_refused_in_chinese(world, login):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    client = login("integrator")
    client.post(f"/episodes/{episode.pk}/report/")
    response = client.post(f"/episodes/{episode.pk}/report/")
    assert response.status_code == 409 and "该离线事件已告知过恢复上线" in text(response)


def test_report_after_the_window_is_refused_in_chinese(world, login):
    closed = episode_on(dust_point(world["firm_a"], "麻章区"), closed_at=timezone.now() - dt.timedelta(days=8))
    response = login("integrator").post(f"/episodes/{closed.pk}/report/")
    assert response.status_code == 409 and "恢复上线已超过7天" in text(response)


def test_report_window_is_a_setting(world, login, settings):
    settings.EPISODE_REPORT_WINDOW_DAYS = 10
    closed = episode_on(dust_point(world["firm_a"], "麻章区"), closed_at=timezone.now() - dt.timedelta(days=8))
    login("integrator").post(f"/episodes/{closed.pk}/report/")
    closed.refresh_from_db()
    assert closed.report_verdict == "confirmed"  # the data had it back already


def test_report_needs_post_and_csrf(world, users):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["integrator"])
    assert client.get(f"/episodes/{episode.pk}/report/").status_code == 405
    assert client.post(f"/episodes/{episode.pk}/report/").status_code == 403
    episode.refresh_from_db()
    assert episode.reported_at is None


def test_district_sees_only_its_districts_episodes(world, login):
    body = text(login("xiashan").get("/episodes/"))
    assert "霞山区棚户区改造安置房项目" in body and "赤坎区" not in body


def test_scoreboard_links_are_in_the_navigation_of_the_roles_that_see_them(world, login):
    for username in ("city", "xiashan", "integrator", "operator"):
        links = nav(text(login(username).get("/")))
        assert '<a href="/assessments/">周考核</a>' in links and '<a href="/episodes/">离线事件</a>' in links


def test_stream_deduction_shows_the_resolution_and_its_source(world, login):
    from sitewatch.monitoring.models import Channel

    point = MonitoringPoint.objects.get(project__integrator=world["firm_a"], project__district__name="霞山区",
                                       kind="entrance_dome")
    nvr = Device.objects.get(project=point.project, kind="nvr")
    Channel.objects.create(device=nvr, gb_channel_id=f"4408000000131{point.pk:07d}", point=point, online=True,
                           main_resolution="1280x720", sub_resolution="704x576", resolution_source="device_config",
                           first_seen=CHECK, last_catalog_at=CHECK)
    later = CHECK + dt.timedelta(days=7)
    [assessment] = [a for a in assessment_run(now=later, week_start=WEEK + dt.timedelta(days=7), check_time=later)
                    if a.integrator_id == world["firm_a"].pk]
    body = text(login("city").get(f"/assessments/{assessment.pk}/"))
    row = re.search(r'<tr id="deduction-\d+">\s*<td data-label="考核项">主码流</td>.*?</tr>', body, re.S)[0]
    assert "霞山区棚户区改造安置房项目 · 1号出入口球机" in row
    assert "1280x720 低于 1920x1080" in row and "来源：设备配置查询" in row


def test_an_episode_recovered_after_the_check_counts_to_the_check(world, login):
    episode = world["episodes"][(world["firm_a"].pk, "霞山区")]
    OfflineEpisode.objects.filter(pk=episode.pk).update(closed_at=CHECK + dt.timedelta(days=2))
    later = CHECK + dt.timedelta(days=7)
    [assessment] = [a for a in assessment_run(now=later, week_start=WEEK + dt.timedelta(days=7), check_time=later)
                    if a.integrator_id == world["firm_a"].pk]
    body = text(login("city").get(f"/assessments/{assessment.pk}/"))
    assert "2026-12-02 09:00 恢复" in body  # recovered within that week
    body = text(login("city").get(f"/assessments/{world['a'].pk}/"))
    assert "检查时仍未恢复" in body
