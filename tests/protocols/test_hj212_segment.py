"""Data segment parsing: header fields, Flag bits, CP factors and fields, DataTime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sitewatch.protocols.hj212 import (
    BadPacket,
    CrcVariant,
    DataUpload,
    Heartbeat,
    Packet,
    build_frame,
    crc_for,
    format_crc,
    parse_hj_time,
    parse_segment,
)

from .hj212_support import SHANGHAI, first_event


def raw_frame(segment: bytes) -> bytes:
    """A frame around bytes that need not be UTF-8 (build_frame takes text)."""
    return b"##%04d%b%s" % (len(segment), segment, format_crc(crc_for(segment, CrcVariant.STANDARD)).encode())


def upload(cp: str, *, header: str = "QN=20240506100000000;ST=39;CN=2011;PW=123456;MN=M1;Flag=5", **options):
    return first_event(build_frame(f"{header};CP=&&{cp}&&"), **options)


def test_flag_bit_a_means_an_answer_is_needed():
    assert upload("DataTime=20240506100000", header="QN=1;ST=39;CN=2011;MN=M1;Flag=5").needs_answer
    assert not upload("DataTime=20240506100000", header="QN=1;ST=39;CN=2011;MN=M1;Flag=4").needs_answer


def test_flag_bit_d_means_subpackets():
    event = upload("DataTime=20240506100000", header="QN=1;ST=39;CN=2011;MN=M1;Flag=6")
    assert event.has_subpackets and not event.needs_answer


def test_flag_version_bits():
    assert upload("DataTime=20240506100000", header="QN=1;CN=2011;MN=M1;Flag=1").version == 0
    assert upload("DataTime=20240506100000", header="QN=1;CN=2011;MN=M1;Flag=5").version == 1
    assert upload("DataTime=20240506100000", header="QN=1;CN=2011;MN=M1;Flag=9").version == 2


def test_missing_flag_means_2005_without_answer():
    event = upload("DataTime=20240506100000", header="ST=31;CN=2011;MN=M1")
    assert event.flag is None and event.version is None and not event.needs_answer


def test_datatime_is_aware_in_the_zone_the_caller_passes():
    event = upload("DataTime=20240506100000")
    assert event.data_time == datetime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI)
    assert event.data_time.astimezone(UTC) == datetime(2024, 5, 6, 2, 0, tzinfo=UTC)


def test_same_datatime_in_another_zone_is_another_instant():
    utc_plus_2 = timezone(timedelta(hours=2))
    event = upload("DataTime=20240506100000", zone=utc_plus_2)
    assert event.data_time.utcoffset() == timedelta(hours=2)
    assert event.data_time.astimezone(UTC).hour == 8


def test_datatime_with_milliseconds_is_accepted():
    assert upload("DataTime=20240506100000123").data_time.microsecond == 123000


def test_invalid_datatime_is_a_bad_packet_event_that_keeps_the_packet():
    event = upload("DataTime=20241306100000;a34004-Rtd=35")
    assert isinstance(event, BadPacket) and event.reason == "bad_datatime"
    assert event.packet.data_time is None and event.packet.factors["a34004"].value("Rtd") == 35.0


def test_truncated_datatime_is_a_bad_packet_event():
    assert upload("DataTime=2024050610").reason == "bad_datatime"


def test_upload_without_datatime_is_a_bad_packet_event():
    assert upload("a34004-Rtd=35").reason == "missing_datatime"


def test_factor_values_keep_the_original_string_and_a_parsed_number():
    event = upload("DataTime=20240506100000;a34004-Rtd=1.230,a34004-Flag=N,a34004-EFlag=A01")
    factor = event.factors["a34004"]
    assert factor.values == {"Rtd": "1.230", "Flag": "N", "EFlag": "A01"}
    assert factor.numbers == {"Rtd": 1.23, "Flag": None, "EFlag": None}
    assert factor.flag == "N"


def test_every_suffix_is_kept():
    suffixes = ["Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsAvg", "SampleTime", "Data", "DayData", "Info"]
    cp = "DataTime=20240506100000;" + ",".join(f"a01001-{s}=1.5" for s in suffixes)
    assert list(upload(cp).factors["a01001"].values) == suffixes


def test_cp_items_separated_by_semicolons_or_commas_and_flag_before_value():
    event = upload("DataTime=20240506100000;a34002-Flag=N;a34002-Rtd=5,a34004-Rtd=4;a34004-Flag=D")
    assert event.factors["a34002"].numbers["Rtd"] == 5.0 and event.factors["a34004"].flag == "D"


def test_unparsable_cp_items_are_kept_without_failing_the_packet():
    event = upload("DataTime=20240506100000;a34004-Rtd=35;NOIS;;LA-Rtd-Rtd=50;=7;nan-Rtd=nan")
    assert event.factors["a34004"].value("Rtd") == 35.0
    assert event.factors["LA"].values == {"Rtd-Rtd": "50"}
    assert event.factors["nan"].value("Rtd") is None
    assert event.cp.unparsed == ["NOIS", "=7"]


def test_bare_flag_in_cp_is_a_field():
    assert upload("DataTime=20240506100000;a34001-Rtd=92;Flag=N").cp.fields["Flag"] == "N"


def test_header_keeps_unknown_keys_and_tolerates_order_and_spaces():
    event = upload(
        "DataTime=20240506100000",
        header="MN= M1 ;CN=2011;QN=20240506100000000;CmdFlag=1; Flag = 5;PW=1",
    )
    assert event.mn == "M1" and event.flag == 5 and event.header["CmdFlag"] == "1"


def test_header_with_comma_and_missing_semicolon_before_cp():
    segment = parse_segment("QN=20160801085857534,ST=32;CN=2061;MN=M;Flag=5CP=&&DataTime=20160801080000&&")
    assert segment.header == {"QN": "20160801085857534", "ST": "32", "CN": "2061", "MN": "M", "Flag": "5"}
    assert segment.cp.fields == {"DataTime": "20160801080000"}


def test_zero_padded_pnum_and_pno_are_numbers():
    segment = "QN=1;ST=31;CN=2051;MN=M;PNO=0002;PNUM=0003;CP=&&DataTime=20240506100000;a-Avg=1&&"
    event = first_event(build_frame(segment))
    assert event.packet.pnum == 3 and event.packet.pno == 2


def test_packet_without_cp_is_still_an_event():
    event = first_event(build_frame("QN=1;ST=39;CN=9021;PW=1;MN=M1;USCC=91440800MA5;IMEI=86"))
    assert event.header["USCC"] == "91440800MA5" and event.cp.fields == {}


def test_unknown_cn_gives_a_generic_packet():
    event = first_event(build_frame("QN=1;ST=39;CN=3020;PW=1;MN=M1;Flag=5;CP=&&i12001-Info=1&&"))
    assert type(event) is Packet and event.cn == "3020" and event.factors["i12001"].values == {"Info": "1"}


def test_heartbeat_extension_has_its_own_event():
    assert isinstance(first_event(build_frame("QN=1;ST=39;CN=9015;PW=1;MN=M1;Flag=5;CP=&&&&")), Heartbeat)


def test_segment_without_cn_is_a_bad_segment_frame():
    event = first_event(build_frame("QN=1;ST=39;PW=1;MN=M1;Flag=5;CP=&&&&"))
    assert event.reason == "bad_segment" and event.mn == "M1"


def test_segment_without_mn_is_a_bad_segment_frame():
    assert first_event(build_frame("QN=1;ST=39;CN=2011;Flag=5;CP=&&&&")).reason == "bad_segment"


def test_utf8_segment_is_decoded():
    event = upload("DataTime=20240506100000;a34004-Rtd=3;i13004-Info=湛江")
    assert isinstance(event, DataUpload) and event.encoding == "utf-8"
    assert event.factors["i13004"].values["Info"] == "湛江"


def test_gbk_segment_from_old_das_software_is_decoded():
    segment = "QN=1;ST=39;CN=2011;MN=M1;Flag=4;CP=&&DataTime=20240506100000;i13004-Info=湛江&&".encode("gbk")
    event = first_event(raw_frame(segment))
    assert event.encoding == "gbk" and event.factors["i13004"].values["Info"] == "湛江"


def test_undecodable_segment_is_a_not_ascii_frame():
    segment = b"QN=1;ST=39;CN=2011;MN=M1;CP=&&DataTime=20240506100000;x-Info=\xff\xff\x80&&"
    assert first_event(raw_frame(segment)).reason == "not_ascii"


def test_parse_hj_time_rejects_malformed_values():
    for text in ("", "2024050610000", "20240506100000X", "20240230100000", "２０２４０５０６１０００００"):
        assert parse_hj_time(text, SHANGHAI) is None
