"""Answers and requests the platform sends, re-parsed by the codec (round trip)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sitewatch.protocols.hj212 import (
    DataAnswer,
    LocalProtocolError,
    NotifyAnswer,
    Packet,
    QnSource,
    build_answer,
    build_data_answer,
    build_frame,
    build_get_time_request,
    build_history_request,
    build_login_answer,
    build_notify_answer,
    build_set_min_interval_request,
    build_set_rtd_interval_request,
    build_set_time_request,
    hj212_crc16,
)

from .hj212_support import BY_NAME, CRLF, NOW, SHANGHAI, first_event, whole

DUST_2017 = first_event(BY_NAME["libem_air_realtime_flag_first"].frame)  # Flag=5
LEGACY_2005 = first_event(BY_NAME["rxlog_2005_vendor_factors"].frame)  # no QN, no Flag


def segment_of(frame: bytes) -> str:
    return frame[6:-6].decode()


def reparse(frame: bytes) -> Packet:
    event = first_event(frame)
    assert isinstance(event, Packet), event
    return event


def test_build_frame_has_length_crc_and_crlf():
    frame = build_frame(
        "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
    )
    assert frame == b"##0101" + frame[6:107] + b"1C80\r\n"


def test_build_frame_counts_utf8_bytes():
    frame = build_frame("MN=湛江;CN=9014;CP=&&&&")
    assert frame[2:6] == b"%04d" % len("MN=湛江;CN=9014;CP=&&&&".encode())
    assert int(frame[-6:-2], 16) == hj212_crc16("MN=湛江;CN=9014;CP=&&&&".encode())


def test_data_answer_for_2017_upload_has_the_uploads_qn_in_the_header_and_flag_4():
    answer = build_data_answer(DUST_2017)
    assert (
        segment_of(answer) == "QN=20220928142812336;ST=91;CN=9014;PW=123456;MN=JSRCTD000YD107;Flag=4;CP=&&&&"
    )


def test_data_answer_round_trips_through_the_codec():
    event = reparse(build_data_answer(DUST_2017))
    assert isinstance(event, DataAnswer) and event.request_qn == DUST_2017.qn and event.flag == 4


def test_data_answer_can_repeat_the_qn_in_cp():
    answer = build_data_answer(DUST_2017, qn_in_cp=True)
    assert segment_of(answer).endswith(";Flag=4;CP=&&QN=20220928142812336&&")
    assert reparse(answer).cp.fields == {"QN": "20220928142812336"}


def test_data_answer_mirrors_the_devices_version_bits():
    device_2025 = first_event(
        build_frame("QN=1;ST=39;CN=2011;PW=1;MN=M;Flag=9;CP=&&DataTime=20240506100000&&")
    )
    assert ";Flag=8;" in segment_of(build_data_answer(device_2025))


def test_data_answer_to_a_2005_packet_with_qn_puts_it_in_cp():
    packet = first_event(
        build_frame("QN=20040516010101001;ST=32;CN=2011;PW=1;MN=M;Flag=1;CP=&&DataTime=20040516010101&&")
    )
    assert (
        segment_of(build_data_answer(packet)) == "ST=91;CN=9014;PW=1;MN=M;Flag=0;CP=&&QN=20040516010101001&&"
    )


def test_data_answer_to_a_2005_packet_without_qn_has_no_qn():
    assert (
        segment_of(build_data_answer(LEGACY_2005))
        == "ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=0;CP=&&&&"
    )
    assert isinstance(reparse(build_data_answer(LEGACY_2005)), DataAnswer)


def test_build_answer_answers_an_upload_only_when_flag_asks():
    assert build_answer(DUST_2017) == build_data_answer(DUST_2017)
    assert build_answer(first_event(BY_NAME["flash520_air_minute"].frame)) is None  # Flag=4
    assert build_answer(LEGACY_2005) is None  # no Flag


def test_build_answer_answers_time_calibration_with_9013():
    notify = first_event(BY_NAME["virtual_time_calibration"].frame)
    answer = build_answer(notify)
    assert answer == build_notify_answer(notify)
    event = reparse(answer)
    assert isinstance(event, NotifyAnswer) and event.request_qn == notify.qn


def test_build_answer_answers_heartbeat_with_9013():
    heartbeat = first_event(build_frame("QN=20240506100000000;ST=39;CN=9015;PW=1;MN=M;Flag=9;CP=&&&&"))
    assert (
        segment_of(build_answer(heartbeat)) == "QN=20240506100000000;ST=91;CN=9013;PW=1;MN=M;Flag=8;CP=&&&&"
    )


def test_build_answer_answers_login_with_9022_logon_1():
    login = first_event(BY_NAME["virtual_login"].frame)
    answer = build_answer(login)
    assert answer == build_login_answer(login)
    assert segment_of(answer) == (
        "QN=20210407112025762;ST=91;CN=9022;PW=123456;MN=DXCBZ000000005;Flag=4;CP=&&QN=20210407112025762;Logon=1&&"
    )


def test_build_answer_gives_nothing_for_answers_and_unknown_commands():
    for name in (
        "virtual_request_answer",
        "virtual_execution_result",
        "virtual_platform_data_answer",
        "appendix_a_example",
    ):
        assert build_answer(first_event(BY_NAME[name].frame)) is None


def test_qn_source_formats_now_in_the_zone_with_milliseconds():
    moment = datetime(2024, 5, 6, 2, 3, 4, 567891, tzinfo=UTC)
    assert QnSource(SHANGHAI).next(moment) == "20240506100304567"


def test_qn_source_never_repeats_within_a_millisecond_or_when_the_clock_steps_back():
    source = QnSource(SHANGHAI)
    qns = [source.next(NOW) for _ in range(3)] + [source.next(NOW - timedelta(seconds=5))]
    assert qns == ["20240506100000000", "20240506100000001", "20240506100000002", "20240506100000003"]


def test_qn_source_rejects_a_naive_now():
    with pytest.raises(LocalProtocolError):
        QnSource(SHANGHAI).next(datetime(2024, 5, 6))  # noqa: DTZ001 - the point of the test


def test_set_time_request_writes_system_time_on_the_devices_clock():
    request = build_set_time_request(
        qn="20240506100000000",
        st="39",
        mn="M1",
        pw="123456",
        time=datetime(2024, 5, 6, 2, 0, 1, tzinfo=UTC),
        zone=SHANGHAI,
    )
    assert segment_of(request.data) == (
        "QN=20240506100000000;ST=39;CN=1012;PW=123456;MN=M1;Flag=5;CP=&&SystemTime=20240506100001&&"
    )
    event = reparse(request.data)
    assert event.cn == "1012" and event.qn == request.qn and request.cn == "1012" and request.mn == "M1"


def test_get_time_request_round_trips():
    request = build_get_time_request(qn="20240506100000000", st="39", mn="M1", pw="123456", pol_id="a34004")
    assert reparse(request.data).cp.fields == {"PolId": "a34004"}


def test_rtd_interval_request_round_trips():
    request = build_set_rtd_interval_request(
        qn="20240506100000000", st="39", mn="M1", pw="123456", seconds=60
    )
    assert reparse(request.data).cp.fields == {"RtdInterval": "60"}


def test_rtd_interval_below_30_seconds_is_refused():
    with pytest.raises(LocalProtocolError):
        build_set_rtd_interval_request(qn="1", st="39", mn="M1", pw="1", seconds=10)


def test_min_interval_request_round_trips():
    request = build_set_min_interval_request(
        qn="20240506100000000", st="39", mn="M1", pw="123456", minutes=10
    )
    assert reparse(request.data).cp.fields == {"MinInterval": "10"}


def test_min_interval_that_does_not_divide_an_hour_is_refused():
    with pytest.raises(LocalProtocolError):
        build_set_min_interval_request(qn="1", st="39", mn="M1", pw="1", minutes=7)


def test_history_request_writes_begin_and_end_on_the_devices_clock():
    request = build_history_request(
        qn="20240506100000000",
        st="39",
        mn="M1",
        pw="123456",
        begin=datetime(2024, 5, 6, 0, 0, tzinfo=UTC),
        end=datetime(2024, 5, 6, 1, 0, tzinfo=UTC),
        zone=SHANGHAI,
    )
    assert segment_of(request.data).endswith(
        "CN=2061;PW=123456;MN=M1;Flag=5;CP=&&BeginTime=20240506080000;EndTime=20240506090000&&"
    )


def test_history_request_with_end_before_begin_is_refused():
    with pytest.raises(LocalProtocolError):
        build_history_request(
            qn="1", st="39", mn="M", pw="1", begin=NOW, end=NOW - timedelta(hours=1), zone=SHANGHAI
        )


def test_history_request_for_a_non_history_cn_is_refused():
    with pytest.raises(LocalProtocolError):
        build_history_request(qn="1", st="39", mn="M", pw="1", begin=NOW, end=NOW, zone=SHANGHAI, cn="2011")


def test_requests_refuse_separators_inside_header_values():
    with pytest.raises(LocalProtocolError):
        build_get_time_request(qn="1", st="39", mn="M1;CN=9999", pw="1")


def test_request_frames_have_a_valid_standard_crc():
    request = build_get_time_request(qn="20240506100000000", st="39", mn="M1", pw="123456")
    assert request.data.endswith(CRLF)
    assert int(request.data[-6:-2], 16) == hj212_crc16(request.data[6:-6])
    assert whole(request.data)[0].crc_variant.value == "standard"
