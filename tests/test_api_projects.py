"""Districts and projects: the contract other systems rely on, scope, filters, paging, errors."""

from __future__ import annotations

import pytest

from sitewatch.registry.models import Firm, Project
from tests.test_api_support import Api, district_id, messages, project_id

CHIKAN_PROJECT = "赤坎区棚户区改造安置房项目"


@pytest.fixture
def city(db):
    return Api.as_user("city")


@pytest.fixture
def xiashan(db):
    return Api.as_user("xiashan")


def new_project(**overrides) -> dict:
    data = {"name": "霞山区接口测试项目", "district": district_id("霞山区"),
            "investment_cny": "2500000.50", "floor_area_m2": "320.5"}
    data.update(overrides)
    return data


# --- districts ---

def test_district_list_items_have_id_name_and_code(city):
    items = city.get("/districts").json()["items"]
    assert {"id", "name", "code"} <= set(items[0])
    assert "赤坎区" in {d["name"] for d in items}


def test_district_list_has_all_ten_districts(city):
    assert city.get("/districts").json()["count"] == 10


def test_district_read_by_id(city):
    body = city.get(f"/districts/{district_id('霞山区')}").json()
    assert (body["name"], body["code"]) == ("霞山区", "440803")


def test_districts_cannot_be_created(city):
    assert city.post("/districts", {"name": "新区", "code": "440899"}).status_code == 405


# --- the create contract ---

def test_create_project_with_decimal_strings_answers_201_with_id(xiashan):
    response = xiashan.post("/projects", new_project())
    assert response.status_code == 201
    assert Project.objects.get(pk=response.json()["id"]).name == "霞山区接口测试项目"


def test_create_project_accepts_plain_numbers(xiashan):
    response = xiashan.post("/projects", new_project(investment_cny=2500000, floor_area_m2=320.5))
    assert (response.status_code, response.json()["floor_area_m2"]) == (201, "320.50")


def test_decimals_are_output_as_strings(xiashan):
    body = xiashan.post("/projects", new_project(longitude="110.4", latitude=21.19)).json()
    assert (body["investment_cny"], body["floor_area_m2"]) == ("2500000.50", "320.50")
    assert (body["longitude"], body["latitude"]) == ("110.400000", "21.190000")


def test_must_connect_is_true_at_exactly_one_million_cny(xiashan):
    body = xiashan.post("/projects", new_project(investment_cny="1000000", floor_area_m2="10")).json()
    assert body["must_connect"] is True


def test_must_connect_is_true_at_exactly_500_square_metres(xiashan):
    body = xiashan.post("/projects", new_project(investment_cny="10", floor_area_m2="500")).json()
    assert body["must_connect"] is True


def test_must_connect_is_false_just_below_both_thresholds(xiashan):
    body = xiashan.post("/projects", new_project(investment_cny="999999.99", floor_area_m2="499.99")).json()
    assert body["must_connect"] is False


def test_must_connect_is_read_only(xiashan):
    body = xiashan.post("/projects", new_project(investment_cny="1000000", must_connect=False)).json()
    assert body["must_connect"] is True


def test_created_project_carries_optional_fields_and_chinese_labels(xiashan):
    builder = Firm.objects.get(credit_code="91440800MA51000001")
    body = xiashan.post("/projects", new_project(
        address="湛江市霞山区人民大道1号", stage="foundation_pit", status="active", builder=builder.pk,
        planned_start="2026-05-01", planned_finish="2027-05-01", manager_name="张三", manager_phone="13800001111",
    )).json()
    assert (body["stage"], body["stage_label"], body["status_label"]) == ("foundation_pit", "基坑施工", "在建")
    assert (body["builder"], body["builder_name"], body["planned_start"]) == (builder.pk, builder.name, "2026-05-01")


def test_suspended_project_need_not_connect(xiashan):
    body = xiashan.post("/projects", new_project(investment_cny="5000000", status="suspended")).json()
    assert (body["must_connect"], body["status_label"]) == (False, "停工")


# --- input errors in Chinese ---

def test_bad_decimal_is_422_with_chinese_message(xiashan):
    response = xiashan.post("/projects", new_project(investment_cny="一百万"))
    assert response.status_code == 422
    assert response.json()["detail"] == "输入有误"
    assert messages(response) == {"investment_cny": "请输入有效的数字。"}


def test_missing_fields_are_422_each_named_in_chinese(xiashan):
    response = xiashan.post("/projects", {"address": "某处"})
    assert response.status_code == 422
    assert messages(response) == {field: "此字段为必填项。"
                                  for field in ("name", "district", "investment_cny", "floor_area_m2")}


def test_unknown_enum_code_lists_the_choices_in_chinese(xiashan):
    message = messages(xiashan.post("/projects", new_project(stage="digging")))["stage"]
    assert message.startswith("取值无效，可选：") and "earthwork（出土）" in message


def test_too_long_name_is_422(xiashan):
    assert messages(xiashan.post("/projects", new_project(name="项" * 201)))["name"] == "长度不能超过 200 个字符。"


def test_negative_investment_is_refused_by_the_model_in_chinese(xiashan):
    response = xiashan.post("/projects", new_project(investment_cny="-1"))
    assert response.status_code == 422
    assert "0" in messages(response)["investment_cny"]


def test_finish_before_start_is_a_non_field_error(xiashan):
    response = xiashan.post("/projects", new_project(planned_start="2026-05-01", planned_finish="2026-04-01"))
    assert response.json()["errors"] == [{"field": None, "message": "计划竣工日期不能早于计划开工日期。"}]


def test_bad_date_is_422_in_chinese(xiashan):
    assert "日期" in messages(xiashan.post("/projects", new_project(planned_start="明天")))["planned_start"]


def test_unknown_firm_id_is_422_not_500(xiashan):
    response = xiashan.post("/projects", new_project(contractor=999999))
    assert (response.status_code, messages(response)) == (422, {"contractor": "企业不存在。"})


def test_firm_not_registered_in_the_role_is_422(xiashan):
    supervisor = Firm.objects.get(credit_code="91440800MA53000001")
    response = xiashan.post("/projects", new_project(builder=supervisor.pk))
    assert messages(response) == {"builder": f"{supervisor.name} 未登记为建设单位。"}


def test_malformed_json_is_400_in_chinese(xiashan):
    response = xiashan.post("/projects", '{"name": ', raw=True)
    assert (response.status_code, response.json()) == (400, {"detail": "请求体不是有效的 JSON。"})


def test_json_that_is_not_an_object_is_422(xiashan):
    assert xiashan.post("/projects", ["霞山区"]).status_code == 422


# --- scope ---

def test_xiashan_cannot_create_a_project_in_chikan(xiashan):
    response = xiashan.post("/projects", new_project(district=district_id("赤坎区")))
    assert response.status_code == 422
    assert messages(response) == {"district": "只能在本辖区登记项目。"}
    assert not Project.objects.filter(name="霞山区接口测试项目").exists()


def test_builder_cannot_create_projects(db):
    response = Api.as_user("builder").post("/projects", new_project())
    assert (response.status_code, response.json()) == (403, {"detail": "您没有权限执行此操作。"})


def test_chikan_project_read_as_xiashan_is_404_in_chinese(xiashan):
    response = xiashan.get(f"/projects/{project_id(CHIKAN_PROJECT)}")
    assert response.status_code == 404
    assert response.json() == {"detail": "对象不存在或不在您的管辖范围内。"}


def test_chikan_project_patch_as_xiashan_is_404(xiashan):
    response = xiashan.patch(f"/projects/{project_id(CHIKAN_PROJECT)}", {"name": "改名"})
    assert response.status_code == 404
    assert Project.objects.filter(name=CHIKAN_PROJECT).exists()


def test_chikan_project_read_as_chikan(db):
    body = Api.as_user("chikan").get(f"/projects/{project_id(CHIKAN_PROJECT)}").json()
    assert (body["name"], body["district_name"], body["must_connect"]) == (CHIKAN_PROJECT, "赤坎区", True)


def test_project_list_holds_only_the_callers_district(xiashan):
    body = xiashan.get("/projects").json()
    assert body["count"] == 3
    assert {p["district_name"] for p in body["items"]} == {"霞山区"}


def test_nonexistent_project_is_404(city):
    assert city.get("/projects/999999").status_code == 404


def test_non_numeric_id_is_422(city):
    assert city.get("/projects/abc").status_code == 422


# --- update ---

def test_patch_changes_only_the_fields_sent(xiashan):
    created = xiashan.post("/projects", new_project(address="旧地址")).json()
    body = xiashan.patch(f"/projects/{created['id']}", {"manager_name": "李四"}).json()
    assert (body["manager_name"], body["address"], body["investment_cny"]) == ("李四", "旧地址", "2500000.50")


def test_patch_recomputes_must_connect(xiashan):
    created = xiashan.post("/projects", new_project(investment_cny="10", floor_area_m2="10")).json()
    body = xiashan.patch(f"/projects/{created['id']}", {"floor_area_m2": "500"}).json()
    assert (created["must_connect"], body["must_connect"]) == (False, True)


def test_patch_cannot_move_a_project_out_of_the_district(xiashan):
    created = xiashan.post("/projects", new_project()).json()
    response = xiashan.patch(f"/projects/{created['id']}", {"district": district_id("赤坎区")})
    assert (response.status_code, messages(response)) == (422, {"district": "只能在本辖区登记项目。"})


def test_patch_with_bad_decimal_is_422(xiashan):
    created = xiashan.post("/projects", new_project()).json()
    response = xiashan.patch(f"/projects/{created['id']}", {"floor_area_m2": "很大"})
    assert messages(response) == {"floor_area_m2": "请输入有效的数字。"}


def test_put_is_not_offered(xiashan):
    created = xiashan.post("/projects", new_project()).json()
    response = xiashan.client.put(f"/api/v1/projects/{created['id']}", "{}", content_type="application/json",
                                  headers=xiashan.headers)
    assert response.status_code == 405


# --- paging ---

def test_list_answers_items_and_count(city):
    body = city.get("/projects").json()
    assert set(body) == {"items", "count"}
    assert (body["count"], len(body["items"])) == (30, 30)


def test_page_size_limits_the_items_not_the_count(city):
    body = city.get("/projects", page_size=7).json()
    assert (len(body["items"]), body["count"]) == (7, 30)


def test_pages_do_not_overlap(city):
    first = {p["id"] for p in city.get("/projects", page_size=10, page=1).json()["items"]}
    second = {p["id"] for p in city.get("/projects", page_size=10, page=2).json()["items"]}
    assert len(first | second) == 20


def test_page_past_the_end_is_empty(city):
    body = city.get("/projects", page=99).json()
    assert (body["items"], body["count"]) == ([], 30)


def test_default_page_size_is_50(city):
    assert len(city.get("/devices").json()["items"]) == 50


def test_page_size_above_500_is_422_in_chinese(city):
    response = city.get("/projects", page_size=501)
    assert (response.status_code, messages(response)) == (422, {"page_size": "不能大于 500。"})


def test_page_zero_is_422_in_chinese(city):
    assert messages(city.get("/projects", page=0)) == {"page": "不能小于 1。"}


def test_non_numeric_page_is_422_in_chinese(city):
    assert messages(city.get("/projects", page="二")) == {"page": "请输入有效的数字。"}


# --- filters ---

def test_filter_projects_by_district(city):
    body = city.get("/projects", district=district_id("赤坎区")).json()
    assert body["count"] == 3 and {p["district_name"] for p in body["items"]} == {"赤坎区"}


def test_filter_projects_by_status(city):
    body = city.get("/projects", status="suspended").json()
    assert body["count"] == 2 and {p["status"] for p in body["items"]} == {"suspended"}


def test_filter_projects_by_unknown_status_is_422(city):
    assert "取值无效" in messages(city.get("/projects", status="paused"))["status"]


def test_filter_projects_that_must_connect(city):
    items = city.get("/projects", must_connect="true").json()["items"]
    assert items and all(p["must_connect"] for p in items)


def test_filter_projects_that_need_not_connect(city):
    items = city.get("/projects", must_connect="false").json()["items"]
    assert items and not any(p["must_connect"] for p in items)


def test_filter_projects_by_keyword(city):
    body = city.get("/projects", q="人民医院").json()
    assert body["count"] == 10 and all("人民医院" in p["name"] for p in body["items"])


def test_trailing_slash_is_accepted_too(city):
    assert city.get("/projects/").json()["count"] == 30
