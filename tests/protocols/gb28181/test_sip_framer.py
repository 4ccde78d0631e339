"""TCP framing: sticky and half messages, keep-alive pings, junk, size limits, bad
lengths and the end of the stream."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181 import (
    NEED_DATA,
    BadMessage,
    ConnectionClosed,
    LocalProtocolError,
    Request,
    Response,
    StreamFramer,
    parse_message,
)

from .sip_support import BY_NAME, bytewise, drain, kinds, whole

KEEPALIVE = BY_NAME["srs_hikvision_keepalive"].wire
REGISTER = BY_NAME["livegbs_register_unauthenticated"].wire
OK_200 = BY_NAME["livegbs_keepalive_200"].wire


def test_sticky_messages_in_one_read_give_one_event_each():
    assert kinds(whole(KEEPALIVE + REGISTER + OK_200)) == [
        "Request",
        "Request",
        "Response",
        "ConnectionClosed",
    ]


def test_half_message_waits_for_the_rest():
    framer = StreamFramer()
    framer.receive_data(KEEPALIVE[:100])
    assert framer.next_event() is NEED_DATA
    framer.receive_data(KEEPALIVE[100:-10])
    assert framer.next_event() is NEED_DATA
    framer.receive_data(KEEPALIVE[-10:])
    assert framer.next_event() == parse_message(KEEPALIVE)
    assert framer.next_event() is NEED_DATA and framer.buffered == 0


def test_blank_line_split_across_reads_is_found():
    head_end = KEEPALIVE.index(b"\r\n\r\n")
    events = []
    framer = StreamFramer()
    for cut in (KEEPALIVE[: head_end + 1], KEEPALIVE[head_end + 1 : head_end + 3], KEEPALIVE[head_end + 3 :]):
        framer.receive_data(cut)
        events += drain(framer)
    assert events == [parse_message(KEEPALIVE)]


def test_crlf_keepalive_pings_between_messages_are_skipped_silently():
    stream = b"\r\n\r\n" + REGISTER + b"\r\n\r\n\r\n\r\n" + KEEPALIVE + b"\r\n\r\n"
    assert kinds(whole(stream)) == ["Request", "Request", "ConnectionClosed"]
    assert kinds(bytewise(stream)) == ["Request", "Request", "ConnectionClosed"]


def test_missing_content_length_on_tcp_means_no_body():
    without = REGISTER.replace(b"Content-Length: 0\r\n", b"")
    events = whole(without + OK_200)
    assert [type(e) for e in events] == [Request, Response, ConnectionClosed]
    assert events[0].body == b""


def test_lf_only_messages_are_framed():
    lf = REGISTER.replace(b"\r\n", b"\n")
    assert whole(lf + lf) == [parse_message(REGISTER), parse_message(REGISTER), ConnectionClosed()]


def test_junk_before_the_first_message_is_reported_once_with_its_bytes():
    events = whole(b"\x16\x03\x01garbage\r\nmore junk\n" + REGISTER)
    assert kinds(events) == ["BadMessage:junk", "Request", "ConnectionClosed"]
    assert events[0].error.raw == b"\x16\x03\x01garbage\r\nmore junk\n"
    assert events[0].error.size == 22


def test_junk_glued_to_a_start_line_loses_that_message_only():
    # Resync is line by line: "\x00\xffREGISTER …" is not a start line, so the whole
    # message is junk up to the next start line.
    events = whole(b"\x00\xff" + REGISTER + KEEPALIVE)
    assert kinds(events) == ["BadMessage:junk", "Request", "ConnectionClosed"]
    assert events[1] == parse_message(KEEPALIVE)


def test_junk_at_the_end_of_the_stream_is_reported():
    assert kinds(whole(REGISTER + b"trailing")) == ["Request", "BadMessage:junk", "ConnectionClosed"]


def test_endless_junk_is_reported_when_it_crosses_the_header_limit_and_then_skipped():
    framer = StreamFramer(max_header_size=1024)
    events = []
    for _ in range(30):
        framer.receive_data(b"x" * 100 + b"\n")
        events += drain(framer)
    assert kinds(events) == ["BadMessage:junk"]
    assert events[0].error.size == 11 * 101 and events[0].error.raw == ((b"x" * 100 + b"\n") * 11)[:512]
    framer.receive_data(REGISTER)
    assert drain(framer) == [parse_message(REGISTER)]


def test_oversized_header_block_is_reported_then_the_framer_resyncs():
    big = REGISTER.replace(b"User-Agent: IP Camera", b"User-Agent: " + b"A" * 600)
    events = whole(big + KEEPALIVE, max_header_size=500)
    assert kinds(events) == ["BadMessage:too_large", "Request", "ConnectionClosed"]
    assert events[1] == parse_message(KEEPALIVE)
    assert bytewise(big + KEEPALIVE, max_header_size=500) == events


def test_oversized_body_is_reported_and_discarded_as_it_arrives():
    framer = StreamFramer(max_body_size=100)
    head, _, body = KEEPALIVE.partition(b"\r\n\r\n")
    framer.receive_data(head + b"\r\n\r\n" + body[:50])
    event = framer.next_event()
    assert isinstance(event, BadMessage) and event.error.reason == "too_large"
    assert framer.next_event() is NEED_DATA and framer.buffered == 0
    framer.receive_data(body[50:] + REGISTER)
    assert drain(framer) == [parse_message(REGISTER)]


def test_bad_content_length_is_reported_and_the_stream_resyncs_on_the_next_start_line():
    bad = KEEPALIVE.replace(b"Content-Length:   175", b"Content-Length: 17five")
    events = whole(bad + REGISTER)
    assert kinds(events) == ["BadMessage:bad_content_length", "Request", "ConnectionClosed"]
    assert events[1] == parse_message(REGISTER)


def test_bad_header_with_a_good_length_skips_exactly_its_body():
    bad = KEEPALIVE.replace(b"CSeq: 20 MESSAGE", b"CSeq: twenty MESSAGE")
    events = whole(bad + REGISTER)
    assert kinds(events) == ["BadMessage:bad_cseq", "Request", "ConnectionClosed"]
    assert events[0].error.raw == bad[:512] and events[0].error.size == len(bad)


def test_body_that_looks_like_a_start_line_is_not_mistaken_for_one():
    body = b"REGISTER sip:x SIP/2.0\r\n"
    sneaky = KEEPALIVE.partition(b"\r\n\r\n")[0].replace(b"175", b"24") + b"\r\n\r\n" + body
    events = whole(sneaky + REGISTER)
    assert [type(e) for e in events] == [Request, Request, ConnectionClosed]
    assert events[0].body == body


def test_eof_inside_a_header_block_is_truncated():
    events = whole(REGISTER[:60])
    assert kinds(events) == ["BadMessage:truncated", "ConnectionClosed"]
    assert events[0].error.raw == REGISTER[:60]


def test_eof_inside_a_start_line_is_truncated():
    assert kinds(whole(b"REGISTER sip:34020000002000000001@3402000000 SIP/2.0")) == [
        "BadMessage:truncated",
        "ConnectionClosed",
    ]


def test_eof_inside_a_body_is_truncated():
    assert kinds(whole(KEEPALIVE[:-5])) == ["BadMessage:truncated", "ConnectionClosed"]


def test_eof_inside_a_discarded_body_just_closes():
    framer = StreamFramer(max_body_size=10)
    framer.receive_data(KEEPALIVE[:-20])
    framer.receive_data(b"")
    assert kinds(drain(framer)) == ["BadMessage:too_large", "ConnectionClosed"]


def test_connection_closed_is_returned_again_after_the_end():
    framer = StreamFramer()
    framer.receive_data(b"")
    assert framer.next_event() == ConnectionClosed()
    assert framer.next_event() == ConnectionClosed()


def test_data_after_eof_is_the_callers_error():
    framer = StreamFramer()
    framer.receive_data(b"")
    with pytest.raises(LocalProtocolError):
        framer.receive_data(b"x")


def test_silly_limits_are_refused():
    with pytest.raises(LocalProtocolError):
        StreamFramer(max_header_size=10)
