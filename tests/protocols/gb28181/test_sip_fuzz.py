"""Fuzzing with a fixed seed: whatever bytes a peer sends, the codec gives a message or a
SipError (never another exception), parsed messages keep their promises (accessors work,
serialise → parse gives them back), and the framer's events do not depend on how the
stream was cut."""

from __future__ import annotations

import random

from sitewatch.protocols.gb28181 import (
    BadMessage,
    ConnectionClosed,
    Request,
    Response,
    SipError,
    parse_digest,
    parse_message,
    parse_name_addr,
    parse_via,
    serialise,
)

from .sip_support import ALL, bytewise, random_chunks, whole

SEED = 28181
TOKENS = [
    b"\r\n", b"\n", b"\r", b"\r\n\r\n", b":", b";", b",", b"<", b">", b'"', b"\\", b"=", b" ", b"\t",
    b"\x00", b"\xff\xfe", b"\xb9\xa4", b"SIP/2.0", b"SIP/2.0 200 OK\r\n", b"REGISTER sip:a@b SIP/2.0\r\n",
    b"Content-Length: ", b"l: 5", b"0", b"99999999999999999999", b"Via: ", b"v: SIP/2.0/TCP [::1]:0",
    b";rport", b";tag=", b"sip:", b"@", b"[", b"]",
]  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(buf))
        op = rng.randrange(6)
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = rng.choice(TOKENS)
        elif op == 2:
            del buf[at : at + rng.randint(1, 40)]
        elif op == 3:
            end = min(len(buf), at + rng.randint(1, 60))
            buf[at:at] = buf[at:end]
        elif op == 4:
            buf[at : at + rng.randint(0, 8)] = rng.choice(TOKENS)
        else:
            del buf[at:]
    return bytes(buf)


def check_message_promises(message: Request | Response) -> None:
    message.call_id, message.cseq, message.from_, message.to, message.content_type  # noqa: B018
    assert message.via
    for optional in ("contact", "expires"):
        try:
            getattr(message, optional)
        except SipError:
            pass
    assert parse_message(serialise(message)) == message


def parse_or_error(data: bytes) -> Request | Response | SipError:
    try:
        message = parse_message(data)
    except SipError as exc:
        return exc
    check_message_promises(message)
    return message


def test_random_bytes_give_a_sip_error_or_a_message():
    rng = random.Random(SEED)
    for _ in range(1500):
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        if rng.random() < 0.5:  # mostly garbage after a plausible start line
            data = rng.choice([b"REGISTER sip:a@b SIP/2.0\r\n", b"SIP/2.0 200 OK\n"]) + data
        parse_or_error(data)


def test_mutated_fixtures_give_a_sip_error_or_a_message_that_round_trips():
    rng = random.Random(SEED + 1)
    outcomes = {"message": 0, "error": 0}
    for _ in range(3000):
        fixture = rng.choice(ALL)
        data = mutate(rng.choice([fixture.wire, fixture.published]), rng)
        result = parse_or_error(data)
        outcomes["error" if isinstance(result, SipError) else "message"] += 1
    assert outcomes["message"] > 300 and outcomes["error"] > 300  # the fuzzing reaches both sides


def test_mutated_streams_give_the_same_events_however_they_are_cut():
    rng = random.Random(SEED + 2)
    seen = {"message": 0, "bad": 0}
    for case in range(400):
        stream = b"".join(mutate(f.wire, rng) if rng.random() < 0.5 else f.wire for f in rng.sample(ALL, 4))
        options = {
            "max_header_size": rng.choice([64, 600, 16384]),
            "max_body_size": rng.choice([0, 200, 65535]),
        }
        events = whole(stream, **options)
        assert isinstance(events[-1], ConnectionClosed)
        for event in events[:-1]:
            assert isinstance(event, (Request, Response, BadMessage))
            if not isinstance(event, BadMessage):
                check_message_promises(event)
            seen["bad" if isinstance(event, BadMessage) else "message"] += 1
        assert random_chunks(stream, rng, **options) == events
        if case % 10 == 0:
            assert bytewise(stream, **options) == events
    assert seen["message"] > 300 and seen["bad"] > 300


def test_mutated_header_values_parse_or_raise_sip_error():
    rng = random.Random(SEED + 3)
    samples = {
        parse_digest: [f.wire for f in ALL if b"Authorization:" in f.wire or b"WWW-Authenticate:" in f.wire],
        parse_name_addr: [f.wire for f in ALL],
        parse_via: [f.wire for f in ALL],
    }
    prefixes = {parse_digest: (b"Authorization: ", b"WWW-Authenticate: "), parse_name_addr: (b"From: ", b"Contact: "),
                parse_via: (b"Via: ",)}  # fmt: skip
    for parse, wires in samples.items():
        values = [
            line.split(b": ", 1)[1]
            for wire in wires
            for line in wire.split(b"\r\n")
            if line.startswith(prefixes[parse])
        ]
        for _ in range(700):
            text = mutate(rng.choice(values), rng).decode("utf-8", "surrogateescape")
            try:
                parse(text)
            except SipError:
                pass
