"""Every fixture (real captures and the standard's examples) decodes as expected, and the
same bytes give the same events whole, one byte at a time, in random chunks, glued to
their neighbours and surrounded by junk."""

from __future__ import annotations

import pytest

from sitewatch.protocols.hj212 import BadFrame, ConnectionClosed, Packet, SubpacketReceived

from .hj212_support import ALL, CRLF, REAL, STANDARD, bytewise, check_expectations, random_chunks, whole

NAMES = [f.name for f in ALL]
JUNK = [
    b"",
    b"\r\n",
    b"\n\n",
    b"garbage",
    b"010000000006010400000014",  # a Modbus/TCP poll that shares the port (tonyxia2016 rx.log)
    b"\x00\xff\xfe#",
    b"#0099QN=missing-a-hash",
    b"&&1C80\r\n",
]


def test_fixture_files_hold_real_and_standard_examples():
    assert len(REAL) >= 25
    assert len(STANDARD) >= 15
    assert all(f.expect.get("source") for f in REAL)
    assert all(f.expect.get("table") for f in STANDARD)


@pytest.mark.parametrize("fixture", ALL, ids=NAMES)
def test_fixture_decodes_as_documented(fixture):
    events = whole(fixture.frame + CRLF, auto_detect_crc=True)
    check_expectations(events[0], fixture.expect)
    assert isinstance(events[-1], ConnectionClosed)


@pytest.mark.parametrize("fixture", ALL, ids=NAMES)
def test_fixture_packet_event_carries_its_raw_frame(fixture):
    event = whole(fixture.frame + CRLF, auto_detect_crc=True)[0]
    if isinstance(event, SubpacketReceived):
        event = event.packet
    if isinstance(event, Packet):
        assert event.raw == fixture.frame
    elif isinstance(event, BadFrame):
        assert event.raw.strip() in fixture.frame + CRLF


@pytest.mark.parametrize("fixture", ALL, ids=NAMES)
def test_fixture_fed_one_byte_at_a_time_gives_the_same_events(fixture):
    data = fixture.frame + CRLF
    assert bytewise(data, auto_detect_crc=True) == whole(data, auto_detect_crc=True)


# A malformed frame's extent depends on what follows it, so only well-formed ones here.
WELL_FORMED = [f for f in ALL if f.expect["event"] != "BadFrame"]


@pytest.mark.parametrize("fixture", WELL_FORMED, ids=[f.name for f in WELL_FORMED])
def test_fixture_without_line_ending_gives_the_same_events(fixture):
    assert whole(fixture.frame, auto_detect_crc=True) == whole(fixture.frame + CRLF, auto_detect_crc=True)


@pytest.mark.parametrize("fixture", WELL_FORMED, ids=[f.name for f in WELL_FORMED])
def test_fixture_with_lf_only_gives_the_same_events(fixture):
    assert whole(fixture.frame + b"\n", auto_detect_crc=True) == whole(
        fixture.frame + CRLF, auto_detect_crc=True
    )


@pytest.mark.parametrize("seed", range(5))
def test_all_fixtures_glued_give_the_same_events_in_any_chunking(seed):
    stream = b"".join(f.frame + CRLF for f in ALL)
    expected = whole(stream, auto_detect_crc=True)
    assert random_chunks(stream, seed, auto_detect_crc=True) == expected


def test_all_fixtures_glued_one_byte_at_a_time_give_the_same_events():
    stream = b"".join(f.frame + CRLF for f in ALL)
    assert bytewise(stream, auto_detect_crc=True) == whole(stream, auto_detect_crc=True)


def test_all_fixtures_glued_without_line_endings_give_the_same_events():
    with_crlf = whole(b"".join(f.frame + CRLF for f in WELL_FORMED), auto_detect_crc=True)
    without = whole(b"".join(f.frame for f in WELL_FORMED), auto_detect_crc=True)
    assert without == with_crlf


def _valid(fixtures):
    return [
        f for f in fixtures if isinstance(whole(f.frame, auto_detect_crc=True)[0], Packet | SubpacketReceived)
    ]


@pytest.mark.parametrize("seed", range(4))
def test_junk_between_fixtures_adds_junk_events_and_changes_no_packet_event(seed):
    fixtures = _valid(ALL)
    clean = whole(b"".join(f.frame + CRLF for f in fixtures), auto_detect_crc=True)
    dirty_stream = b"".join(JUNK[(i + seed) % len(JUNK)] + f.frame + CRLF for i, f in enumerate(fixtures))
    dirty = whole(dirty_stream + b"trailing junk", auto_detect_crc=True)
    assert [e for e in dirty if not (isinstance(e, BadFrame) and e.reason == "junk")] == clean
    assert bytewise(dirty_stream, auto_detect_crc=True) == whole(dirty_stream, auto_detect_crc=True)
    assert random_chunks(dirty_stream, seed, auto_detect_crc=True) == whole(
        dirty_stream, auto_detect_crc=True
    )


def test_each_junk_run_is_reported_once_with_its_bytes():
    fixtures = _valid(ALL)[:3]
    stream = fixtures[0].frame + b"\r\nnoise-1\r\n" + fixtures[1].frame + b"noise-2" + fixtures[2].frame
    junk = [e for e in bytewise(stream) if isinstance(e, BadFrame)]
    assert [(e.reason, e.raw) for e in junk] == [("junk", b"noise-1"), ("junk", b"noise-2")]


def test_all_fixtures_glued_with_the_default_crc_policy_give_the_same_events_bytewise():
    stream = b"".join(f.frame + CRLF for f in ALL)
    events = whole(stream)
    assert bytewise(stream) == events
    assert sum(1 for e in events if isinstance(e, BadFrame) and e.detected_variant is not None) == 3
