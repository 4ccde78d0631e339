"""Every MANSCDP fixture (tests/fixtures/gb28181/manscdp, sources in its SOURCES.md) parses
to the values written here."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.ids import is_admin_node, parse_gb_id
from sitewatch.protocols.gb28181.manscdp import (
    AlarmNotify,
    CatalogNotify,
    CatalogResponse,
    ConfigDownloadResponse,
    DeviceInfoResponse,
    DeviceStatusResponse,
    Keepalive,
    Query,
    Resolution,
    parse_manscdp,
)

from .manscdp_support import FIXTURE_NAMES, MANSCDP_FIXTURES, fixture

NVR_CHANNELS = tuple(f"3402000000132000000{n}" for n in (2, 3, 5, 6, 7, 8))
TREE_NAMES = ["行政区划", "视频系统", "业务分组", "虚拟组织", "摄像机"]

EXPECTED: dict[str, tuple[type, dict]] = {
    "srs_ipc_keepalive_utf8.xml": (Keepalive, {
        "device_id": "34020000001320000003", "sn": 1, "status": "OK", "info_status": None, "faulty_ids": (),
        "is_ok": True,
    }),
    "srs_nvr_keepalive_gb2312.xml": (Keepalive, {
        "device_id": "34020000001110000001", "sn": 2034, "status": "OK", "faulty_ids": NVR_CHANNELS,
    }),
    "srs_nvr_catalog_response_gb2312.xml": (CatalogResponse, {
        "device_id": "34020000001110000001", "sn": 419315752, "sum_num": 8, "list_num": 2, "items": [
            {"device_id": "34020000001320000001", "name": "Camera 01", "manufacturer": "Manufacturer",
             "model": "Camera", "owner": "Owner", "civil_code": "CivilCode", "address": "192.168.254.18",
             "parental": 0, "parent_id": None, "status": "ON", "status_raw": "ON", "event": None,
             "extra": {"SafetyWay": "0", "RegisterWay": "1", "Secrecy": "0"}},
            {"device_id": "34020000001320000002", "name": "IPCamera 02", "address": "192.168.254.14",
             "status": "OFF"},
        ],
    }),
    "srs_catalog_query.xml": (Query, {
        "cmd_type": "Catalog", "device_id": "34020000001110000001", "sn": 419315752, "config_types": (),
    }),
    "gosip_nvr_keepalive_no_declaration.xml": (Keepalive, {
        "device_id": "34020000001110000005", "sn": 67, "status": "OK", "faulty_ids": ("34020000001320000051",),
    }),
    "gosip_ds7916n_device_info.xml": (DeviceInfoResponse, {
        "device_id": "34020000001110000005", "sn": 1676965736, "result": "OK",
        "device_name": "Network Video Recorder", "manufacturer": "HIKVISION", "model": "DS-7916N-R4",
        "firmware": "V4.72.107", "channel": None,
        "extra": {"DeviceType": "DVR", "MaxCamera": "16", "MaxAlarm": "16"},
    }),
    "gosip_ipc_device_status.xml": (DeviceStatusResponse, {
        "device_id": "34020000001320000041", "sn": 1676968400, "result": "OK", "online": "ONLINE",
        "status": "OK", "reason": None, "encode": "ON", "record": "ON", "device_time": None,
    }),
    "gosip_standard_catalog_ocr.xml": (CatalogResponse, {
        "device_id": "64010000001110000001", "sn": 17430, "sum_num": 100, "list_num": 1, "items": [
            {"device_id": "64010000001330000001", "name": "Camera1", "manufacturer": "Manufacturer1",
             "model": "Model1", "owner": "Owner1", "civil_code": "CivilCode1", "address": "Address 1",
             "parental": 1, "parent_id": "64010000001110000001", "ip_address": "192.168.3.81", "port": 5060,
             # "Status1" is no status: unknown, not guessed.
             "status": None, "status_raw": "Status1", "longitude": 171.3, "latitude": None,
             "extra": {"Block": "Block 1", "SafetyWay": "0", "RegisterWay": "1", "CertNum": "CertNum 1",
                       "Certifiable": "0", "ErrCode": "400", "EndTime": "2010-11-11T19:46:17", "Secrecy": "0",
                       "Pasword": "Pasword1"}},
        ],
    }),
    "kandaoni_standard_m11_catalog.xml": (CatalogResponse, {
        "device_id": "64010000001110000001", "sn": 17430, "sum_num": None, "list_num": 2, "items": [
            {"device_id": "64010000001110000001", "name": "Camera", "status": "ON", "status_raw": "OK",
             "longitude": 71.3, "latitude": 34.2},
            {"device_id": "64010000001110000001", "name": "Camera", "status": "ON", "status_raw": "OK",
             "longitude": 171.3, "latitude": 34.2},
        ],
    }),
    "kandaoni_standard_m11_catalog_query.xml": (Query, {
        "cmd_type": "Catalog", "device_id": "64010000001110000001", "sn": 17430,
    }),
    "livegbs_device_status_query.xml": (Query, {
        "cmd_type": "DeviceStatus", "device_id": "34020000001320000264", "sn": 800293061,
    }),
    "owl_pr64_keepalive_status_in_info.xml": (Keepalive, {
        "device_id": "34020000002000000003", "sn": 730, "status": None, "info_status": "OK",
        "effective_status": "OK", "is_ok": True,
    }),
    "wvp1320_catalog_stray_end_tag.xml": (CatalogResponse, {
        "device_id": "61010500002000000001", "sn": 317343, "sum_num": 2, "list_num": 1, "items": [
            {"device_id": "61010500009994655540",
             "name": "001030010-client-b371fd2650f740d8b5b25fb3709b2765-kkkkkkkk-7-1", "status": None},
        ],
    }),
    "wvp903_hikvision_catalog_lt_in_address.xml": (CatalogResponse, {
        "device_id": "34020000001110000001", "sn": 726289, "sum_num": 1, "items": [
            {"device_id": "34020000001320000001", "name": "Camera 01", "address": "??<KP?<K?'@?'@?f/@P?<KL?",
             "status": "ON", "extra": {"SafetyWay": "0", "RegisterWay": "1", "Secrecy": "0"}},
        ],
    }),
    "owl_30_keepalive.xml": (Keepalive, {"device_id": "34020000001320000001", "sn": 1, "status": "OK"}),
    "owl_30_catalog_response.xml": (CatalogResponse, {
        "device_id": "34020000001320000001", "sn": 2, "sum_num": 1, "items": [
            {"device_id": "34020000001320000002", "name": "Fixture Camera", "owner": None, "civil_code": "340200",
             "parent_id": "34020000001320000001", "ip_address": "192.0.2.11", "port": 5060,
             "longitude": 116.397, "latitude": 39.908, "business_group_id": "34020000002150000001",
             "ptz_type": 1, "status": "ON",
             "extra": {"RegisterWay": "1", "Secrecy": "0", "Info/GrassrootsCode": "000000", "Info/PointType": "2"}},
        ],
    }),
    "owl_11_catalog_response.xml": (CatalogResponse, {
        "items": [
            {"device_id": "34020000001320000002", "resolution": (Resolution(1280, 720), Resolution(1920, 1080)),
             "resolution_raw": "5/6", "ptz_type": 1, "business_group_id": "34020000002150000001",
             "extra": {"SafetyWay": "0", "RegisterWay": "1", "Secrecy": "0", "VendorExtension": "fixture-value",
                       "Info/PositionType": "2", "Info/RoomType": "1", "Info/UseType": "1",
                       "Info/SupplyLightType": "2", "Info/DirectionType": "1", "Info/VendorCapability": "enabled"}},
        ],
    }),
    "owl_11_catalog_tree_utf8.xml": (CatalogResponse, {
        "device_id": "34020000002000000001", "sum_num": 5,
        "items": [{"name": name} for name in TREE_NAMES],
    }),
    "owl_11_catalog_tree_gb2312_derived.xml": (CatalogResponse, {
        "device_id": "34020000002000000001", "sum_num": 5,
        "items": [{"name": name} for name in TREE_NAMES],
    }),
    "owl_11_config_download_basic.xml": (ConfigDownloadResponse, {
        "device_id": "34020000001320000001", "sn": 30, "result": "OK", "video_param_opt": None,
        "video_param_attribute": [],
        "basic_param": {"name": "Fixture Device", "expiration": 3600, "heart_beat_interval": 60,
                        "heart_beat_count": 3, "extra": {"VendorParam": "retained"}},
    }),
    "owl_10_alarm_notify.xml": (AlarmNotify, {
        "device_id": "34020000001320000002", "sn": 4, "priority": "1", "method": "2",
        "time": "2024-04-01T00:30:00", "description": "motion detected",
        "extra": {"Longitude": "116.391", "Latitude": "39.907"},
    }),
    "synthetic_2022_config_download_video_param_attribute.xml": (ConfigDownloadResponse, {
        "sn": 7, "basic_param": None, "video_param_attribute": [
            {"stream_number": 0, "video_format": "5", "video_format_name": "H.265",
             "resolution": Resolution(2560, 1440), "frame_rate": 25, "bit_rate_type": "2", "video_bit_rate": None},
            {"stream_number": 1, "video_format": "2", "video_format_name": "H.264",
             "resolution": Resolution(704, 576), "resolution_raw": "4", "frame_rate": 25, "bit_rate_type": "1",
             "video_bit_rate": 1024},
            {"stream_number": 2, "resolution": Resolution(352, 288), "frame_rate": 15, "video_bit_rate": 256},
        ],
    }),
    "synthetic_2016_config_download_basic_video_param_opt.xml": (ConfigDownloadResponse, {
        "sn": 8,
        "basic_param": {"name": "工地东门", "expiration": 3600, "heart_beat_interval": 60, "heart_beat_count": 3},
        "video_param_opt": {"download_speed": "1/2/4", "resolution_raw": "4/5/6",
                            "resolutions": (Resolution(704, 576), Resolution(1280, 720), Resolution(1920, 1080))},
    }),
    "synthetic_catalog_notify_events.xml": (CatalogNotify, {
        "device_id": "44080200441180000001", "sn": 31, "sum_num": 3, "items": [
            {"device_id": "44080200441320000001", "event": "OFF", "status": None},
            {"device_id": "44080200441320000002", "event": "VLOST"},
            {"device_id": "44080200441320000003", "event": "ADD", "name": "塔吊北侧", "status": "ON",
             "parent_id": "44080200441180000001"},
        ],
    }),
}


def check(got, want: dict, where: str = "") -> None:
    for key, value in want.items():
        actual = getattr(got, key)
        if isinstance(value, list):
            assert len(actual) == len(value), f"{where}{key}: {len(actual)} entries, expected {len(value)}"
            for index, (one, expected) in enumerate(zip(actual, value, strict=True)):
                check(one, expected, f"{where}{key}[{index}].")
        elif isinstance(value, dict) and not isinstance(actual, dict):
            check(actual, value, f"{where}{key}.")
        else:
            assert actual == value, f"{where}{key}: {actual!r} != {value!r}"


def test_every_fixture_file_has_expectations_and_a_source():
    sources = (MANSCDP_FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    assert sorted(EXPECTED) == FIXTURE_NAMES
    assert [name for name in FIXTURE_NAMES if f"`{name}`" not in sources] == []


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_the_expected_values(name):
    kind, want = EXPECTED[name]
    message = parse_manscdp(fixture(name))
    assert type(message) is kind
    check(message, want)


def test_gb2312_bytes_decode_to_the_same_chinese_names_as_utf8():
    utf8 = parse_manscdp(fixture("owl_11_catalog_tree_utf8.xml"))
    gb = parse_manscdp(fixture("owl_11_catalog_tree_gb2312_derived.xml"))
    assert "行政区划".encode("gb2312") in fixture("owl_11_catalog_tree_gb2312_derived.xml")
    assert gb == utf8


def test_catalog_tree_distinguishes_admin_nodes_groups_and_channels():
    items = parse_manscdp(fixture("owl_11_catalog_tree_utf8.xml")).items
    kinds = [
        "admin" if is_admin_node(i.device_id) else "group" if parse_gb_id(i.device_id).is_catalog_group else "other"
        for i in items
    ]
    assert kinds == ["admin", "other", "group", "group", "other"]
    assert items[3].business_group_id == "34020000002150000001"  # from Info


def test_nvr_catalog_packet_count_matches_its_num_attribute():
    message = parse_manscdp(fixture("srs_nvr_catalog_response_gb2312.xml"))
    assert len(message.items) == message.list_num == 2
