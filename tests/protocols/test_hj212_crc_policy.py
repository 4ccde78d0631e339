"""Vendor CRC variants: refused by default, accepted per MN or by auto-detection, and
answered in the same variant."""

from __future__ import annotations

from sitewatch.protocols.hj212 import (
    CrcVariant,
    DataUpload,
    build_answer,
    build_frame,
    crc_for,
    format_crc,
)

from .hj212_support import BY_NAME, CRLF, connection, drain, first_event, whole

MODBUS_SWAPPED = BY_NAME["rxlog_modbus_swapped"].frame  # MN 4201003, CRC A6EC
STANDARD_SAME_MN = build_frame("ST=31;CN=2011;PW=123456;MN=4201003;CP=&&DataTime=20200923111707;112-Rtd=1&&")


def _reframe(frame: bytes, variant: CrcVariant) -> bytes:
    segment = frame[6:-4]
    return frame[:-4] + format_crc(crc_for(segment, variant)).encode()


def test_vendor_crc_is_refused_by_default_and_the_variant_is_reported():
    event = first_event(MODBUS_SWAPPED + CRLF)
    assert event.reason == "bad_crc"
    assert event.detected_variant is CrcVariant.MODBUS_SWAPPED
    assert event.mn == "4201003"


def test_vendor_crc_is_accepted_when_configured_for_that_mn():
    event = first_event(MODBUS_SWAPPED + CRLF, crc_variants={"4201003": CrcVariant.MODBUS_SWAPPED})
    assert isinstance(event, DataUpload)
    assert event.crc_variant is CrcVariant.MODBUS_SWAPPED


def test_vendor_crc_configured_for_another_mn_is_refused():
    event = first_event(MODBUS_SWAPPED + CRLF, crc_variants={"88888880000001": CrcVariant.MODBUS_SWAPPED})
    assert event.reason == "bad_crc"


def test_a_different_vendor_variant_than_configured_is_refused():
    event = first_event(MODBUS_SWAPPED + CRLF, crc_variants={"4201003": CrcVariant.MODBUS})
    assert event.reason == "bad_crc" and event.detected_variant is CrcVariant.MODBUS_SWAPPED


def test_standard_crc_is_accepted_from_a_device_configured_for_a_variant():
    event = first_event(STANDARD_SAME_MN, crc_variants={"4201003": CrcVariant.MODBUS_SWAPPED})
    assert event.crc_variant is CrcVariant.STANDARD


def test_auto_detection_accepts_and_reports_each_variant():
    for variant in (CrcVariant.MODBUS, CrcVariant.MODBUS_SWAPPED, CrcVariant.STANDARD_SWAPPED):
        event = first_event(_reframe(MODBUS_SWAPPED, variant) + CRLF, auto_detect_crc=True)
        assert event.crc_variant is variant


def test_auto_detection_still_refuses_a_crc_no_variant_explains():
    event = first_event(MODBUS_SWAPPED[:-4] + b"1234" + CRLF, auto_detect_crc=True)
    assert event.reason == "bad_crc" and event.detected_variant is None


def test_none_variant_switches_the_check_off_for_that_mn_only():
    broken = MODBUS_SWAPPED[:-4] + b"0000"
    assert isinstance(first_event(broken + CRLF, crc_variants={"4201003": CrcVariant.NONE}), DataUpload)
    assert first_event(broken + CRLF, auto_detect_crc=True).reason == "bad_crc"


def test_configuration_changes_are_seen_by_a_live_connection():
    variants: dict[str, CrcVariant] = {}
    conn = connection(crc_variants=variants)
    conn.receive_data(MODBUS_SWAPPED + CRLF)
    assert drain(conn)[0].reason == "bad_crc"
    variants["4201003"] = CrcVariant.MODBUS_SWAPPED
    conn.receive_data(MODBUS_SWAPPED + CRLF)
    assert isinstance(drain(conn)[0], DataUpload)


def test_answer_to_a_vendor_crc_packet_uses_the_same_variant():
    segment = (
        "QN=20240506100000000;ST=39;CN=2011;PW=1;MN=V1;Flag=5;CP=&&DataTime=20240506100000;a34004-Rtd=3&&"
    )
    frame = _reframe(build_frame(segment).removesuffix(CRLF), CrcVariant.MODBUS_SWAPPED)
    answer = build_answer(first_event(frame, auto_detect_crc=True))
    assert answer is not None
    assert answer[-6:-2] == format_crc(crc_for(answer[6:-6], CrcVariant.MODBUS_SWAPPED)).encode()
    reparsed = whole(answer, crc_variants={"V1": CrcVariant.MODBUS_SWAPPED})[0]
    assert reparsed.cn == "9014" and reparsed.crc_variant is CrcVariant.MODBUS_SWAPPED


def test_answer_in_a_vendor_variant_fails_the_standard_check():
    segment = (
        "QN=20240506100000000;ST=39;CN=2011;PW=1;MN=V1;Flag=5;CP=&&DataTime=20240506100000;a34004-Rtd=3&&"
    )
    frame = _reframe(build_frame(segment).removesuffix(CRLF), CrcVariant.MODBUS)
    answer = build_answer(first_event(frame, auto_detect_crc=True))
    assert whole(answer)[0].reason == "bad_crc"
