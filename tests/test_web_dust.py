"""The project page's dust monitors: state, curves data with thresholds, alarms, through the Scope."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from sitewatch.alarms.models import Alarm, DustReference, DustThreshold
from sitewatch.alarms.services import alarms_evaluate, threshold_new_version
from sitewatch.registry.models import Project
from sitewatch.telemetry.models import Reading
from tests.test_alarms_helpers import CHIKAN_HOUSING, XIASHAN_HOUSING, at, dust_monitor, fill_hour

pytestmark = pytest.mark.django_db
NOW = at(14, 30)


@pytest.fixture
def frozen_now(monkeypatch):
    """The page draws the 24 hours before `now`; fix it to 14:30 on 25 November 2026."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def monitor():
    return dust_monitor()


@pytest.fixture
def with_data(monitor, frozen_now):
    """Three hours of data, the first two over the PM10 hourly alarm threshold."""
    for hour, pm10 in ((11, 230), (12, 210), (13, 80)):
        fill_hour(monitor, at(hour), pm10=pm10, pm25=pm10 / 2)
    alarms_evaluate(now=at(14, 10))
    return monitor


def page(client, project_name=XIASHAN_HOUSING):
    return client.get(reverse("web:project_detail", args=[Project.objects.get(name=project_name).pk]))


def chart_data(response, device) -> dict:
    html = response.content.decode()
    match = re.search(rf'<script id="dust-data-{device.pk}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_district_official_sees_the_curves_data_of_a_dust_monitor(login, with_data):
    response = page(login("xiashan"))
    assert response.status_code == 200
    data = chart_data(response, with_data)
    realtime = {s["parameter"]: s for s in data["realtime"]["series"]}
    assert len(realtime["pm10"]["data"]) == 180 and realtime["pm10"]["data"][0][1] == 230
    assert len(realtime["pm25"]["data"]) == 180
    hourly = {s["parameter"]: s for s in data["hourly"]["series"]}
    assert len(hourly["pm10"]["data"]) == 24
    assert [point[1] for point in hourly["pm10"]["data"][-3:]] == [230, 210, 80]


def test_chart_times_are_beijing_wall_clock(login, with_data):
    data = chart_data(page(login("xiashan")), with_data)
    first = data["realtime"]["series"][0]["data"][0][0]
    assert dt.datetime.fromtimestamp(first / 1000, dt.UTC).strftime("%H:%M") == "11:00"


def test_hour_without_enough_data_is_a_gap_with_its_minute_count(login, monitor, frozen_now):
    fill_hour(monitor, at(13), pm10=80, minutes=30)
    data = chart_data(page(login("xiashan")), monitor)
    last = data["hourly"]["series"][0]["data"][-1]
    assert last[1] is None and last[2] == 30 and data["minMinutes"] == 45


def test_thresholds_in_force_are_drawn_as_lines_on_the_hourly_chart(login, with_data):
    data = chart_data(page(login("xiashan")), with_data)
    lines = {(line["parameter"], line["level"]): line["value"] for line in data["hourly"]["lines"]}
    assert lines == {("pm10", "warning"): 150, ("pm10", "alarm"): 200}
    assert data["realtime"]["lines"] == []


def test_newest_threshold_version_is_the_one_drawn(login, with_data):
    threshold_new_version(parameter="pm10", period="hourly", mode="absolute", warning_value=100, alarm_value=160,
                          effective_from=at(14), now=at(14))
    data = chart_data(page(login("xiashan")), with_data)
    assert {line["value"] for line in data["hourly"]["lines"]} == {100, 160}


def test_difference_mode_draws_the_reference_and_its_threshold_lines(login, with_data):
    threshold_new_version(parameter="pm10", period="hourly", mode="difference", warning_value=50, alarm_value=80,
                          effective_from=at(14), now=at(14))
    DustReference.objects.create(district=with_data.project.district, parameter="pm10", hour=at(12), value=60)
    data = chart_data(page(login("xiashan")), with_data)
    assert data["hourly"]["lines"] == []
    references = {s["name"]: s["data"] for s in data["hourly"]["references"]}
    assert [p[1] for p in references["PM10参照值"] if p[1] is not None] == [60]
    assert [p[1] for p in references["PM10报警线（参照值+80）"] if p[1] is not None] == [140]


def test_real_time_points_are_downsampled_to_300_a_series(login, monitor, frozen_now):
    start = NOW - dt.timedelta(hours=24)
    Reading.objects.bulk_create([
        Reading(device=monitor, cn="2011", data_time=start + dt.timedelta(seconds=30 * i), received_at=NOW,
                pm10=50 + i % 13, pm25=20 + i % 5)
        for i in range(2880)
    ])
    data = chart_data(page(login("xiashan")), monitor)
    for series in data["realtime"]["series"]:
        assert len(series["data"]) <= 300
        assert max(p[1] for p in series["data"] if p[1] is not None) == (62 if series["parameter"] == "pm10" else 24)
    assert data["realtime"]["points"]["pm10"] == 2880


def test_page_shows_the_devices_alarms_with_peak_and_version(login, with_data):
    response = page(login("xiashan"))
    html = response.content.decode()
    table = html.split(f'id="dust-alarms-{with_data.pk}"', 1)[1].split("</table>", 1)[0]
    assert "报警" in table and "230.0 µg/m³" in table and "第1版" in table
    assert "2026-11-25 11:00" in table and "2026-11-25 13:00" in table


def test_open_alarm_is_shown_as_ongoing(login, monitor, frozen_now):
    fill_hour(monitor, at(13), pm10=160)
    alarms_evaluate(now=at(14, 10))
    html = page(login("xiashan")).content.decode()
    assert "进行中" in html and "超标中" in html and "预警" in html


def test_page_shows_online_state_and_last_data_time_in_beijing_time(login, with_data):
    html = page(login("xiashan")).content.decode()
    state = re.search(rf'id="dust-state-{with_data.pk}">(.*?)<', html).group(1)
    assert state == "在线"
    assert "最后数据时间：" in html and "2026-11-25 13:59:05" in html


def test_silent_monitor_is_shown_offline(login, with_data):
    from sitewatch.monitoring.services import sweep_silent

    sweep_silent(now=NOW, silence=dt.timedelta(minutes=10))
    html = page(login("xiashan")).content.decode()
    assert re.search(rf'id="dust-state-{with_data.pk}">离线<', html)


def test_monitor_without_data_says_so(login, monitor, frozen_now):
    html = page(login("xiashan")).content.decode()
    assert "暂无数据" in html and "从未收到数据" in html
    assert chart_data(page(login("xiashan")), monitor)["realtime"]["empty"] is True


def test_method_note_under_the_charts_names_the_threshold_and_the_validity_rules(login, monitor, frozen_now):
    html = page(login("xiashan")).content.decode()
    note = re.search(r'id="dust-note">(.*?)</p>', html, re.S).group(1)
    assert "PM10小时均值≥150预警、≥200报警（µg/m³）（第1版）" in note
    assert "“≥”含本数" in note and "至少45分钟" in note and "至少20个有效小时" in note and "无法判定" in note


def test_page_loads_local_echarts_only_when_there_are_dust_monitors(login, monitor, frozen_now):
    html = page(login("xiashan")).content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/js/dust.js" in html
    monitor.kind = "router"
    monitor.save()
    html = page(login("xiashan")).content.decode()
    assert "echarts" not in html and 'id="dust"' not in html


def test_other_districts_project_page_is_404_for_a_district_official(login, frozen_now):
    fill_hour(dust_monitor(CHIKAN_HOUSING), at(11), pm10=230)
    alarms_evaluate(now=at(12, 10))
    assert Alarm.objects.filter(device__project__name=CHIKAN_HOUSING).exists()
    assert page(login("xiashan"), CHIKAN_HOUSING).status_code == 404


def test_integrator_sees_only_the_dust_monitors_it_installed(login, monitor, frozen_now):
    from sitewatch.registry.models import Firm

    monitor.installer = Firm.objects.get(credit_code="91440800MA54000002")  # integrator_b
    monitor.save()
    response = page(login("integrator"))
    assert response.status_code == 200 and 'id="dust"' not in response.content.decode()


def test_contractor_sees_its_projects_dust_panel(login, with_data):
    response = page(login("contractor"))
    assert response.status_code == 200 and f'id="dust-{with_data.pk}"' in response.content.decode()


def test_alarm_version_in_the_table_stays_the_one_it_opened_with(login, with_data):
    threshold_new_version(parameter="pm10", period="hourly", mode="absolute", warning_value=100, alarm_value=160,
                          effective_from=at(14), now=at(14))
    assert DustThreshold.objects.filter(parameter="pm10", period="hourly").count() == 2
    html = page(login("xiashan")).content.decode()
    table = html.split(f'id="dust-alarms-{with_data.pk}"', 1)[1].split("</table>", 1)[0]
    assert "第1版" in table and "第2版" not in table
