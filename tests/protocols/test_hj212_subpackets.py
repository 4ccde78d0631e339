"""Subpackets (PNUM/PNO): each answered by its own QN, reassembled, timed out."""

from __future__ import annotations

from datetime import timedelta

from sitewatch.protocols.hj212 import (
    DataUpload,
    SubpacketReceived,
    SubpacketsTimedOut,
    build_answer,
    build_frame,
)

from .hj212_support import BY_NAME, CRLF, NOW, connection, drain, first_event, whole

PART_1 = BY_NAME["c50_part_1"].frame
PART_2 = BY_NAME["c50_part_2"].frame


def part(
    pno: int, *, pnum: int = 3, qn: str | None = None, data_time: str = "20240506090000", mn: str = "M1"
) -> bytes:
    qn = qn or f"20240506100000{pno:03d}"
    cp = f"DataTime={data_time};a{pno:05d}-Avg={pno}.5,a{pno:05d}-Flag=N"
    return build_frame(f"QN={qn};ST=39;CN=2061;PW=1;MN={mn};Flag=7;PNUM={pnum};PNO={pno};CP=&&{cp}&&")


def test_each_subpacket_is_announced_with_its_own_qn_to_answer():
    first, second, merged, _closed = whole(PART_1 + CRLF + PART_2 + CRLF)
    assert (
        isinstance(first, SubpacketReceived) and first.answer_qn == "20160801085857534" and first.needs_answer
    )
    assert isinstance(second, SubpacketReceived) and second.answer_qn == "20160801085857535"
    assert (first.received, first.total, second.received) == (1, 2, 2)


def test_each_subpacket_answer_carries_that_subpackets_qn():
    first, second, *_ = whole(PART_1 + CRLF + PART_2 + CRLF)
    assert b"QN=20160801085857534;ST=91;CN=9014;" in build_answer(first.packet)
    assert b"QN=20160801085857535;ST=91;CN=9014;" in build_answer(second.packet)


def test_complete_set_gives_one_reassembled_upload_with_all_factors():
    merged = whole(PART_1 + CRLF + PART_2 + CRLF)[2]
    assert isinstance(merged, DataUpload) and merged.kind == "hourly"
    assert set(merged.factors) == {"w00000", "w01001", "w01018"}
    assert merged.factors["w01018"].value("Avg") == 40.1
    assert [p.pno for p in merged.parts] == [1, 2]
    assert merged.raw == PART_1 + CRLF + PART_2


def test_reassembled_upload_is_not_answered_again():
    merged = whole(PART_1 + CRLF + PART_2 + CRLF)[2]
    assert not merged.needs_answer and build_answer(merged) is None


def test_parts_out_of_order_are_reassembled_in_pno_order():
    events = whole(part(3) + part(1) + part(2))
    merged = events[3]
    assert [p.pno for p in merged.parts] == [1, 2, 3]
    assert list(merged.factors) == ["a00001", "a00002", "a00003"]


def test_a_resent_part_replaces_the_earlier_copy():
    events = whole(part(1) + part(1) + part(2) + part(3))
    assert [e.received for e in events if isinstance(e, SubpacketReceived)] == [1, 1, 2, 3]
    assert isinstance(events[4], DataUpload)


def test_sets_are_kept_apart_by_datatime_and_mn():
    events = whole(part(1, pnum=2) + part(1, pnum=2, data_time="20240506080000") + part(1, pnum=2, mn="M2"))
    assert [e.received for e in events if isinstance(e, SubpacketReceived)] == [1, 1, 1]


def test_parts_without_datatime_are_grouped_by_qn():
    segment = "QN=20040516010101001;ST=32;CN=3020;PW=1;MN=M;PNUM=2;PNO={};CP=&&i12001-Info={}&&"
    events = whole(build_frame(segment.format(1, "a")) + build_frame(segment.format(2, "b")))
    assert events[2].factors["i12001"].values == {"Info": "b"} and len(events[2].parts) == 2


def test_incomplete_set_times_out_through_the_timer():
    conn = connection(subpacket_timeout=timedelta(seconds=30))
    conn.receive_data(part(1) + part(2))
    assert [type(e) for e in drain(conn)] == [SubpacketReceived, SubpacketReceived]
    assert conn.get_timer() == NOW + timedelta(seconds=30)
    conn.handle_timer(NOW + timedelta(seconds=29))
    assert drain(conn) == []
    conn.handle_timer(NOW + timedelta(seconds=30))
    (expired,) = drain(conn)
    assert isinstance(expired, SubpacketsTimedOut) and expired.reason == "timeout"
    assert expired.missing == (3,) and [p.pno for p in expired.parts] == [1, 2]
    assert conn.get_timer() is None


def test_open_sets_are_reported_when_the_connection_closes():
    events = whole(part(1))
    assert isinstance(events[1], SubpacketsTimedOut) and events[1].reason == "closed"


def test_oldest_set_is_evicted_beyond_the_limit():
    events = whole(b"".join(part(1, mn=f"M{i}") for i in range(3)), max_subpacket_sets=2)
    evicted = [e for e in events if isinstance(e, SubpacketsTimedOut) and e.reason == "evicted"]
    assert [e.key[0] for e in evicted] == ["M0"]


def test_pnum_of_one_is_an_ordinary_packet():
    event = first_event(part(1, pnum=1))
    assert isinstance(event, DataUpload) and event.pnum == 1 and not event.parts
