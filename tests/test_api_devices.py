"""Devices and monitoring points: protocol ids, write-only secrets, uniqueness, integrator scope."""

from __future__ import annotations

import pytest

from sitewatch.registry.models import Device, Firm, MonitoringPoint
from tests.test_api_support import Api, messages, project_id

XIASHAN_PROJECT = "霞山区棚户区改造安置房项目"
CHIKAN_PROJECT = "赤坎区棚户区改造安置房项目"
GB_PASSWORD = "Gb-Secret-7f3a91"
HJ_PASSWORD = "Hj-Secret-2c8d44"


@pytest.fixture
def xiashan(db):
    return Api.as_user("xiashan")


def camera(**overrides) -> dict:
    data = {"project": project_id(XIASHAN_PROJECT), "kind": "camera", "name": "2号出入口球机",
            "brand": "hikvision", "gb_device_id": "44080300001329000001", "gb_password": GB_PASSWORD}
    data.update(overrides)
    return data


def dust_monitor(**overrides) -> dict:
    data = {"project": project_id(XIASHAN_PROJECT), "kind": "dust_monitor", "name": "2号扬尘监测仪",
            "hj212_mn": "88440803TEST000001", "hj212_password": HJ_PASSWORD}
    data.update(overrides)
    return data


# --- create with protocol ids ---

def test_create_camera_with_gb_ids_answers_201_with_id(xiashan):
    response = xiashan.post("/devices", camera())
    assert response.status_code == 201
    device = Device.objects.get(pk=response.json()["id"])
    assert (device.gb_device_id, device.gb_password) == ("44080300001329000001", GB_PASSWORD)


def test_create_dust_monitor_with_hj212_ids_answers_201(xiashan):
    body = xiashan.post("/devices", dust_monitor()).json()
    assert (body["hj212_mn"], body["kind"], body["kind_label"]) == ("88440803TEST000001", "dust_monitor", "扬尘监测仪")


def test_created_device_accepts_the_optional_fields(xiashan):
    point = MonitoringPoint.objects.filter(project__name=XIASHAN_PROJECT).first()
    body = xiashan.post("/devices", camera(point=point.pk, model="DS-2DE4425IW-DE", serial="SN-1",
                                           apn_card="1440803999999", ip_address="10.3.9.9")).json()
    assert (body["point"], body["point_name"], body["ip_address"]) == (point.pk, point.name, "10.3.9.9")


def test_device_response_flags_the_secrets_instead_of_showing_them(xiashan):
    body = xiashan.post("/devices", camera()).json()
    assert (body["has_gb_password"], body["has_hj212_password"]) == (True, False)
    assert "gb_password" not in body and "hj212_password" not in body


def test_secrets_appear_in_no_response_body(xiashan):
    bodies = [xiashan.post("/devices", camera()), xiashan.post("/devices", dust_monitor())]
    ids = [r.json()["id"] for r in bodies]
    for device_id in ids:
        bodies.append(xiashan.get(f"/devices/{device_id}"))
        bodies.append(xiashan.patch(f"/devices/{device_id}", {"serial": "SN-X"}))
    bodies.append(xiashan.patch(f"/devices/{ids[0]}", {"gb_password": GB_PASSWORD + "-new"}))
    bodies.append(xiashan.get("/devices", page_size=500))
    bodies.append(Api.as_user("city").get("/devices", page_size=500))
    bodies.append(xiashan.get("/devices", q="TEST"))
    for response in bodies:
        assert response.status_code in (200, 201)
        content = response.content.decode()
        assert GB_PASSWORD not in content and HJ_PASSWORD not in content


def test_demo_secrets_are_not_listed_either(db):
    content = Api.as_user("city").get("/devices", page_size=500).content.decode()
    assert "12345678" not in content and '"123456"' not in content


def test_patching_a_password_changes_it(xiashan):
    created = xiashan.post("/devices", camera()).json()
    xiashan.patch(f"/devices/{created['id']}", {"gb_password": "new-secret"})
    assert Device.objects.get(pk=created["id"]).gb_password == "new-secret"


def test_duplicate_gb_device_id_is_422_in_chinese(xiashan):
    taken = Device.objects.exclude(gb_device_id=None).first().gb_device_id
    response = xiashan.post("/devices", camera(gb_device_id=taken))
    assert response.status_code == 422
    assert messages(response) == {"gb_device_id": "该国标设备编码已被其他设备使用。"}


def test_duplicate_hj212_mn_is_422_in_chinese(xiashan):
    taken = Device.objects.exclude(hj212_mn=None).first().hj212_mn
    assert messages(xiashan.post("/devices", dust_monitor(hj212_mn=taken))) == {"hj212_mn": "该MN已被其他设备使用。"}


def test_gb_id_that_is_not_20_digits_is_422(xiashan):
    assert messages(xiashan.post("/devices", camera(gb_device_id="12345"))) == {"gb_device_id": "国标编码应为20位数字。"}


def test_gb_id_on_a_dust_monitor_is_422(xiashan):
    response = xiashan.post("/devices", dust_monitor(gb_device_id="44080300001329000002"))
    assert messages(response)["gb_device_id"] == "只有摄像机和NVR使用国标设备编码。"


def test_empty_protocol_ids_are_stored_as_null(xiashan):
    body = xiashan.post("/devices", camera(kind="router", gb_device_id="", gb_password="", name="路由器2")).json()
    assert body["gb_device_id"] is None and Device.objects.get(pk=body["id"]).gb_device_id is None


def test_unknown_device_kind_lists_the_choices(xiashan):
    assert "dust_monitor（扬尘监测仪）" in messages(xiashan.post("/devices", camera(kind="drone")))["kind"]


def test_device_in_a_project_outside_the_scope_is_422(xiashan):
    response = xiashan.post("/devices", camera(project=project_id(CHIKAN_PROJECT)))
    assert messages(response) == {"project": "项目不存在或不在您的管辖范围内。"}


def test_point_of_another_project_is_refused(xiashan):
    other = MonitoringPoint.objects.filter(project__name="霞山区滨海学校教学楼改扩建").first()
    assert messages(xiashan.post("/devices", camera(point=other.pk))) == {"point": "点位不存在或不属于该项目。"}


def test_builder_cannot_register_devices(db):
    assert Api.as_user("builder").post("/devices", camera()).status_code == 403


# --- integrator scope ---

def test_integrator_sees_only_the_devices_it_installed(db):
    integrator_a = Firm.objects.get(credit_code="91440800MA54000001")
    integrator_b = Firm.objects.get(credit_code="91440800MA54000002")
    # A device by another integrator on a project integrator_a is named on.
    Api.as_user("city").post("/devices", camera(project=project_id(CHIKAN_PROJECT), installer=integrator_b.pk,
                                                gb_device_id="44080200001329000003"))
    body = Api.as_user("integrator").get("/devices", page_size=500).json()
    assert {d["installer"] for d in body["items"]} == {integrator_a.pk}
    assert body["count"] == Device.objects.filter(installer=integrator_a).count()


def test_integrator_cannot_read_a_device_installed_by_another(db):
    other = Device.objects.exclude(installer__credit_code="91440800MA54000001").first()
    assert Api.as_user("integrator").get(f"/devices/{other.pk}").status_code == 404


def test_device_registered_by_an_integrator_names_it_as_installer(db):
    body = Api.as_user("integrator").post("/devices", camera(project=project_id(CHIKAN_PROJECT),
                                                              gb_device_id="44080200001329000004")).json()
    assert body["installer_name"] == "湛江智联安防科技有限公司"


# --- lists and filters ---

def test_device_list_is_scoped_to_the_district(xiashan):
    items = xiashan.get("/devices", page_size=500).json()["items"]
    assert items and {d["project_name"][:3] for d in items} == {"霞山区"}


def test_filter_devices_by_project(xiashan):
    items = xiashan.get("/devices", project=project_id(XIASHAN_PROJECT)).json()["items"]
    assert items and {d["project_name"] for d in items} == {XIASHAN_PROJECT}


def test_filter_devices_by_kind(xiashan):
    items = xiashan.get("/devices", kind="dust_monitor").json()["items"]
    assert len(items) == 3 and {d["kind_label"] for d in items} == {"扬尘监测仪"}


def test_filter_devices_by_keyword(xiashan):
    items = xiashan.get("/devices", q="硬盘录像机").json()["items"]
    assert len(items) == 3 and {d["kind"] for d in items} == {"nvr"}


def test_device_read_by_id(xiashan):
    created = xiashan.post("/devices", camera()).json()
    assert xiashan.get(f"/devices/{created['id']}").json()["name"] == "2号出入口球机"


# --- points ---

def test_create_point_answers_201_with_chinese_label(xiashan):
    response = xiashan.post("/points", {"project": project_id(XIASHAN_PROJECT), "kind": "pit_dome", "name": "2号基坑球机"})
    assert response.status_code == 201
    assert (response.json()["kind_label"], response.json()["status"]) == ("基坑球机", "active")


def test_duplicate_point_name_in_a_project_is_422_in_chinese(xiashan):
    response = xiashan.post("/points", {"project": project_id(XIASHAN_PROJECT), "kind": "dust", "name": "扬尘监测点"})
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["errors"]] == ["同一项目内点位名称不能重复。"]


def test_filter_points_by_project(xiashan):
    items = xiashan.get("/points", project=project_id(XIASHAN_PROJECT)).json()["items"]
    assert len(items) == 5 and {p["project_name"] for p in items} == {XIASHAN_PROJECT}


def test_point_outside_the_scope_is_404(xiashan):
    other = MonitoringPoint.objects.filter(project__name=CHIKAN_PROJECT).first()
    assert xiashan.get(f"/points/{other.pk}").status_code == 404


def test_patch_point_marks_it_removed(xiashan):
    point = MonitoringPoint.objects.filter(project__name=XIASHAN_PROJECT).first()
    body = xiashan.patch(f"/points/{point.pk}", {"status": "removed"}).json()
    assert (body["status"], body["status_label"]) == ("removed", "已拆除")
