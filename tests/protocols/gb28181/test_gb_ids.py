"""The 20-digit GB/T 28181 id: fields, names, and what is refused."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.ids import GbId, InvalidGbId, is_admin_node, is_gb_id, parse_gb_id


def test_id_splits_into_the_appendix_d_fields():
    gb = parse_gb_id("44080200441320000017")
    assert gb == GbId(
        text="44080200441320000017",
        centre="44080200",
        province="44",
        city="08",
        county="02",
        industry="44",
        type_code="132",
        network="0",
        serial="000017",
    )


def test_codes_derived_from_the_centre_follow_gb_t_2260():
    gb = parse_gb_id("44080200441320000017")
    assert (gb.province_code, gb.city_code, gb.district_code) == ("440000", "440800", "440802")


def test_sip_domain_is_the_first_ten_digits():
    assert parse_gb_id("34020000002000000001").domain == "3402000000"


@pytest.mark.parametrize(
    ("text", "name", "category"),
    [
        ("34020000001110000001", "DVR", "前端主设备"),
        ("34020000001180000001", "网络视频录像机(NVR)", "前端主设备"),
        ("34020000001300000001", "混合硬盘录像机(HVR)", "前端主设备"),
        ("34020000001310000001", "摄像机", "前端外围设备"),
        ("34020000001320000001", "网络摄像机(IPC)", "前端外围设备"),
        ("34020000002000000001", "中心信令控制服务器", "平台设备"),
        ("34020000002150000001", "业务分组", "平台设备"),
        ("34020000002160000001", "虚拟组织", "平台设备"),
    ],
)
def test_type_code_has_its_chinese_name_and_category(text, name, category):
    gb = parse_gb_id(text)
    assert (gb.type_name, gb.type_category) == (name, category)


def test_unlisted_type_code_has_no_name():
    gb = parse_gb_id("34020000009990000001")
    assert (gb.type_name, gb.type_category) == (None, None)


def test_construction_industry_code_is_named():
    assert parse_gb_id("44080200441320000017").industry_name == "建筑业接入"


def test_business_group_and_virtual_organisation_are_catalog_groups():
    assert parse_gb_id("34020000002150000001").is_catalog_group
    assert parse_gb_id("34020000002160000001").is_catalog_group
    assert not parse_gb_id("34020000001320000001").is_catalog_group


def test_surrounding_whitespace_is_ignored():
    assert parse_gb_id("  34020000001320000001\r\n").text == "34020000001320000001"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "3402000000132000000",  # 19 digits
        "340200000013200000011",  # 21 digits
        "3402000000132000000A",
        "3402000000 132000000",
        "３４０２００００００１３２００００００１",  # full-width digits: isdigit() would accept them
        "34020000001320000001\x00",
    ],
)
def test_anything_but_twenty_ascii_digits_is_refused(text):
    with pytest.raises(InvalidGbId):
        parse_gb_id(text)


def test_refusal_message_is_chinese_and_english_and_a_value_error():
    with pytest.raises(ValueError, match="20位数字") as caught:
        parse_gb_id("12345")
    assert "20 ASCII digits" in str(caught.value)


def test_non_string_is_refused_with_the_same_error():
    with pytest.raises(InvalidGbId):
        parse_gb_id(None)  # type: ignore[arg-type]


def test_is_gb_id_agrees_with_the_parser():
    assert is_gb_id(" 34020000001320000001 ")
    assert not is_gb_id("3402000000132000000")
    assert not is_gb_id(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["44", "4408", "440802", "44080200", " 340200 "])
def test_two_to_eight_digit_ids_are_administrative_nodes(text):
    assert is_admin_node(text)


@pytest.mark.parametrize("text", ["4", "440", "4408020", "4408020044", "34020000001320000001", "44a8", ""])
def test_other_lengths_are_not_administrative_nodes(text):
    assert not is_admin_node(text)
