"""Shared helpers for the HJ 212 codec tests: fixture loading and feeding."""

from __future__ import annotations

import configparser
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sitewatch.protocols.hj212 import (
    BadPacket,
    Connection,
    ConnectionClosed,
    Event,
    NeedData,
    Packet,
    SubpacketReceived,
    build_frame,
)
from sitewatch.protocols.hj212.segment import parse_number

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hj212"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 5, 6, 10, 0, 0, tzinfo=SHANGHAI)
CRLF = b"\r\n"


@dataclass(frozen=True)
class Fixture:
    name: str
    frame: bytes  # without a line ending
    expect: dict[str, str]


def _load(filename: str) -> list[Fixture]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep key case
    parser.read(FIXTURES / filename, encoding="utf-8")
    fixtures = []
    for name in parser.sections():
        section = dict(parser[name])
        if "frame" in section:
            frame = section.pop("frame").encode("utf-8")
        else:
            frame = build_frame(section.pop("segment")).removesuffix(CRLF)
        fixtures.append(Fixture(name, frame, section))
    return fixtures


REAL = _load("real_packets.ini")
STANDARD = _load("standard_examples.ini")
ALL = REAL + STANDARD
BY_NAME = {f.name: f for f in ALL}


def connection(**options) -> Connection:
    options.setdefault("zone", SHANGHAI)
    return Connection(**options)


def drain(conn: Connection, now: datetime = NOW) -> list[Event]:
    out = []
    while True:
        event = conn.next_event(now)
        if isinstance(event, NeedData):
            return out
        out.append(event)
        if isinstance(event, ConnectionClosed):
            return out


def feed(chunks, *, close: bool = True, now: datetime = NOW, **options) -> list[Event]:
    """Events from feeding ``chunks`` one by one, draining after each (as the glue does)."""
    conn = connection(**options)
    events: list[Event] = []
    for chunk in chunks:
        conn.receive_data(chunk)
        events.extend(drain(conn, now))
    if close:
        conn.receive_data(b"")
        events.extend(drain(conn, now))
    return events


def whole(data: bytes, **options) -> list[Event]:
    return feed([data], **options)


def bytewise(data: bytes, **options) -> list[Event]:
    return feed([data[i : i + 1] for i in range(len(data))], **options)


def random_chunks(data: bytes, seed: int, **options) -> list[Event]:
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(data):
        size = rng.randint(1, 64)
        chunks.append(data[i : i + size])
        i += size
    return feed(chunks, **options)


def first_event(data: bytes, **options) -> Event:
    return whole(data, **options)[0]


def packet_of(event: Event) -> Packet:
    return event.packet if isinstance(event, SubpacketReceived) else event  # type: ignore[return-value]


def check_expectations(event: Event, expect: dict[str, str]) -> None:
    """Compare an event with a fixture's expectation keys (see real_packets.ini)."""
    assert type(event).__name__ == expect["event"], (type(event).__name__, event)
    for key, wanted in expect.items():
        if key in ("event", "source", "table", "note"):
            continue
        target = event
        if key != "reason" and isinstance(event, SubpacketReceived | BadPacket):
            target = event.packet
        if key == "fields":
            for item in wanted.split():
                name, _, value = item.partition("=")
                assert target.cp.fields.get(name) == value, (key, item, target.cp.fields)
        elif key == "factors":
            for item in wanted.split():
                name, _, value = item.partition("=")
                code, _, suffix = name.partition(".")
                factor = target.cp.factors[code]
                number = parse_number(value)
                if number is not None and suffix not in ("SampleTime",):
                    assert factor.numbers[suffix] == number, (item, factor)
                else:
                    assert factor.values[suffix] == value, (item, factor)
        elif key == "crc":
            assert target.crc_variant.value == wanted
        elif key == "needs_answer":
            assert target.needs_answer is (wanted == "yes")
        elif key in ("data_time", "restart_time", "system_time"):
            assert getattr(target, key) == datetime.fromisoformat(wanted), (key, getattr(target, key))
        elif key in ("flag", "pnum", "pno", "qn_rtn", "exe_rtn"):
            assert getattr(target, key) == (None if wanted == "-" else int(wanted)), key
        else:
            assert getattr(target, key) == (None if wanted == "-" else wanted), (key, getattr(target, key))
