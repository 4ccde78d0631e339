"""The builders write what the parser reads back: queries for the platform, answers for the
device simulator."""

from __future__ import annotations

import dataclasses

import pytest

from sitewatch.protocols.gb28181.manscdp import (
    BasicParam,
    CatalogItem,
    CatalogNotify,
    CatalogResponse,
    ConfigDownloadResponse,
    DeviceInfoResponse,
    DeviceStatusResponse,
    Keepalive,
    Query,
    Resolution,
    StreamAttribute,
    VideoParamOpt,
    build_catalog_notify,
    build_catalog_response,
    build_config_download_response,
    build_device_info_response,
    build_device_status_response,
    build_keepalive,
    build_query,
    parse_manscdp,
)

from .manscdp_support import fixture

DEVICE = "44080200441180000001"


@pytest.mark.parametrize("cmd_type", ["Catalog", "DeviceInfo", "DeviceStatus"])
def test_query_round_trips(cmd_type):
    body = build_query(cmd_type, sn=42, device_id=DEVICE)
    assert parse_manscdp(body) == Query(cmd_type, DEVICE, 42)


def test_query_declares_gb2312_and_uses_crlf():
    body = build_query("Catalog", sn=1, device_id=DEVICE)
    assert body.startswith(b'<?xml version="1.0" encoding="GB2312"?>\r\n<Query>\r\n<CmdType>Catalog</CmdType>\r\n')
    assert body.endswith(b"</Query>\r\n") and b"\n" not in body.replace(b"\r\n", b"")


def test_config_download_query_joins_several_types():
    as_list = build_query("ConfigDownload", sn=3, device_id=DEVICE, config_type=["BasicParam", "VideoParamOpt"])
    as_text = build_query("ConfigDownload", sn=3, device_id=DEVICE, config_type="BasicParam/VideoParamOpt")
    assert as_list == as_text
    assert b"<ConfigType>BasicParam/VideoParamOpt</ConfigType>" in as_list
    assert parse_manscdp(as_list).config_types == ("BasicParam", "VideoParamOpt")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("Alarm",), {}),
        (("ConfigDownload",), {}),
        (("Catalog",), {"config_type": "BasicParam"}),
        (("Catalog",), {"encoding": "big5"}),
        (("Catalog",), {"device_id": " "}),
    ],
)
def test_query_builder_refuses_what_it_cannot_send(args, kwargs):
    kwargs = {"sn": 1, "device_id": DEVICE, **kwargs}
    with pytest.raises(ValueError):
        build_query(*args, **kwargs)


def test_utf8_option_declares_and_encodes_utf8():
    body = build_device_info_response(DEVICE, 1, device_name="工地东门", encoding="UTF-8")
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and "工地东门".encode() in body
    assert parse_manscdp(body).device_name == "工地东门"


def test_gb2312_declared_body_carries_gb2312_bytes_and_rare_characters():
    body = build_device_info_response(DEVICE, 1, device_name="萳山工地东门")
    assert "工地东门".encode("gb2312") in body  # GB2312 characters as GB2312 bytes
    assert parse_manscdp(body).device_name == "萳山工地东门"  # and 萳 (not GB2312) survives


def test_keepalive_round_trips_with_faulty_channels():
    body = build_keepalive(DEVICE, 9, info=["44080200441320000001", "44080200441320000002"])
    assert parse_manscdp(body) == Keepalive(DEVICE, 9, "OK", None, ("44080200441320000001", "44080200441320000002"))


def test_keepalive_without_faults_has_no_info():
    body = build_keepalive(DEVICE, 9, status="ERROR")
    assert b"<Info>" not in body and parse_manscdp(body) == Keepalive(DEVICE, 9, "ERROR")


def test_catalog_response_round_trips_items_read_from_real_fixtures():
    items = (
        parse_manscdp(fixture("owl_11_catalog_response.xml")).items
        + parse_manscdp(fixture("srs_nvr_catalog_response_gb2312.xml")).items
        + parse_manscdp(fixture("owl_11_catalog_tree_utf8.xml")).items
    )
    body = build_catalog_response(DEVICE, 77, 20, items)
    assert parse_manscdp(body) == CatalogResponse(DEVICE, 77, 20, items, len(items))


def test_hand_built_item_round_trips():
    item = CatalogItem(
        "44080200441320000001", name="塔吊 A&B <北>", manufacturer="Hikvision", status="ON", parental=0,
        longitude=110.359, latitude=21.27, port=5060, ip_address="10.0.0.7",
        resolution=(Resolution(1920, 1080, 6), Resolution(704, 576, 4)), ptz_type=3,
        extra={"Secrecy": "0", "Info/StreamNumberList": "0/1", "Vendor/Deep": "x"},
    )
    assert (item.status_raw, item.resolution_raw) == ("ON", "6/4")
    body = build_catalog_response(DEVICE, 5, 1, [item])
    assert parse_manscdp(body).items == (item,)


def test_catalog_notify_round_trips_events():
    items = (CatalogItem("44080200441320000001", event="OFF"), CatalogItem("44080200441320000002", event="VLOST"))
    body = build_catalog_notify(DEVICE, 8, 2, items)
    assert parse_manscdp(body) == CatalogNotify(DEVICE, 8, 2, items, 2)


def test_empty_catalog_round_trips():
    assert parse_manscdp(build_catalog_response(DEVICE, 1, 0, [])) == CatalogResponse(DEVICE, 1, 0, (), 0)


def test_device_info_round_trips():
    body = build_device_info_response(DEVICE, 11, device_name="NVR 东门", manufacturer="Hikvision",
                                      model="DS-7916N-R4", firmware="V4.72.107", channel=16,
                                      extra={"DeviceType": "NVR"})
    assert parse_manscdp(body) == DeviceInfoResponse(DEVICE, 11, "OK", "NVR 东门", "Hikvision", "DS-7916N-R4",
                                                     "V4.72.107", 16, {"DeviceType": "NVR"})


def test_device_status_round_trips():
    body = build_device_status_response(DEVICE, 12, online="OFFLINE", status="ERROR", reason="硬盘故障",
                                        encode="ON", record="OFF", device_time="2026-11-25T10:00:00")
    assert parse_manscdp(body) == DeviceStatusResponse(DEVICE, 12, "OK", "OFFLINE", "ERROR", "硬盘故障", "ON", "OFF",
                                                       "2026-11-25T10:00:00")


def test_config_download_round_trips_every_block():
    basic = BasicParam(name="工地东门", expiration=3600, heart_beat_interval=60, heart_beat_count=3,
                       extra={"PositionCapability": "0"})
    opt = VideoParamOpt(download_speed="1/2/4", resolutions=(Resolution(704, 576, 4), Resolution(1920, 1080, 6)))
    streams = (
        StreamAttribute(0, "5", Resolution(2560, 1440), frame_rate=25, bit_rate_type="2"),
        StreamAttribute(1, "2", Resolution(704, 576, 4), frame_rate=25, bit_rate_type="1", video_bit_rate=1024),
    )
    body = build_config_download_response(DEVICE, 13, basic_param=basic, video_param_opt=opt,
                                           video_param_attribute=streams)
    assert b'<VideoParamAttribute Num="2">' in body
    assert parse_manscdp(body) == ConfigDownloadResponse(DEVICE, 13, "OK", basic, opt, streams)


def test_config_download_fixtures_round_trip():
    for name in ("synthetic_2022_config_download_video_param_attribute.xml",
                 "synthetic_2016_config_download_basic_video_param_opt.xml", "owl_11_config_download_basic.xml"):
        parsed = parse_manscdp(fixture(name))
        body = build_config_download_response(parsed.device_id, parsed.sn, basic_param=parsed.basic_param,
                                              video_param_opt=parsed.video_param_opt,
                                              video_param_attribute=parsed.video_param_attribute)
        assert parse_manscdp(body) == dataclasses.replace(parsed, extra={}), name
