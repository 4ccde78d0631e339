"""API: a device's online state and readings; the 未登记设备 list."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sitewatch.monitoring.services import unregistered_seen
from sitewatch.registry.models import Device, District
from sitewatch.telemetry.ingest import Packet, ingest
from tests.test_api_support import Api

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=SH)


@pytest.fixture
def monitor():
    device = Device.objects.filter(kind="dust_monitor", project__district__name="霞山区").first()
    for minute in range(3):
        at = AT + dt.timedelta(minutes=minute)
        ingest([Packet(mn=device.hj212_mn, password=device.hj212_password, cn="2011", received_at=at, raw="##",
                       data_time=at, values={"a34002": {"Rtd": str(290 + minute), "Flag": "N"}})])
    return device


def test_device_read_includes_online_and_last_seen(monitor):
    body = Api.as_user("xiashan").get(f"/devices/{monitor.pk}").json()
    assert body["online"] is True
    assert dt.datetime.fromisoformat(body["last_seen"]) == AT + dt.timedelta(minutes=2)


def test_device_never_heard_from_is_offline():
    device = Device.objects.filter(kind="camera", project__district__name="霞山区").first()
    body = Api.as_user("xiashan").get(f"/devices/{device.pk}").json()
    assert body["online"] is False and body["last_seen"] is None


def test_readings_in_range_with_suffixes_as_sent(monitor):
    body = Api.as_user("xiashan").get(f"/devices/{monitor.pk}/readings", since="2026-11-25T10:00:30+08:00",
                                      until="2026-11-25T11:00:00+08:00").json()
    assert [item["values"]["a34002"] for item in body["items"]] == [{"Rtd": 291.0, "Flag": "N"},
                                                                      {"Rtd": 292.0, "Flag": "N"}]
    assert body["items"][0]["data_time"] == "2026-11-25T10:01:00+08:00"
    assert body["items"][0]["cn"] == "2011"


def test_readings_of_another_districts_device_are_404(monitor):
    assert Api.as_user("chikan").get(f"/devices/{monitor.pk}/readings").status_code == 404


def test_readings_range_over_31_days_is_refused_in_chinese(monitor):
    response = Api.as_user("xiashan").get(f"/devices/{monitor.pk}/readings", since="2026-09-01T00:00:00+08:00",
                                          until="2026-11-25T00:00:00+08:00")
    assert response.status_code == 422
    assert "31天" in response.content.decode()


def test_unregistered_list_for_city_and_own_district_only():
    at = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    unregistered_seen(protocol="hj212", identifier="88888880000001", reason="unknown", remote_address="1.2.3.4:5",
                      at=at, sample="##...")
    unregistered_seen(protocol="hj212", identifier="XS-BADPW", reason="bad_password", remote_address="1.2.3.5:5",
                      at=at, sample="##...", district_id=District.objects.get(name="霞山区").pk)
    city = Api.as_user("city").get("/unregistered-devices").json()
    assert {i["identifier"] for i in city["items"]} == {"88888880000001", "XS-BADPW"}
    item = next(i for i in city["items"] if i["identifier"] == "88888880000001")
    assert item["protocol"] == "hj212" and item["remote_address"] == "1.2.3.4:5" and item["count"] == 1
    assert item["first_seen"] and item["last_seen"]
    assert [i["identifier"] for i in Api.as_user("xiashan").get("/unregistered-devices").json()["items"]] == ["XS-BADPW"]
    assert Api.as_user("chikan").get("/unregistered-devices").json()["count"] == 0
    assert Api.as_user("contractor").get("/unregistered-devices").status_code == 403
