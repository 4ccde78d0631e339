"""Framing of real-world byte streams: sticky and half packets, missing line endings,
junk, wrong lengths, bad CRCs, oversize frames, end of stream."""

from __future__ import annotations

import random
from datetime import timedelta

from sitewatch.protocols.hj212 import (
    NEED_DATA,
    BadFrame,
    ConnectionClosed,
    DataUpload,
    Packet,
    build_frame,
)

from .hj212_support import BY_NAME, CRLF, NOW, bytewise, connection, drain, first_event, whole

DUST = BY_NAME["libem_air_realtime_flag_first"].frame
APPENDIX = BY_NAME["appendix_a_example"].frame


def _with_length(frame: bytes, length: str) -> bytes:
    return b"##" + length.encode() + frame[6:]


def _packets(events):
    return [e for e in events if isinstance(e, Packet)]


def test_sticky_packets_in_one_read_give_one_event_each():
    events = whole(DUST + CRLF + APPENDIX + CRLF + DUST)
    assert [type(e).__name__ for e in events] == ["DataUpload", "Packet", "DataUpload", "ConnectionClosed"]


def test_half_packet_waits_for_the_rest():
    conn = connection()
    conn.receive_data(DUST[:100])
    assert conn.next_event(NOW) is NEED_DATA
    conn.receive_data(DUST[100:] + CRLF)
    assert isinstance(conn.next_event(NOW), DataUpload)


def test_frame_without_line_ending_is_delivered_at_once():
    conn = connection()
    conn.receive_data(DUST)
    assert isinstance(conn.next_event(NOW), DataUpload)


def test_lower_case_crc_is_accepted():
    frame = APPENDIX[:-4] + b"1c80"
    assert first_event(frame).cn == "1062"


def test_junk_before_a_frame_is_skipped_and_reported():
    events = whole(b"\x00\x17HELLO" + DUST)
    assert events[0] == BadFrame("junk", b"\x17HELLO", "bytes outside any frame", size=6)
    assert isinstance(events[1], DataUpload)


def test_whitespace_between_frames_is_not_reported():
    events = whole(DUST + b"\r\n\r\n\n  " + DUST)
    assert [type(e).__name__ for e in events] == ["DataUpload", "DataUpload", "ConnectionClosed"]


def test_triple_hash_starts_the_frame_at_the_last_two():
    events = bytewise(b"#" + DUST)
    assert events[0].reason == "junk" and events[0].raw == b"#"
    assert isinstance(events[1], DataUpload)


def test_bad_crc_gives_bad_frame_and_the_next_good_packet_is_parsed():
    broken = DUST[:-4] + b"0000"
    events = whole(broken + CRLF + DUST + CRLF)
    assert events[0].reason == "bad_crc"
    assert events[0].raw == broken
    assert events[0].mn == "JSRCTD000YD107"
    assert isinstance(events[1], DataUpload)


def test_bad_crc_is_reported_without_waiting_for_the_next_frame():
    conn = connection()
    conn.receive_data(DUST[:-4] + b"0000" + CRLF)
    assert conn.next_event(NOW).reason == "bad_crc"


def test_flipped_byte_in_the_segment_gives_bad_crc():
    broken = DUST.replace(b"a34004-Rtd=4", b"a34004-Rtd=5")
    assert first_event(broken + CRLF).reason == "bad_crc"


def test_wrong_length_with_valid_crc_is_accepted_by_content():
    event = first_event(_with_length(DUST, "0999") + CRLF)
    assert isinstance(event, DataUpload)
    assert event.declared_length == 999 and event.length == 344 and not event.length_ok


def test_too_short_length_with_valid_crc_is_accepted_by_content():
    event = first_event(_with_length(DUST, "0100") + CRLF + DUST)
    assert isinstance(event, DataUpload) and event.declared_length == 100


def test_wrong_length_without_line_ending_is_framed_by_the_next_frame():
    events = whole(_with_length(DUST, "0400") + DUST)
    assert [type(e).__name__ for e in events[:2]] == ["DataUpload", "DataUpload"]


def test_wrong_length_without_line_ending_is_framed_by_the_end_of_stream():
    events = whole(_with_length(DUST, "0400"))
    assert isinstance(events[0], DataUpload)


def test_three_digit_length_is_accepted_by_content():
    frame = b"##101" + APPENDIX[6:]
    event = first_event(frame + CRLF)
    assert event.cn == "1062" and event.declared_length is None


def test_length_counting_characters_instead_of_utf8_bytes_is_accepted():
    segment = "QN=20240506100000000;ST=39;CN=2011;PW=123456;MN=沪A-001;Flag=4;CP=&&DataTime=20240506100000;a34004-Rtd=35&&"
    frame = build_frame(segment).removesuffix(CRLF)
    by_chars = _with_length(frame, f"{len(segment):04d}")
    assert by_chars != frame
    event = first_event(by_chars + CRLF)
    assert event.mn == "沪A-001" and event.encoding == "utf-8" and event.length == len(segment.encode())


def test_stale_length_without_closing_ampersands_is_rejected():
    frame = BY_NAME["scair_stale_length_no_closing_ampersands"].frame
    events = whole(frame + CRLF + DUST + CRLF)
    assert events[0].reason == "bad_length"
    assert isinstance(events[1], DataUpload)


def test_non_digit_length_with_no_valid_end_is_bad_length():
    events = whole(b"##00x1QN=1;CN=2011&&ZZZZ\r\n" + DUST)
    assert events[0].reason == "bad_length"
    assert isinstance(events[1], DataUpload)


def test_declared_length_over_the_maximum_is_too_long():
    events = whole(b"##9999" + b"A" * 200 + CRLF + DUST, max_segment=1024)
    assert events[0].reason == "too_long"
    assert isinstance(events[1], DataUpload)


def test_real_frame_of_1623_bytes_is_accepted_under_the_default_maximum():
    frame = BY_NAME["rxlog_modbus_swapped_minute_1623"].frame
    assert isinstance(first_event(frame, auto_detect_crc=True), DataUpload)


def test_real_frame_of_1623_bytes_is_too_long_under_the_standards_1024():
    frame = BY_NAME["rxlog_modbus_swapped_minute_1623"].frame
    assert first_event(frame, auto_detect_crc=True, max_segment=1024).reason == "too_long"


def test_endless_frame_is_cut_at_the_maximum_and_the_buffer_stays_bounded():
    conn = connection(max_segment=512)
    conn.receive_data(b"##0500")
    reported = []
    for _ in range(200):
        conn.receive_data(b"x" * 100)
        reported += drain(conn)
        assert conn.buffered <= 2 + 4 + 512 + 4 + 2
    assert [e.reason for e in reported] == ["too_long"]
    assert len(reported[0].raw) == 2 + 4 + 512 + 4 + 2
    conn.receive_data(DUST)
    assert isinstance(conn.next_event(NOW), DataUpload)


def test_endless_junk_keeps_the_buffer_bounded_and_is_reported_once():
    conn = connection(max_segment=512)
    for _ in range(300):
        conn.receive_data(b"no frame here " * 10)
        assert conn.next_event(NOW) is NEED_DATA
        assert conn.buffered <= 1
    conn.receive_data(DUST)
    junk, packet = conn.next_event(NOW), conn.next_event(NOW)
    assert junk.reason == "junk" and junk.size == 300 * 140 and len(junk.raw) <= 2 + 4 + 512 + 4 + 2
    assert isinstance(packet, DataUpload)


def test_stream_ending_inside_a_frame_is_truncated():
    events = whole(DUST[:120])
    assert events[0].reason == "truncated" and events[0].raw == DUST[:120]
    assert isinstance(events[1], ConnectionClosed)


def test_stream_ending_inside_the_header_is_truncated():
    assert whole(b"##03")[0].reason == "truncated"


def test_idle_partial_frame_is_taken_as_complete_after_the_idle_timeout():
    conn = connection(frame_idle_timeout=timedelta(seconds=2))
    conn.receive_data(_with_length(DUST, "0400"))  # wrong length, no line ending, device waits
    assert conn.next_event(NOW) is NEED_DATA
    assert conn.get_timer() == NOW + timedelta(seconds=2)
    conn.handle_timer(NOW + timedelta(seconds=1))
    assert conn.next_event(NOW + timedelta(seconds=1)) is NEED_DATA
    conn.handle_timer(NOW + timedelta(seconds=2))
    assert isinstance(conn.next_event(NOW + timedelta(seconds=2)), DataUpload)
    assert conn.get_timer() is None


def test_idle_timeout_does_not_cut_a_genuinely_half_packet():
    conn = connection()
    conn.receive_data(DUST[:200])
    conn.next_event(NOW)
    conn.handle_timer(NOW + timedelta(seconds=5))
    assert conn.next_event(NOW + timedelta(seconds=5)) is NEED_DATA
    conn.receive_data(DUST[200:])
    assert isinstance(conn.next_event(NOW + timedelta(seconds=5)), DataUpload)


def test_random_bytes_never_raise_from_next_event():
    rng = random.Random(212)
    alphabet = b"##0123456789&&;=,QNSTCMPWFlagCP-\r\nABCDEFabcdef\x00\xff"
    for round_ in range(300):
        conn = connection(auto_detect_crc=round_ % 2 == 0, max_segment=rng.choice([64, 512, 4096]))
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.5:
                chunk = rng.randbytes(rng.randint(0, 80))
            else:
                chunk = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
            if rng.random() < 0.2:
                chunk += DUST[: rng.randint(0, len(DUST))]
            if chunk:
                conn.receive_data(chunk)
            for _ in range(100):
                if conn.next_event(NOW) is NEED_DATA:
                    break
        conn.receive_data(b"")
        assert isinstance(drain(conn)[-1], ConnectionClosed)


def test_mutated_real_frames_never_raise_and_never_lose_the_next_frame():
    rng = random.Random(2017)
    for _ in range(300):
        frame = bytearray(DUST)
        for _ in range(rng.randint(1, 4)):
            frame[rng.randrange(len(frame))] = rng.randrange(256)
        events = whole(bytes(frame) + CRLF + APPENDIX + CRLF)
        assert any(isinstance(e, Packet) and e.cn == "1062" for e in events)


def test_bad_crc_followed_by_junk_instead_of_a_line_ending_is_still_bad_crc():
    events = whole(DUST[:-4] + b"0000" + b"xyz" + DUST)
    assert events[0].reason == "bad_crc" and events[0].raw == DUST[:-4] + b"0000xyz"
    assert isinstance(events[1], DataUpload)
