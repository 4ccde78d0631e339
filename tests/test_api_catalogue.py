"""Firms and the device-model catalogue."""

from __future__ import annotations

import pytest

from sitewatch.registry.models import DeviceModel, Firm
from tests.test_api_support import Api, messages


@pytest.fixture
def city(db):
    return Api.as_user("city")


def firm(**overrides) -> dict:
    data = {"credit_code": "91440800MA56000001", "name": "湛江新城建设有限公司", "is_contractor": True,
            "contact_name": "周工", "contact_phone": "13800009999"}
    data.update(overrides)
    return data


# --- firms ---

def test_create_firm_answers_201_with_its_roles(city):
    response = city.post("/firms", firm())
    assert response.status_code == 201
    assert (response.json()["roles"], response.json()["role_labels"]) == (["contractor"], ["施工单位"])


def test_duplicate_credit_code_is_422_in_chinese(city):
    response = city.post("/firms", firm(credit_code="91440800MA52000001"))
    assert response.status_code == 422
    assert "统一社会信用代码" in messages(response)["credit_code"]


def test_malformed_credit_code_is_422_in_chinese(city):
    assert messages(city.post("/firms", firm(credit_code="12345"))) == {
        "credit_code": "统一社会信用代码应为18位（数字或大写字母，不含I、O、Z、S、V）。"}


def test_credit_code_too_long_is_422(city):
    assert messages(city.post("/firms", firm(credit_code="9" * 19))) == {"credit_code": "长度不能超过 18 个字符。"}


def test_contractor_cannot_register_firms(db):
    assert Api.as_user("contractor").post("/firms", firm()).status_code == 403


def test_filter_firms_by_role(city):
    items = city.get("/firms", role="integrator").json()["items"]
    assert len(items) == 3 and all(f["is_integrator"] for f in items)


def test_unknown_firm_role_is_422_listing_the_roles(city):
    assert "integrator" in messages(city.get("/firms", role="painter"))["role"]


def test_filter_firms_by_keyword(city):
    items = city.get("/firms", q="监理").json()["items"]
    assert {f["name"] for f in items} == {"湛江市建设工程监理有限公司", "广东海湾工程咨询监理有限公司"}


def test_contractor_sees_only_itself_and_its_partners(db):
    names = {f["name"] for f in Api.as_user("contractor").get("/firms", page_size=500).json()["items"]}
    assert "广东粤西建工集团有限公司" in names and "湛江南方建筑工程有限公司" not in names


def test_patch_firm_adds_a_role(city):
    target = Firm.objects.get(credit_code="91440800MA52000002")
    body = city.patch(f"/firms/{target.pk}", {"is_integrator": True}).json()
    assert body["roles"] == ["contractor", "integrator"]


# --- device models ---

def test_device_model_list_has_chinese_labels(city):
    items = city.get("/device-models", kind="dust_monitor").json()["items"]
    assert {(m["kind_label"], m["brand_label"]) for m in items} == {("扬尘监测仪", "先河环保"), ("扬尘监测仪", "聚光科技")}


def test_filter_device_models_on_the_commitment_list(city):
    items = city.get("/device-models", commitment_listed="false").json()["items"]
    assert {m["model"] for m in items} == {"DM-200", "IPC6622SR-X33"}


def test_operator_registers_a_device_model(db):
    response = Api.as_user("operator").post("/device-models", {"kind": "camera", "brand": "hikvision",
                                                               "model": "DS-2DE7432IW-AE", "commitment_listed": True})
    assert response.status_code == 201
    assert DeviceModel.objects.filter(model="DS-2DE7432IW-AE", commitment_listed=True).exists()


def test_duplicate_device_model_is_422_in_chinese(city):
    response = city.post("/device-models", {"kind": "camera", "brand": "hikvision", "model": "DS-2DE4425IW-DE"})
    assert response.json()["errors"] == [{"field": None, "message": "该品牌型号已登记。"}]


def test_district_cannot_register_device_models(db):
    response = Api.as_user("xiashan").post("/device-models", {"kind": "camera", "brand": "dahua", "model": "X"})
    assert (response.status_code, response.json()["detail"]) == (403, "您没有权限执行此操作。")


def test_patch_device_model_lists_it_for_commitment(city):
    target = DeviceModel.objects.get(model="DM-200")
    assert city.patch(f"/device-models/{target.pk}", {"commitment_listed": True}).json()["commitment_listed"] is True
