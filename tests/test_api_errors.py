"""How errors become Chinese: pydantic error types, Django errors, and unique-constraint races."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sitewatch.api.errors import django_errors, field_of, integrity_errors, pydantic_message
from sitewatch.registry.models import Device, Firm
from tests.test_api_support import Api, messages, project_id


def test_missing_field_message():
    assert pydantic_message({"type": "missing", "loc": ("body", "payload", "name")}) == "此字段为必填项。"


def test_number_parsing_messages_are_one_sentence():
    for kind in ("decimal_parsing", "int_parsing", "float_parsing", "decimal_type"):
        assert pydantic_message({"type": kind}) == "请输入有效的数字。"


def test_enum_message_lists_the_expected_codes():
    error = {"type": "enum", "ctx": {"expected": "'a', 'b' or 'c'"}}
    assert pydantic_message(error) == "取值无效，可选：a、b、c。"


def test_string_too_long_message_names_the_limit():
    assert pydantic_message({"type": "string_too_long", "ctx": {"max_length": 20}}) == "长度不能超过 20 个字符。"


def test_unknown_english_error_becomes_a_generic_chinese_message():
    assert pydantic_message({"type": "something_new", "msg": "Something new"}) == "取值无效。"


def test_body_field_location_drops_the_parameter_name():
    assert field_of(("body", "payload", "investment_cny")) == "investment_cny"


def test_query_field_location_is_the_parameter():
    assert field_of(("query", "page_size")) == "page_size"


def test_django_non_field_error_has_a_null_field():
    errors = django_errors(ValidationError({"__all__": ["计划竣工日期不能早于计划开工日期。"]}))
    assert errors == [{"field": None, "message": "计划竣工日期不能早于计划开工日期。"}]


def test_django_message_list_has_a_null_field():
    assert django_errors(ValidationError("不行。")) == [{"field": None, "message": "不行。"}]


def test_sqlite_unique_violation_maps_to_the_constraint_message():
    exc = IntegrityError("UNIQUE constraint failed: registry_device.gb_device_id")
    assert integrity_errors(exc) == [{"field": "gb_device_id", "message": "该国标设备编码已被其他设备使用。"}]


def test_postgres_unique_violation_maps_to_the_constraint_message():
    exc = IntegrityError('duplicate key value violates unique constraint "device_hj212_mn_unique"')
    assert integrity_errors(exc) == [{"field": "hj212_mn", "message": "该MN已被其他设备使用。"}]


def test_unknown_integrity_error_is_a_chinese_conflict():
    assert integrity_errors(IntegrityError("something else"))[0]["message"] == "与已有记录重复，请检查后重试。"


def test_a_unique_race_lost_at_insert_answers_422_not_500(db, monkeypatch):
    # full_clean() saw no duplicate, but another writer got there first: the INSERT fails.
    monkeypatch.setattr(Device, "validate_constraints", lambda self, exclude=None: None)
    taken = Device.objects.exclude(gb_device_id=None).first().gb_device_id
    response = Api.as_user("city").post("/devices", {
        "project": project_id("霞山区棚户区改造安置房项目"), "kind": "camera", "name": "抢注球机", "gb_device_id": taken,
    })
    assert (response.status_code, messages(response)) == (422, {"gb_device_id": "该国标设备编码已被其他设备使用。"})


def test_empty_body_is_422_without_naming_internals(db):
    response = Api.as_user("city").post("/projects", "", raw=True)
    assert response.json()["errors"] == [{"field": None, "message": "缺少请求体：请提交 JSON 对象。"}]


def test_unique_column_violation_names_the_column():
    exc = IntegrityError("UNIQUE constraint failed: registry_firm.credit_code")
    assert integrity_errors(exc) == [{"field": "credit_code", "message": "该统一社会信用代码已被使用。"}]


def test_check_constraint_violation_maps_to_its_message():
    exc = IntegrityError('new row for relation "registry_project" violates check constraint "project_finish_after_start"')
    assert integrity_errors(exc) == [{"field": None, "message": "计划竣工日期不能早于计划开工日期。"}]


def test_a_unique_column_race_lost_at_insert_answers_422_not_500(db, monkeypatch):
    monkeypatch.setattr(Firm, "validate_unique", lambda self, exclude=None: None)
    response = Api.as_user("city").post("/firms", {"credit_code": "91440800MA52000001", "name": "抢注公司"})
    assert (response.status_code, messages(response)) == (422, {"credit_code": "该统一社会信用代码已被使用。"})
