"""The video pages: the project page's 视频监控设备 section, the device page with its 上下线记录,
and 未登记设备 — all through the Scope, with the stream-resolution verdicts and Beijing times."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sitewatch.monitoring.gb28181 import (
    ChannelReport,
    gb_catalog_received,
    gb_device_facts,
    gb_device_registered,
    gb_devices_lost,
    gb_keepalives,
    gb_stream_resolution,
)
from sitewatch.monitoring.models import Channel
from sitewatch.monitoring.services import unregistered_seen
from sitewatch.registry.models import Device, District, MonitoringPoint, Project
from sitewatch.web.video import MAIN_MINIMUM, SUB_MINIMUM, resolution_verdict

pytestmark = pytest.mark.django_db

XIASHAN_HOUSING = "霞山区棚户区改造安置房项目"
CHIKAN_HOUSING = "赤坎区棚户区改造安置房项目"
T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The pages judge registrations against `now`: five minutes after the NVR came up."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: T0 + dt.timedelta(minutes=5))


def nvr_of(project_name: str) -> Device:
    return Device.objects.get(project__name=project_name, kind="nvr")


def channel_id(nvr: Device, i: int) -> str:
    return f"{nvr.gb_device_id[:10]}13100000{i:02d}"


def bring_up(nvr: Device, *, channels: int = 3, statuses: list[str] | None = None, at: dt.datetime = T0) -> None:
    """Register the NVR, report its facts and a catalogue of `channels` channels, keep it alive."""
    gb_device_registered(device_id=nvr.pk, at=at, transport="udp", contact_address="10.1.2.3:5060",
                         expires_at=at + dt.timedelta(hours=1))
    gb_device_facts(device_id=nvr.pk, at=at, manufacturer="Hikvision", model="DS-7808N-R2", firmware="V4.61.005",
                    channel_count=8)
    statuses = statuses or ["ON"] * channels
    gb_catalog_received(device_id=nvr.pk, at=at, complete=True, items=[
        ChannelReport(gb_channel_id=channel_id(nvr, i), name=f"通道{i:02d}", status=status)
        for i, status in enumerate(statuses, 1)])
    gb_keepalives(seen={nvr.pk: at + dt.timedelta(minutes=1)})


def resolution(nvr: Device, i: int, main, sub, at: dt.datetime = T0) -> None:
    assert gb_stream_resolution(device_id=nvr.pk, gb_channel_id=channel_id(nvr, i), at=at, main=main, sub=sub)


@pytest.fixture
def xiashan_nvr() -> Device:
    nvr = nvr_of(XIASHAN_HOUSING)
    bring_up(nvr)
    resolution(nvr, 1, (1920, 1080), (704, 576))
    resolution(nvr, 2, (1280, 720), (640, 480))
    # channel 3: never asked, resolution unknown
    return nvr


@pytest.fixture
def chikan_nvr() -> Device:
    nvr = nvr_of(CHIKAN_HOUSING)
    bring_up(nvr, channels=1)
    Channel.objects.filter(device=nvr).update(name="赤坎机密通道")
    return nvr


def project_page(client, name: str = XIASHAN_HOUSING):
    return client.get(reverse("web:project_detail", args=[Project.objects.get(name=name).pk]))


def device_page(client, device: Device, **params):
    return client.get(reverse("web:device_detail", args=[device.pk]), params)


def section(html: str, element_id: str, end: str = "</table>") -> str:
    return html.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def channel_row(html: str, nvr: Device, i: int) -> str:
    pk = Channel.objects.get(device=nvr, gb_channel_id=channel_id(nvr, i)).pk
    return section(html, f"channel-{pk}", "</tr>")


def verdicts(row: str) -> dict[str, str]:
    return dict(re.findall(r'data-stream="(main|sub)">([^<]+)<', row))


def tbody_rows(html: str, table_id: str) -> list[str]:
    body = section(html, table_id).split("<tbody>", 1)[1]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)


# --- the verdict rule ---

@pytest.mark.parametrize(("text", "minimum", "code"), [
    ("1920x1080", MAIN_MINIMUM, "pass"),  # ≥ includes the number
    ("2560x1440", MAIN_MINIMUM, "pass"),
    ("1080x1920", MAIN_MINIMUM, "pass"),  # corridor mode
    ("1919x1080", MAIN_MINIMUM, "fail"),
    ("1280x720", MAIN_MINIMUM, "fail"),
    ("704x576", SUB_MINIMUM, "pass"),
    ("704x575", SUB_MINIMUM, "fail"),
    ("640x480", SUB_MINIMUM, "fail"),
    ("", MAIN_MINIMUM, "unknown"),
    ("", SUB_MINIMUM, "unknown"),
])
def test_resolution_verdict_against_the_minimums(text, minimum, code):
    assert resolution_verdict(text, minimum).code == code


# --- the project page ---

def test_project_page_shows_the_nvr_online_with_keepalive_facts_and_registration(login, xiashan_nvr):
    html = project_page(login("xiashan")).content.decode()
    row = section(html, "video-devices").split(f'href="/devices/{xiashan_nvr.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert f'id="video-state-{xiashan_nvr.pk}">在线<' in row
    assert "2026-11-25 10:01:00" in row  # the keepalive at 02:01 UTC, in Beijing time
    assert "Hikvision DS-7808N-R2" in row and "固件 V4.61.005" in row
    assert "上报 8 路，目录 3 个" in row
    assert "已注册" in row and "UDP 10.1.2.3:5060" in row


def test_expired_registration_is_said_so(login, xiashan_nvr, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: T0 + dt.timedelta(hours=2))
    html = section(project_page(login("xiashan")).content.decode(), "video-devices")
    assert "注册已过期" in html


def test_project_page_shows_an_offline_nvr_as_offline(login, xiashan_nvr):
    gb_devices_lost(device_ids=[xiashan_nvr.pk], at=T0 + dt.timedelta(minutes=5))
    html = project_page(login("xiashan")).content.decode()
    assert f'id="video-state-{xiashan_nvr.pk}">离线<' in html


def test_channel_resolutions_are_judged_pass_fail_or_unknown(login, xiashan_nvr):
    html = project_page(login("xiashan")).content.decode()
    assert verdicts(channel_row(html, xiashan_nvr, 1)) == {"main": "达标", "sub": "达标"}
    assert verdicts(channel_row(html, xiashan_nvr, 2)) == {"main": "不达标", "sub": "不达标"}
    assert verdicts(channel_row(html, xiashan_nvr, 3)) == {"main": "未知", "sub": "未知"}
    assert "1280×720" in channel_row(html, xiashan_nvr, 2)


def test_project_page_counts_the_failing_streams(login, xiashan_nvr):
    html = project_page(login("xiashan")).content.decode()
    assert "分辨率不达标：主码流 1 个通道，子码流 1 个通道。" in html
    assert "1 个通道尚未获取分辨率" in html


def test_channel_row_shows_resolution_source_and_beijing_time(login, xiashan_nvr):
    row = channel_row(project_page(login("xiashan")).content.decode(), xiashan_nvr, 1)
    assert "设备配置查询" in row and "2026-11-25 10:00:00" in row


def test_channel_shows_its_point_or_unassigned(login, xiashan_nvr):
    point = MonitoringPoint.objects.get(project=xiashan_nvr.project, name="基坑球机")
    Channel.objects.filter(device=xiashan_nvr, gb_channel_id=channel_id(xiashan_nvr, 1)).update(point=point)
    html = project_page(login("xiashan")).content.decode()
    assert "基坑球机" in channel_row(html, xiashan_nvr, 1)
    assert "未分配点位" in channel_row(html, xiashan_nvr, 2)


def test_channel_point_of_another_project_is_not_named(login, xiashan_nvr):
    foreign = MonitoringPoint.objects.filter(project__name=CHIKAN_HOUSING).first()
    Channel.objects.filter(device=xiashan_nvr, gb_channel_id=channel_id(xiashan_nvr, 1)).update(point=foreign)
    row = channel_row(project_page(login("city")).content.decode(), xiashan_nvr, 1)
    assert "点位有误" in row and foreign.name not in row


def test_channel_catalogue_status_and_online_in_chinese(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    bring_up(nvr, statuses=["ON", "OFF", "VLOST", "DEFECT"])
    html = project_page(login("xiashan")).content.decode()
    for i, label, online in ((1, "在线", "在线"), (2, "离线", "离线"), (3, "视频丢失", "离线"), (4, "故障", "离线")):
        row = channel_row(html, nvr, i)
        assert f'<td data-label="目录状态">{label}</td>' in row
        assert f">{online}</span></td>" in row


def test_never_registered_camera_is_listed_as_not_connected(login, xiashan_nvr):
    camera = Device.objects.filter(project=xiashan_nvr.project, kind="camera").first()
    row = section(project_page(login("xiashan")).content.decode(), "video-devices").split(
        f'href="/devices/{camera.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert ">未接入<" in row and "从未注册" in row


def test_project_page_queries_do_not_grow_with_channels(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    client = login("xiashan")
    bring_up(nvr, channels=2)
    with CaptureQueriesContext(connection) as few:
        assert project_page(client).status_code == 200
    bring_up(nvr, channels=40)
    camera = Device.objects.filter(project=nvr.project, kind="camera").first()
    bring_up(camera, channels=10)
    with CaptureQueriesContext(connection) as many:
        html = project_page(client).content.decode()
    assert "通道 50 个" in html
    assert len(many) == len(few)


def test_xiashan_official_sees_no_video_section_data_of_chikan(login, xiashan_nvr, chikan_nvr):
    html = project_page(login("xiashan")).content.decode()
    assert "赤坎机密通道" not in html and chikan_nvr.gb_device_id not in html
    assert project_page(login("xiashan"), CHIKAN_HOUSING).status_code == 404


def test_chikan_official_sees_its_channels(login, chikan_nvr):
    assert "赤坎机密通道" in project_page(login("chikan"), CHIKAN_HOUSING).content.decode()


def test_integrator_sees_only_the_devices_it_installed(login, xiashan_nvr):
    """integrator_a is named on the housing projects; a device installed by another firm is not its."""
    camera = Device.objects.filter(project=xiashan_nvr.project, kind="camera").first()
    Device.objects.filter(pk=xiashan_nvr.pk).update(installer=None)
    html = section(project_page(login("integrator")).content.decode(), "video-devices")
    assert f'href="/devices/{camera.pk}/"' in html and f'href="/devices/{xiashan_nvr.pk}/"' not in html


def test_project_device_table_links_to_the_device_page(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    html = section(project_page(login("xiashan")).content.decode(), "device-table")
    assert f'<a href="/devices/{nvr.pk}/">硬盘录像机</a>' in html


# --- the device page ---

def test_device_page_shows_registration_channels_and_verdicts(login, xiashan_nvr):
    response = device_page(login("xiashan"), xiashan_nvr)
    assert response.status_code == 200
    html = response.content.decode()
    registration = section(html, "gb-registration", "</section>")
    assert "10.1.2.3:5060" in registration and "V4.61.005" in registration and "已注册" in registration
    assert "2026-11-25 11:00:00" in registration  # expires one hour after 10:00 Beijing time
    assert verdicts(channel_row(html, xiashan_nvr, 2)) == {"main": "不达标", "sub": "不达标"}
    assert verdicts(channel_row(html, xiashan_nvr, 3)) == {"main": "未知", "sub": "未知"}


def test_device_page_flip_history_is_newest_first_with_reasons_in_chinese(login, xiashan_nvr):
    gb_devices_lost(device_ids=[xiashan_nvr.pk], at=T0 + dt.timedelta(hours=1, minutes=30))
    rows = tbody_rows(device_page(login("xiashan"), xiashan_nvr).content.decode(), "flip-table")
    # 3 channels and the NVR came up, then went down: 8 flips.
    assert len(rows) == 8
    assert "2026-11-25 11:30:00" in rows[0] and "2026-11-25 10:00:00" in rows[-1]
    reasons = [re.search(r'data-label="原因">([^<]+)<', row).group(1) for row in rows]
    assert reasons.count("心跳超时") == 1 and reasons.count("上级设备离线") == 3
    assert "设备注册" in reasons and "目录状态在线" in reasons
    device_rows = [row for row in rows if "设备本身" in row]
    assert ">下线<" in device_rows[0] and ">上线<" in device_rows[1] and "（首次）" in device_rows[1]


def test_device_page_flip_history_has_50_a_page(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    at = T0
    gb_device_registered(device_id=nvr.pk, at=at, transport="tcp", contact_address="10.1.2.3:5060",
                         expires_at=at + dt.timedelta(days=1))
    for _ in range(60):  # 1 + 120 flips
        at += dt.timedelta(minutes=10)
        gb_devices_lost(device_ids=[nvr.pk], at=at)
        gb_device_registered(device_id=nvr.pk, at=at + dt.timedelta(minutes=1), transport="tcp",
                             contact_address="10.1.2.3:5060", expires_at=at + dt.timedelta(days=1))
    client = login("xiashan")
    first = device_page(client, nvr)
    assert first.context["page_obj"].paginator.count == 121
    assert len(tbody_rows(first.content.decode(), "flip-table")) == 50
    assert "第 1 / 3 页" in first.content.decode()
    last = device_page(client, nvr, page=3).content.decode()
    rows = tbody_rows(last, "flip-table")
    assert len(rows) == 21 and "2026-11-25 10:00:00" in rows[-1]


def test_device_page_of_another_district_is_404(login, chikan_nvr):
    response = device_page(login("xiashan"), chikan_nvr)
    assert response.status_code == 404
    assert "赤坎机密通道" not in response.content.decode()
    assert device_page(login("chikan"), chikan_nvr).status_code == 200


def test_device_page_of_missing_device_is_404(login):
    assert login("city").get(reverse("web:device_detail", args=[10**9])).status_code == 404


def test_device_page_of_a_dust_monitor_has_flips_but_no_video_sections(login):
    from sitewatch.monitoring.services import devices_seen

    dust = Device.objects.get(project__name=XIASHAN_HOUSING, kind="dust_monitor")
    devices_seen(seen={dust.pk: T0})
    html = device_page(login("xiashan"), dust).content.decode()
    assert 'id="gb-registration"' not in html and dust.hj212_mn in html
    assert "收到数据" in tbody_rows(html, "flip-table")[0]


def test_device_page_never_shows_passwords(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    Device.objects.filter(pk=nvr.pk).update(gb_password="GB-secret-4711")
    assert "secret-4711" not in device_page(login("city"), nvr).content.decode()


def test_device_list_links_to_the_device_page(login):
    nvr = nvr_of(XIASHAN_HOUSING)
    html = login("xiashan").get(reverse("web:device_list"), {"kind": "nvr"}).content.decode()
    assert f'<a href="/devices/{nvr.pk}/">硬盘录像机</a>' in html


@pytest.mark.parametrize("name", ["device_detail", "unregistered_list"])
def test_anonymous_user_is_sent_to_login(client, name):
    url = reverse(f"web:{name}", args=[nvr_of(XIASHAN_HOUSING).pk] if name == "device_detail" else [])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


# --- 未登记设备 ---

@pytest.fixture
def strangers() -> dict[str, str]:
    xiashan, chikan = District.objects.get(name="霞山区"), District.objects.get(name="赤坎区")
    rows = {
        "xiashan_gb": ("gb28181", "44080300001320000999", xiashan.pk, "REGISTER sip:xiashan-sample"),
        "xiashan_hj": ("hj212", "88440803XIASHAN0001", xiashan.pk, "##0101QN=xiashan-hj212-sample"),
        "chikan_gb": ("gb28181", "44080200001320000999", chikan.pk, "REGISTER sip:chikan-sample"),
        "nowhere": ("hj212", "NOWHERE-MN-0001", None, "##nowhere-sample"),
    }
    for n, (protocol, identifier, district, sample) in enumerate(rows.values()):
        unregistered_seen(protocol=protocol, identifier=identifier, reason="unknown", remote_address="10.9.9.9:5060",
                          at=T0 + dt.timedelta(minutes=n), sample=sample, district_id=district, count=3)
    return {key: value[1] for key, value in rows.items()}


def unregistered(client, **params):
    return client.get(reverse("web:unregistered_list"), params)


def test_district_official_sees_only_its_own_unregistered_devices(login, strangers):
    html = unregistered(login("xiashan")).content.decode()
    assert strangers["xiashan_gb"] in html and strangers["xiashan_hj"] in html
    assert strangers["chikan_gb"] not in html and "chikan-sample" not in html
    assert strangers["nowhere"] not in html


@pytest.mark.parametrize("username", ["city", "operator"])
def test_city_and_operator_see_every_unregistered_device(login, strangers, username):
    html = unregistered(login(username)).content.decode()
    assert all(identifier in html for identifier in strangers.values())
    assert "无法推定" in html


def test_unregistered_row_shows_its_columns_and_the_sample_on_demand(login, strangers):
    rows = tbody_rows(unregistered(login("xiashan"), protocol="gb28181").content.decode(), "unregistered-table")
    assert len(rows) == 1
    row = rows[0]
    for text in (strangers["xiashan_gb"], "GB/T 28181", "未登记的设备标识", "霞山区", "10.9.9.9:5060",
                 "2026-11-25 10:00:00", ">3<"):
        assert text in row, text
    assert '<details class="sample"><summary>查看报文</summary><pre>REGISTER sip:xiashan-sample</pre></details>' in row


def test_unregistered_sample_hides_the_hj212_password(login):
    unregistered_seen(protocol="hj212", identifier="88440803WRONGPW0001", reason="bad_password",
                      remote_address="10.9.9.8:4001", at=T0, district_id=District.objects.get(name="霞山区").pk,
                      sample="##0101QN=20261125100000000;ST=22;CN=2011;PW=Secret-4711;MN=88440803WRONGPW0001;CP=&&&&")
    html = unregistered(login("xiashan")).content.decode()
    assert "Secret-4711" not in html
    assert "CN=2011;PW=******;MN=88440803WRONGPW0001" in html and "密码错误" in html


def test_unregistered_devices_filter_by_protocol(login, strangers):
    html = unregistered(login("city"), protocol="hj212").content.decode()
    assert strangers["xiashan_hj"] in html and strangers["nowhere"] in html
    assert strangers["xiashan_gb"] not in html and strangers["chikan_gb"] not in html


def test_unknown_protocol_gets_a_chinese_message(login, strangers):
    response = unregistered(login("city"), protocol="modbus")
    assert response.status_code == 400 and "所选协议无效" in response.content.decode()


@pytest.mark.parametrize("username", ["contractor", "builder", "supervisor", "integrator"])
def test_firms_get_403_with_a_chinese_message(login, strangers, username):
    response = unregistered(login(username))
    assert response.status_code == 403
    html = response.content.decode()
    assert "未登记设备仅限市住建局、县（市、区）住建主管部门和平台运维单位查看" in html
    assert strangers["xiashan_gb"] not in html


def nav(html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)


@pytest.mark.parametrize("username", ["city", "operator", "xiashan"])
def test_unregistered_link_in_navigation_for_those_who_may_read(login, username):
    assert '<a href="/unregistered/">未登记设备</a>' in nav(login(username).get("/").content.decode())


@pytest.mark.parametrize("username", ["contractor", "integrator"])
def test_no_unregistered_link_for_firms(login, username):
    assert "/unregistered/" not in nav(login(username).get("/").content.decode())


def test_unregistered_link_is_marked_on_its_page(login):
    links = nav(unregistered(login("xiashan")).content.decode())
    assert '<a href="/unregistered/" aria-current="page">未登记设备</a>' in links
