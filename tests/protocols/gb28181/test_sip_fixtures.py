"""Every real message parses as documented, as published and in wire form, survives
parse → serialise → parse, and gives the same messages to the TCP framer whole, one
byte at a time, in random chunks, glued to its neighbours and with junk between."""

from __future__ import annotations

import random

import pytest

from sitewatch.protocols.gb28181 import (
    BadMessage,
    ConnectionClosed,
    Request,
    Response,
    SipError,
    parse_digest,
    parse_message,
    serialise,
)

from .sip_support import ALL, OK, bytewise, kinds, random_chunks, whole

NAMES = [f.name for f in ALL]
OK_NAMES = [f.name for f in OK]


def _none(value: str) -> str | None:
    return None if value == "-" else value


def check_expectations(message: Request | Response, expect: dict[str, str]) -> None:
    checked = 0
    for key, value in expect.items():
        checked += 1
        if key == "method":
            assert isinstance(message, Request) and message.method == value
        elif key == "status":
            assert isinstance(message, Response) and message.status == int(value)
        elif key == "call_id":
            assert message.call_id == value
        elif key == "cseq":
            seq, method = value.split()
            assert message.cseq == (int(seq), method)
        elif key == "from_user":
            assert message.from_.user == value
        elif key == "from_tag":
            assert message.from_.tag == _none(value)
        elif key == "to_tag":
            assert message.to.tag == _none(value)
        elif key == "via":
            transport, host, port, *params = value.split()
            top = message.via[0]
            assert (top.transport, top.host, top.port) == (transport, host, int(port))
            for param in params:
                name, _, param_value = param.partition("=")
                assert name in top.params and top.params[name] == _none(param_value), param
        elif key == "expires":
            assert message.expires == int(value)
        elif key == "body_length":
            assert len(message.body) == int(value)
        elif key == "content_type":
            assert message.content_type == value
        elif key == "challenge":
            challenge = parse_digest(message.headers.get("WWW-Authenticate") or "")
            assert dict(p.split("=", 1) for p in value.split()).items() <= challenge.items()
        elif key == "allow":
            assert len(message.headers.get_all("Allow")) == int(value)
        else:
            checked -= 1  # password / realm: checked by the digest tests
    assert checked, "a fixture must state at least one expectation"


def test_fixture_file_holds_real_messages_with_their_sources():
    assert len(ALL) >= 20
    assert all(f.meta.get("source") for f in ALL)
    assert {"livegbs_register_authorized", "ivms_register_with_old_authorization"} <= {f.name for f in ALL}


@pytest.mark.parametrize("fixture", ALL, ids=NAMES)
def test_fixture_in_wire_form_parses_as_documented(fixture):
    if not fixture.ok:
        with pytest.raises(SipError) as caught:
            parse_message(fixture.wire)
        assert caught.value.reason == fixture.meta["expect.error"]
        return
    check_expectations(parse_message(fixture.wire), fixture.expect())


@pytest.mark.parametrize("fixture", ALL, ids=NAMES)
def test_fixture_as_published_with_lf_only_parses_like_the_wire_form(fixture):
    if fixture.ok and fixture.meta.get("wire_body") != "crlf":
        assert parse_message(fixture.published) == parse_message(fixture.wire)
    else:
        # Its Content-Length counts CR LF (or a lost byte): LF only is too short.
        with pytest.raises(SipError) as caught:
            parse_message(fixture.published)
        assert caught.value.reason == "truncated"


@pytest.mark.parametrize("fixture", OK, ids=OK_NAMES)
def test_fixture_round_trips_through_serialise(fixture):
    message = parse_message(fixture.wire)
    wire = serialise(message)
    assert parse_message(wire) == message
    head, _, body = wire.partition(b"\r\n\r\n")
    assert body == message.body
    assert b"\n" not in head.replace(b"\r\n", b"")  # CR LF everywhere, no bare LF
    assert f"Content-Length: {len(message.body)}\r\n".encode() in head + b"\r\n"


@pytest.mark.parametrize("fixture", OK, ids=OK_NAMES)
def test_fixture_serialises_to_its_wire_bytes_up_to_padding(fixture):
    # The only changes serialise makes to a real message: canonical header names and
    # whitespace trimmed around values (the padded Content-Length, a trailing space).
    wire = serialise(parse_message(fixture.wire))

    def head_lines(data: bytes) -> list[tuple[bytes, bytes]]:
        head, _, _ = data.partition(b"\r\n\r\n")
        return [
            (n.lower(), v.strip()) for n, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        ]

    assert head_lines(wire) == head_lines(fixture.wire)
    assert wire.split(b"\r\n", 1)[0] == fixture.wire.split(b"\r\n", 1)[0]
    assert wire.partition(b"\r\n\r\n")[2] == fixture.wire.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("fixture", OK, ids=OK_NAMES)
def test_fixture_over_tcp_whole_and_bytewise_gives_the_message(fixture):
    expected = [parse_message(fixture.wire), ConnectionClosed()]
    assert whole(fixture.wire) == expected
    assert bytewise(fixture.wire) == expected


def test_all_fixtures_glued_together_give_each_message_in_order():
    stream = b"".join(f.wire for f in OK)
    expected = [parse_message(f.wire) for f in OK] + [ConnectionClosed()]
    assert whole(stream) == expected
    rng = random.Random(28181)
    for _ in range(20):
        assert random_chunks(stream, rng) == expected


JUNK = [
    b"\r\n\r\n",
    b"\r\n",
    b"hello\r\n",
    b"\x00\xff\xfe\n",
    b"<Notify>\n</Notify>\r\n",
    b"HTTP/1.1 200 OK\r\n",
]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_between_fixtures_is_reported_once_and_the_messages_survive(junk):
    stream = junk.join(f.wire for f in OK)
    events = whole(stream)
    messages = [e for e in events if isinstance(e, (Request, Response))]
    assert messages == [parse_message(f.wire) for f in OK]
    bad = [e for e in events if isinstance(e, BadMessage)]
    if junk.strip(b"\r\n"):
        assert len(bad) == len(OK) - 1 and {e.error.reason for e in bad} == {"junk"}
        assert all(e.error.raw == junk for e in bad)
    else:
        assert bad == []  # line endings are keep-alive pings, not junk
    assert bytewise(stream) == events


def test_a_real_message_refused_on_udp_is_truncated_at_the_end_of_a_tcp_stream():
    catalog = next(f for f in ALL if not f.ok)
    assert kinds(whole(catalog.wire)) == ["BadMessage:truncated", "ConnectionClosed"]
