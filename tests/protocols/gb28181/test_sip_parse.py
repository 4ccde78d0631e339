"""parse_message on one datagram: what real devices get away with, what is refused and
why, the header model, addresses and Via."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181 import (
    Headers,
    LocalProtocolError,
    NameAddr,
    Request,
    Response,
    SipError,
    canonical_name,
    parse_message,
    parse_name_addr,
    parse_via,
    serialise,
)

from .sip_support import BY_NAME

KEEPALIVE = BY_NAME["srs_hikvision_keepalive"].wire
REGISTER = BY_NAME["livegbs_register_unauthenticated"].wire
BODY = KEEPALIVE.partition(b"\r\n\r\n")[2]


def _reason(data: bytes, **options) -> str:
    with pytest.raises(SipError) as caught:
        parse_message(data, **options)
    return caught.value.reason


def _replace_header(data: bytes, name: bytes, line: bytes) -> bytes:
    lines = data.split(b"\r\n")
    return b"\r\n".join(line if current.startswith(name + b":") else current for current in lines)


# -- tolerated -------------------------------------------------------------------------


def test_leading_line_endings_are_skipped():
    assert parse_message(b"\r\n\r\n\n" + REGISTER) == parse_message(REGISTER)


def test_lf_only_line_endings_parse_like_crlf():
    head = KEEPALIVE.partition(b"\r\n\r\n")[0]
    keepalive = parse_message(head.replace(b"\r\n", b"\n") + b"\n\n" + BODY)
    assert keepalive.body == BODY and keepalive.cseq == (20, "MESSAGE")
    register = parse_message(REGISTER.replace(b"\r\n", b"\n"))
    assert register == parse_message(REGISTER)


def test_spaces_around_the_colon_and_padding_are_ignored():
    data = REGISTER.replace(b"Call-ID: 575393982", b"Call-ID  :   575393982   ")
    assert parse_message(data).call_id == "575393982"


def test_header_names_in_any_case_are_found_and_written_canonically():
    data = REGISTER.replace(b"Call-ID:", b"CALL-id:").replace(b"CSeq:", b"cseq:").replace(b"Via:", b"VIA:")
    message = parse_message(data)
    assert message.call_id == "575393982" and message.cseq == (1, "REGISTER")
    assert b"\r\nCall-ID: 575393982\r\n" in serialise(message)
    assert b"\r\nCSeq: 1 REGISTER\r\n" in serialise(message)


def test_padded_content_length_is_read_and_normalised():
    message = parse_message(KEEPALIVE)
    assert b"Content-Length:   175" in KEEPALIVE
    assert message.headers.get("Content-Length") == "175" and len(message.body) == 175


def test_missing_content_length_on_udp_takes_the_rest_of_the_datagram():
    data = _replace_header(KEEPALIVE, b"Content-Length", b"X-Dropped: 1")
    assert parse_message(data).body == BODY


def test_body_longer_than_content_length_is_cut_to_it():
    assert parse_message(KEEPALIVE + b"trailing junk").body == BODY


def test_body_shorter_than_content_length_is_truncated():
    assert _reason(KEEPALIVE[:-1]) == "truncated"


def test_message_ending_without_the_blank_line_is_accepted():
    assert parse_message(REGISTER.rstrip(b"\r\n")).call_id == "575393982"


def test_folded_header_lines_are_joined():
    data = REGISTER.replace(b"User-Agent: IP Camera", b"User-Agent: IP\r\n   Camera")
    assert parse_message(data).headers.get("User-Agent") == "IP Camera"


def test_compact_header_names_map_to_full_names():
    data = (
        b"MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1\r\n"
        b"f: <sip:34020000001320000001@3402000000>;tag=1\r\n"
        b"t: <sip:34020000002000000001@3402000000>\r\n"
        b"i: abc\r\nCSeq: 20 MESSAGE\r\nc: Application/MANSCDP+xml\r\n"
        b"m: <sip:34020000001320000001@10.0.0.2:5060>\r\nk: path\r\ns: subject\r\n"
        b"e: gzip\r\no: presence\r\nu: dialog\r\nl: 2\r\n\r\nhi"
    )
    message = parse_message(data)
    names = [name for name, _ in message.headers]
    assert names == [
        "Via", "From", "To", "Call-ID", "CSeq", "Content-Type", "Contact", "Supported", "Subject",
        "Content-Encoding", "Event", "Allow-Events", "Content-Length",
    ]  # fmt: skip
    assert message.call_id == "abc" and message.body == b"hi"
    assert message.content_type == "application/manscdp+xml"
    assert message.contact.user == "34020000001320000001"


def test_several_via_hops_on_one_line_are_split():
    data = REGISTER.replace(
        b"Via: SIP/2.0/UDP 192.168.2.64:5060;rport=5060;received=192.168.2.64;branch=z9hG4bK1235305492",
        b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKb\r\n"
        b"Via: SIP/2.0/UDP 10.0.0.3:5062;branch=z9hG4bKc",
    )
    message = parse_message(data)
    assert [(v.transport, v.host, v.port, v.branch) for v in message.via] == [
        ("UDP", "10.0.0.1", 5060, "z9hG4bKa"),
        ("TCP", "10.0.0.2", None, "z9hG4bKb"),
        ("UDP", "10.0.0.3", 5062, "z9hG4bKc"),
    ]
    assert message.headers.get("Via") == "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa"


def test_gb2312_bytes_in_a_header_survive_parse_and_serialise():
    subject = "工地 1 号".encode("gb2312")
    data = REGISTER.replace(b"User-Agent: IP Camera", b"User-Agent: " + subject)
    message = parse_message(data)
    assert serialise(message).count(subject) == 1
    assert parse_message(serialise(message)) == message


def test_status_line_with_empty_reason_phrase_parses():
    data = BY_NAME["livegbs_keepalive_200"].wire.replace(b"SIP/2.0 200 OK", b"SIP/2.0 200 ")
    message = parse_message(data)
    assert isinstance(message, Response) and (message.status, message.reason) == (200, "")


# -- refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\r\n\r\n", "empty"),
        (b"", "empty"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "bad_start_line"),
        (b"SIP/2.0 99 Too Low\r\n\r\n", "bad_start_line"),
        (b"REGISTER sip:x SIP/3.0\r\n\r\n", "bad_start_line"),
        (REGISTER.replace(b"Call-ID: 575393982", b"Call-ID 575393982"), "bad_header"),
        (REGISTER.replace(b"Call-ID: 575393982", b"Call ID: 575393982"), "bad_header"),
        (REGISTER.replace(b"Call-ID: 575393982", b"Call-ID: 575\x00393982"), "bad_header"),
        (REGISTER.replace(b"Call-ID: 575393982", b"Call-ID: 575\r393982"), "bad_header"),
        (REGISTER.replace(b"Call-ID: 575393982\r\n", b""), "missing_header"),
        (REGISTER.replace(b"Call-ID: 575393982", b"Call-ID:"), "missing_header"),
        (_replace_header(REGISTER, b"Via", b"X: 1"), "missing_header"),
        (_replace_header(REGISTER, b"To", b"X: 1"), "missing_header"),
        (REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: one REGISTER"), "bad_cseq"),
        (REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: 1 MESSAGE"), "bad_cseq"),
        (REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: 2147483648 REGISTER"), "bad_cseq"),
        (REGISTER.replace(b"SIP/2.0/UDP 192.168.2.64:5060", b"SIP/2.0/UDP 192.168.2.64:99999"), "bad_via"),
        (REGISTER.replace(b"SIP/2.0/UDP 192.168.2.64:5060", b"UDP 192.168.2.64:5060"), "bad_via"),
        (REGISTER.replace(b";branch=", b";bra nch="), "bad_via"),
        (REGISTER.replace(b"From: <sip:", b"From: <nothing"), "bad_address"),
        (REGISTER.replace(b"To: <sip:34020000001320000264@3402000000>", b"To: <sip:x"), "bad_address"),
        (REGISTER.replace(b"Content-Length: 0", b"Content-Length: zero"), "bad_content_length"),
        (REGISTER.replace(b"Content-Length: 0", b"Content-Length: 0\r\nl: 3"), "bad_content_length"),
        (REGISTER.replace(b"Content-Length: 0", b"Content-Length: " + b"9" * 5000), "truncated"),
    ],
)
def test_bad_messages_raise_sip_error_with_the_reason(data, reason):
    assert _reason(data) == reason


def test_datagram_over_the_size_limit_is_too_large():
    assert _reason(KEEPALIVE, max_size=len(KEEPALIVE) - 1) == "too_large"
    assert parse_message(KEEPALIVE, max_size=len(KEEPALIVE)).call_id == "1185236415"


def test_sip_error_keeps_capped_raw_bytes_and_the_full_size():
    data = REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: x") + b"x" * 2000
    with pytest.raises(SipError) as caught:
        parse_message(data)
    assert caught.value.raw == data[:512] and caught.value.size == len(data)


def test_equal_content_length_headers_are_accepted():
    data = REGISTER.replace(b"Content-Length: 0", b"Content-Length: 0\r\nl:  0")
    assert parse_message(data).headers.get_all("Content-Length") == ["0"]


# -- Headers ---------------------------------------------------------------------------


def test_canonical_names():
    assert [canonical_name(n) for n in ("call-id", "CSEQ", "www-authenticate", "x-gb-ver", "content-length")] == [
        "Call-ID", "CSeq", "WWW-Authenticate", "X-GB-Ver", "Content-Length",
    ]  # fmt: skip
    assert canonical_name("i") == "Call-ID" and canonical_name("X-Custom-thing") == "X-Custom-Thing"


def test_headers_keep_order_and_are_case_insensitive():
    headers = Headers([("Via", "a"), ("to", "t"), ("VIA", "b")])
    assert headers.get("via") == "a" and headers.get_all("Via") == ["a", "b"]
    assert "TO" in headers and "From" not in headers
    assert list(headers) == [("Via", "a"), ("To", "t"), ("Via", "b")]


def test_headers_set_replaces_in_place_and_remove_counts():
    headers = Headers([("Via", "a"), ("To", "t"), ("Via", "b")])
    headers.set("via", "c")
    assert list(headers) == [("Via", "c"), ("To", "t")]
    headers.set("Expires", "60")
    assert list(headers)[-1] == ("Expires", "60")
    assert headers.remove("VIA") == 1 and headers.remove("Via") == 0
    assert list(headers) == [("To", "t"), ("Expires", "60")]


def test_headers_from_a_mapping_and_get_default():
    headers = Headers({"Expires": "3600"})
    assert headers.get("Expires") == "3600" and headers.get("Contact", "none") == "none"


def test_commas_inside_quotes_and_brackets_do_not_split_list_headers():
    headers = Headers([("Contact", '"Doe, John" <sip:a@b;x=1,2>;q=1, <sip:c@d>')])
    assert headers.get_all("Contact") == ['"Doe, John" <sip:a@b;x=1,2>;q=1', "<sip:c@d>"]


def test_non_list_headers_are_not_split_on_commas():
    headers = Headers([("Subject", "34020000001320000003:630886,34020000002000000001:0")])
    assert headers.get_all("Subject") == ["34020000001320000003:630886,34020000002000000001:0"]


# -- addresses and Via -----------------------------------------------------------------


def test_name_addr_with_display_name_params_and_user():
    address = parse_name_addr(
        '"Camera \\"01\\"" <sip:34020000001320000001@3402000000:5060;transport=udp>;tag=9'
    )
    assert address.display_name == 'Camera "01"' and address.tag == "9"
    assert (address.user, address.host, address.port) == ("34020000001320000001", "3402000000", 5060)
    assert parse_name_addr(str(address)) == address


def test_addr_spec_without_brackets_takes_header_params():
    address = parse_name_addr("sip:34020000001320000001@3402000000;tag=abc")
    assert address.uri == "sip:34020000001320000001@3402000000" and address.tag == "abc"


def test_unquoted_display_name_and_uri_without_user():
    address = parse_name_addr("Camera <sip:192.168.1.64:5060>")
    assert (address.display_name, address.user, address.host, address.port) == (
        "Camera",
        None,
        "192.168.1.64",
        5060,
    )


def test_contact_star_and_quoted_params_with_brackets():
    assert str(parse_name_addr("*")) == "*"
    contact = parse_message(BY_NAME["pjsip_tcp_register"].wire).contact
    assert contact.params["+sip.instance"] == '"<urn:uuid:00000000-0000-0000-0000-000041d7c640>"'
    assert contact.params["reg-id"] == "1" and contact.port == 50250


def test_with_tag_adds_a_tag():
    assert NameAddr("sip:a@b").with_tag("7").tag == "7"
    assert str(NameAddr("sip:a@b", params={"tag": "7"})) == "<sip:a@b>;tag=7"


def test_via_with_ipv6_spaces_and_flag_params():
    via = parse_via("SIP / 2.0 / tcp [2001:db8::1]:5061 ; rport ; branch = z9hG4bKx;received=2001:db8::2")
    assert (via.transport, via.host, via.port) == ("TCP", "[2001:db8::1]", 5061)
    assert via.params == {"rport": None, "branch": "z9hG4bKx", "received": "2001:db8::2"}
    assert via.rport is None and via.branch == "z9hG4bKx"
    assert str(via) == "SIP/2.0/TCP [2001:db8::1]:5061;rport;branch=z9hG4bKx;received=2001:db8::2"


def test_via_rport_value_is_an_int():
    assert parse_via("SIP/2.0/UDP 1.2.3.4:5060;rport=61378;received=5.6.7.8").rport == 61378


@pytest.mark.parametrize("rport", ["9" * 5000, "\u00b2", "0", "65536", ""])
def test_hostile_or_impossible_port_numbers_read_as_none(rport):
    assert parse_via(f"SIP/2.0/UDP 1.2.3.4:5060;rport={rport}").rport is None
    assert parse_name_addr(f"<sip:a@1.2.3.4:{rport}>").port is None


def test_unicode_digits_are_not_a_content_length():
    assert (
        _reason(REGISTER.replace(b"Content-Length: 0", "Content-Length: \u00b2".encode()))
        == "bad_content_length"
    )


def test_properties_of_a_hand_built_message_raise_sip_error():
    request = Request("MESSAGE", "sip:a@b", Headers({"CSeq": "x MESSAGE", "Expires": "soon"}))
    for name in ("call_id", "cseq", "from_", "to", "expires"):
        with pytest.raises(SipError):
            getattr(request, name)
    assert request.via == [] and request.contact is None and request.content_type is None


# -- serialise -------------------------------------------------------------------------


def test_serialise_recomputes_content_length_and_appends_it_when_missing():
    message = parse_message(KEEPALIVE)
    message.body = b"<x/>"
    assert serialise(message).endswith(b"Content-Length: 4\r\n\r\n<x/>")
    message.headers.remove("Content-Length")
    assert serialise(message).endswith(b"Content-Length: 4\r\n\r\n<x/>")


@pytest.mark.parametrize(
    "message",
    [
        Request("MESSAGE", "sip:a@b", Headers({"Subject": "a\r\nInjected: 1"})),
        Request("MESSAGE", "sip:a b", Headers()),
        Request("BAD METHOD", "sip:a@b", Headers()),
        Response(700, "Nope", Headers()),
        Response(200, "OK\r\n", Headers()),
        Response(200, "OK", Headers([("Bad Name", "x")])),
        Response(200, "OK", Headers({"Subject": "\ud800"})),
    ],
)
def test_serialise_refuses_what_cannot_be_sent(message):
    with pytest.raises(LocalProtocolError):
        serialise(message)
