"""The codec's fast paths give exactly what its full paths give.

The hot path of the SIP gateway (parse a keepalive MESSAGE, read From, parse its
MANSCDP body, answer 200) takes shortcuts for the usual shapes: a one-pass head splitter,
regular expressions for plain From/To/Via/parameters, a CSeq check without a regex, a
validation pass that fills the accessors' cache, Via stamping without
``dataclasses.replace``, and a regular expression for plain keepalive bodies. Each
shortcut only *accepts* input on which the general code would agree, and hands
everything else to it. These tests hold them to that: every fixture, and a few thousand
fixed-seed mutations of them, go through the codec twice, once as it is and once with
every shortcut switched off (:func:`full_paths`), and must come out equal: the same
message, accessor values, wire bytes and response, or the same error.
"""

from __future__ import annotations

import contextlib
import random
import re
from dataclasses import astuple

import pytest

from sitewatch.protocols.gb28181 import LocalProtocolError, SipError, parse_message, response_to, serialise
from sitewatch.protocols.gb28181.manscdp import Keepalive, ManscdpError, build_keepalive, parse_manscdp
from sitewatch.protocols.gb28181.manscdp import parser as manscdp_parser
from sitewatch.protocols.gb28181.sip import Headers, build, headers, message

from .manscdp_support import FIXTURE_NAMES, fixture
from .sip_support import ALL
from .test_manscdp_fuzz import TOKENS as XML_TOKENS
from .test_manscdp_fuzz import mutate as mutate_xml
from .test_sip_fuzz import TOKENS as SIP_TOKENS
from .test_sip_fuzz import mutate as mutate_sip

NEVER = re.compile(r"(?!)")
SOURCES = [("192.168.2.64", 5060), ("203.0.113.7", 61378), ("2001:db8::1", 5060), ("39.100.155.146", 15063)]
# Bytes that push a message just off (or just onto) a fast path.
SIP_EDGES = [
    b" ", b"\t", b",", b'"', b"<", b">", b";", b"=", b"\r\n ", b"\r\n\t", b"\r", b"\n", b"\x0b", b"\x1c",
    b"\xc2\xa0", b"\xe3\x80\x80", b"\xc2\x85", b"sip/2.0", b"SIP/2.0/udp ", b"[::1]", b":0", b":65536",
    b";TAG=x", b";tag=", b";tag", b"2147483648", b"01", b"cseq", b"call-id", b"f:", b"t:", b"v:", b"i:", b"l:",
    b"Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKx\r\n", b"CSeq: 1 MESSAGE\r\n", b"To: \"a\" <sip:a@b>\r\n",
]  # fmt: skip
XML_EDGES = [
    b" ", b"\t", b"\r\n", b"<Info></Info>", b"<Info/>", b"<Info>", b"</Info>", b"<SN>5</SN>", b"<SN></SN>",
    b"<SN>+5</SN>", b"<SN>0</SN>", b"<Status></Status>", b"<Status>OK</Status>", b"<DeviceID></DeviceID>",
    b"<CmdType>keepalive</CmdType>", b'<?xml version="1.0"?>', b"<?xml version='1.0' encoding='UTF-8'?>",
    b"\xef\xbb\xbf", b"<notify>", b"</notify>", b"<Extra>1</Extra>", b"&amp;", b"]]>", b"\x0b", b"\xa1\xa1",
    b"9" * 20, b'<Status a="1">OK</Status>', b"<ns:Notify>", b"<!DOCTYPE Notify>",
]  # fmt: skip


@contextlib.contextmanager
def full_paths():
    """Switch every codec shortcut off: what the code does without them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(message, "_parse_head_fast", lambda head: None)
        patch.setattr(message, "_check_fast", lambda message, headers: False)
        patch.setattr(message, "_cseq_fast", lambda value: None)
        patch.setattr(message, "_NAME_CACHE", {})
        patch.setattr(message, "_NAME_CACHE_MAX", 0)
        patch.setattr(message, "_SENDABLE", set())
        for name in ("_SIMPLE_PARAMS", "_SIMPLE_NAME_ADDR", "_TAGGED_NAME_ADDR", "_SIMPLE_VIA"):
            patch.setattr(headers, name, NEVER)
        patch.setattr(headers, "_split_outside", headers._split_scan)
        patch.setattr(build, "_stamped_via_text", lambda via, source: str(build._stamp_via(via, source)))
        patch.setattr(build, "_with_tag_text", lambda address, tag: str(address.with_tag(tag)))
        patch.setattr(manscdp_parser, "_keepalive_fast", lambda raw: None)
        yield


# -- SIP ---------------------------------------------------------------------------


def _error(exc: SipError | ManscdpError | LocalProtocolError) -> tuple:
    if isinstance(exc, LocalProtocolError):
        return ("local", str(exc))
    return ("error", exc.reason.value, exc.detail, exc.raw, exc.size)


def _accessor(msg, name: str):
    try:
        value = getattr(msg, name)
    except SipError as exc:
        return _error(exc)
    if name == "via":
        return [(astuple(hop), str(hop)) for hop in value]
    if name in ("from_", "to", "contact") and value is not None:
        return astuple(value), str(value), value.user, value.host, value.port
    return value


def sip_outcome(data: bytes, source: tuple[str, int]) -> list:
    """Everything the gateway could read from ``data``, as comparable values."""
    try:
        msg = parse_message(data)
    except SipError as exc:
        return [_error(exc)]
    seen = [msg]
    seen += [_accessor(msg, name) for name in ("call_id", "cseq", "from_", "to", "via", "contact", "expires")]
    seen.append(msg.content_type)
    for build_one in (
        lambda: serialise(msg),
        lambda: serialise(response_to(msg, 200, source=source, to_tag="ffa1c2")),
        lambda: serialise(response_to(msg, 403, source=source)),
        lambda: serialise(response_to(msg, 200, to_tag="ffa1c2", headers=[("Expires", "60")])),
    ):
        try:
            seen.append(build_one())
        except (SipError, LocalProtocolError) as exc:
            seen.append(_error(exc))
    # The cache follows the headers: change them and read again.
    msg.headers.set("To", "<sip:34020000001320000009@3402000000>;tag=9")
    msg.headers.add("v", "SIP/2.0/TCP 10.0.0.9:5060;branch=z9hG4bKadded")
    seen += [_accessor(msg, "to"), _accessor(msg, "via")]
    return seen


def sip_samples() -> list[bytes]:
    samples = []
    for fixture_ in ALL:
        samples += [fixture_.wire, fixture_.published, fixture_.wire.replace(b"\r\n", b"\n")]
    return samples


def mutate_edges(data: bytes, rng: random.Random, edges: list[bytes]) -> bytes:
    """One small edit with a token from ``edges``: near misses of the fast paths."""
    buf = bytearray(data)
    at = rng.randint(0, len(buf))
    if rng.random() < 0.5:
        buf[at:at] = rng.choice(edges)
    else:
        buf[at : at + rng.randint(1, 4)] = rng.choice(edges)
    return bytes(buf)


@pytest.fixture
def count_fast_checks(monkeypatch):
    """How often _check_fast accepted a message (the fast path really ran)."""
    counts = {"fast": 0}
    original = message._check_fast

    def counting(msg, headers_):
        accepted = original(msg, headers_)
        counts["fast"] += accepted
        return accepted

    monkeypatch.setattr(message, "_check_fast", counting)
    return counts


def test_every_sip_fixture_gives_the_same_through_the_fast_and_the_full_paths(count_fast_checks):
    samples = sip_samples()
    for i, data in enumerate(samples):
        source = SOURCES[i % len(SOURCES)]
        fast = sip_outcome(data, source)
        with full_paths():
            full = sip_outcome(data, source)
        assert fast == full, data
    assert count_fast_checks["fast"] >= len(ALL)  # most fixtures really take the fast path


def test_mutated_sip_messages_give_the_same_through_the_fast_and_the_full_paths(count_fast_checks):
    rng = random.Random(28181_2)
    samples = sip_samples()
    outcomes = {"message": 0, "error": 0}
    for _ in range(3000):
        data = rng.choice(samples)
        if rng.random() < 0.6:
            data = mutate_edges(data, rng, SIP_EDGES + SIP_TOKENS)
        else:
            data = mutate_sip(data, rng)
        source = rng.choice(SOURCES)
        fast = sip_outcome(data, source)
        with full_paths():
            full = sip_outcome(data, source)
        assert fast == full, data
        outcomes["error" if len(fast) == 1 else "message"] += 1
    assert outcomes["message"] > 800 and outcomes["error"] > 800, outcomes
    assert count_fast_checks["fast"] > 500, count_fast_checks


def test_mutated_header_values_parse_the_same_through_the_fast_and_the_full_paths():
    rng = random.Random(28181_3)
    values = [
        line.partition(b":")[2].strip()
        for f in ALL
        for line in f.wire.split(b"\r\n")
        if line.startswith((b"Via:", b"From:", b"To:", b"Contact:"))
    ]
    values += [b"<sip:a@b>;tag=1;x", b"<sip:a@b>;;tag=1;", b"<sip:a@b>;tag=a=b", b"SIP/2.0/UDP h;rport;;x=1"]

    def outcome(parse, text):
        try:
            return astuple(parse(text))
        except SipError as exc:
            return _error(exc)

    for _ in range(2000):
        value = rng.choice(values)
        if rng.random() < 0.8:
            value = mutate_edges(value, rng, SIP_EDGES)
        text = value.decode("utf-8", "surrogateescape")
        for parse in (headers.parse_name_addr, headers.parse_via):
            fast = outcome(parse, text)
            with full_paths():
                assert outcome(parse, text) == fast, text


def test_response_with_fast_via_stamping_equals_the_one_from_the_full_parser():
    request = parse_message(next(f for f in ALL if f.name == "srs_hikvision_keepalive").wire)
    for source in SOURCES:
        fast = serialise(response_to(request, 200, source=source, to_tag="ab12"))
        top = headers.parse_via(request.headers.get_all("Via")[0])  # parsed afresh, not cached
        expected_via = str(build._stamp_via(top, source))
        assert f"\r\nVia: {expected_via}\r\n".encode() in fast
        with full_paths():
            again = parse_message(next(f for f in ALL if f.name == "srs_hikvision_keepalive").wire)
            assert serialise(response_to(again, 200, source=source, to_tag="ab12")) == fast


def test_split_outside_shortcut_equals_the_character_scan():
    rng = random.Random(28181_4)
    alphabet = 'ab,;"<>\\ ='
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        for sep in ",;":
            assert headers._split_outside(text, sep) == headers._split_scan(text, sep), text


def test_head_end_is_the_first_lf_lf_or_lf_cr_lf():
    def reference(buf: bytes, start: int, stop: int):
        lf_lf, lf_crlf = buf.find(b"\n\n", start, stop), buf.find(b"\n\r\n", start, stop)
        if lf_crlf >= 0 and (lf_lf < 0 or lf_crlf < lf_lf):
            return lf_crlf + 1, lf_crlf + 3
        return (lf_lf + 1, lf_lf + 2) if lf_lf >= 0 else None

    rng = random.Random(28181_5)
    for _ in range(3000):
        buf = bytes(rng.choice(b"\r\nx") for _ in range(rng.randint(0, 12)))
        start, stop = rng.randint(0, len(buf)), rng.randint(0, len(buf))
        assert message._find_head_end(buf, start, stop) == reference(buf, start, stop), (buf, start, stop)


def test_headers_fast_get_get_all_and_set_agree_with_their_definitions():
    rng = random.Random(28181_6)
    names = ["Via", "v", "To", "Contact", "Subject", "Content-Length"]
    values = ["a", " b ", "a, b", '"x, y" <sip:a,b>', "", " , ", "c"]
    for _ in range(1500):
        pairs = [(rng.choice(names), rng.choice(values)) for _ in range(rng.randint(0, 5))]
        hdrs = Headers(pairs)
        for name in names:
            everything = hdrs.get_all(name)
            assert hdrs.get(name, "none") == (everything[0] if everything else "none")
        name, value = rng.choice(names), rng.choice(values)
        key = headers.canonical_name(name)
        expected, placed = [], False
        for item in hdrs:
            if item[0] != key:
                expected.append(item)
            elif not placed:
                expected.append((key, value))
                placed = True
        expected += [] if placed else [(key, value)]
        hdrs.set(name, value)
        assert list(hdrs) == expected


def test_cached_accessors_follow_header_changes_and_hand_out_copies_of_via():
    msg = parse_message(next(f for f in ALL if f.name == "livegbs_register_unauthenticated").wire)
    assert msg.from_ is msg.from_  # parsed once, by parse_message
    hops = msg.via
    hops.pop()
    assert len(msg.via) == 1  # the cached list is not the caller's
    msg.headers.add("Via", "SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bKb")
    assert [hop.host for hop in msg.via] == ["192.168.2.64", "10.0.0.2"]
    msg.headers.set("From", "<sip:34020000001320000999@3402000000>;tag=1")
    assert msg.from_.user == "34020000001320000999"
    msg.headers.set("CSeq", "7 REGISTER")
    msg.headers.set("i", "other-call")
    assert (msg.cseq, msg.call_id) == ((7, "REGISTER"), "other-call")
    msg.headers.remove("To")
    with pytest.raises(SipError):
        msg.to  # noqa: B018
    msg.headers.set("CSeq", "x REGISTER")
    for _ in range(2):  # errors are not cached: each read raises
        with pytest.raises(SipError):
            msg.cseq  # noqa: B018


# -- MANSCDP -----------------------------------------------------------------------


def manscdp_outcome(body: bytes):
    try:
        return parse_manscdp(body)
    except ManscdpError as exc:
        return _error(exc)


def keepalive_body(rng: random.Random) -> bytes:
    """A keepalive as devices write them: declaration or not, any indentation and line
    endings, fields in the usual or a shuffled order, sometimes an Info."""
    parts = [
        b"<CmdType>Keepalive</CmdType>",
        b"<SN>%d</SN>" % rng.randint(0, 10**9),
        b"<DeviceID>3402000000132%07d</DeviceID>" % rng.randint(0, 9999999),
        b"<Status>%s</Status>" % rng.choice([b"OK", b"ERROR", b"ON", b""]),
    ]
    if rng.random() < 0.4:  # empty (fast path) or with children (full path)
        parts.append(rng.choice([
            b"<Info></Info>", b"<Info>\r\n</Info>", b"<Info/>", b"<Info><Status>OK</Status></Info>",
            b"<Info>\r\n<DeviceID>34020000001320000002</DeviceID>\r\n</Info>",
        ]))  # fmt: skip
    if rng.random() < 0.2:
        rng.shuffle(parts)
    sep = rng.choice([b"", b"\r\n", b"\n", b"\n  ", b"\r\n\t"])
    encoding = rng.choice([b"GB2312", b"gb2312", b"UTF-8", b"GB18030"])
    declaration = rng.choice([b"", b'<?xml version="1.0" encoding="' + encoding + b'"?>' + sep])
    return declaration + b"<Notify>" + sep + sep.join(parts) + sep + b"</Notify>" + sep


def test_every_manscdp_fixture_gives_the_same_through_the_fast_and_the_full_paths():
    for name in FIXTURE_NAMES:
        body = fixture(name)
        fast = manscdp_outcome(body)
        with full_paths():
            assert manscdp_outcome(body) == fast, name


def test_plain_keepalives_take_the_fast_path_and_others_do_not():
    for name in ("owl_30_keepalive.xml", "srs_ipc_keepalive_utf8.xml"):
        assert manscdp_parser._keepalive_fast(fixture(name)) == parse_manscdp(fixture(name))
    built = build_keepalive("34020000001320000001", 7)
    assert manscdp_parser._keepalive_fast(built) == Keepalive("34020000001320000001", 7, "OK")
    for name in ("gosip_nvr_keepalive_no_declaration.xml", "owl_pr64_keepalive_status_in_info.xml",
                 "srs_nvr_keepalive_gb2312.xml", "owl_30_catalog_response.xml"):  # fmt: skip
        assert manscdp_parser._keepalive_fast(fixture(name)) is None, name
    doctype = b'<?xml version="1.0"?><!DOCTYPE Notify><Notify>' + built.partition(b"<Notify>")[2]
    assert manscdp_parser._keepalive_fast(doctype) is None
    with pytest.raises(ManscdpError) as caught:
        parse_manscdp(doctype)
    assert caught.value.reason == "doctype_refused"
    for odd in (b"<SN>+7</SN>", b"<SN></SN><SN>7</SN>", b"<SN>&#55;</SN>", b"<SN>\xa3\xb7</SN>"):
        body = built.replace(b"<SN>7</SN>", odd)
        assert manscdp_parser._keepalive_fast(body) is None, odd
    with pytest.raises(ManscdpError):
        parse_manscdp(built, max_size=len(built) - 1)  # the size limit comes first


def test_mutated_keepalives_give_the_same_through_the_fast_and_the_full_paths():
    rng = random.Random("manscdp-fast-paths")
    bases = [fixture(name) for name in FIXTURE_NAMES]
    counts = {"fast": 0, "message": 0, "error": 0}
    for _ in range(4000):
        body = keepalive_body(rng) if rng.random() < 0.75 else rng.choice(bases)
        roll = rng.random()
        if roll < 0.4:
            body = mutate_edges(body, rng, XML_EDGES + XML_TOKENS)
        elif roll < 0.7:
            body = mutate_xml(body, rng)
        fast = manscdp_outcome(body)
        with full_paths():
            assert manscdp_outcome(body) == fast, body
        counts["fast"] += manscdp_parser._keepalive_fast(body) is not None
        counts["error" if isinstance(fast, tuple) else "message"] += 1
    # Both sides of the fast path, and both outcomes, were exercised.
    assert counts["fast"] > 600 and counts["message"] - counts["fast"] > 300 and counts["error"] > 300, counts


@pytest.mark.parametrize(
    "value",
    ["20 MESSAGE", "2147483647 MESSAGE", "2147483648 MESSAGE", "00000000001 MESSAGE", "0000000001 MESSAGE",
     "1  MESSAGE", "1\tMESSAGE", " 1 MESSAGE", "1 MESSAGE ", "1 MES SAGE", "1 message", "1 MESSAGE2", "²  MESSAGE",
     "1 ＭESSAGE", "-1 MESSAGE", "1", "MESSAGE", "1 "],
)  # fmt: skip
def test_cseq_shortcut_agrees_with_the_regex(value):
    def outcome():
        try:
            return message._parse_cseq(value)
        except SipError as exc:
            return _error(exc)

    fast = outcome()
    with full_paths():
        assert outcome() == fast
