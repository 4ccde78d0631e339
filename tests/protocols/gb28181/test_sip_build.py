"""response_to (a UAS's answer) and build_request (platform → device), checked against
the real exchanges in the fixtures."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181 import (
    LocalProtocolError,
    SipError,
    build_request,
    challenge_header,
    new_branch,
    new_tag,
    parse_message,
    response_to,
    serialise,
)

from .sip_support import BY_NAME, parsed

REGISTER = parsed(BY_NAME["livegbs_register_unauthenticated"])
SRS_REGISTER = parsed(BY_NAME["srs_hikvision_register"])
PJSIP = parsed(BY_NAME["pjsip_tcp_register"])


def test_401_built_for_the_real_register_matches_the_real_401_where_it_matters():
    real = parsed(BY_NAME["livegbs_401"])
    ours = response_to(
        REGISTER,
        401,
        source=("192.168.2.64", 5060),
        to_tag="776284809",
        headers={"WWW-Authenticate": real.headers.get("WWW-Authenticate")},
    )
    for name in ("Via", "From", "To", "Call-ID", "CSeq", "WWW-Authenticate"):
        assert ours.headers.get_all(name) == real.headers.get_all(name), name
    assert (ours.status, ours.reason) == (401, "Unauthorized")


def test_source_behind_nat_fills_rport_and_received_on_the_top_via():
    response = response_to(SRS_REGISTER, 200, source=("203.0.113.7", 61378))
    via = response.via[0]
    assert (via.host, via.port, via.rport, via.received) == ("192.168.137.11", 5060, 61378, "203.0.113.7")
    assert via.branch == "z9hG4bK1371463273"
    assert response.headers.get("Via") == (
        "SIP/2.0/UDP 192.168.137.11:5060;rport=61378;branch=z9hG4bK1371463273;received=203.0.113.7"
    )


def test_received_is_added_without_rport_only_when_the_address_differs():
    request = parsed(BY_NAME["srs_ack"])
    request.headers.set("Via", "SIP/2.0/UDP 39.100.155.146:15063;branch=z9hG4bK34208805")
    same = response_to(request, 200, source=("39.100.155.146", 15063)).via[0]
    other = response_to(request, 200, source=("10.1.1.1", 4000)).via[0]
    assert "received" not in same.params and "rport" not in same.params
    assert other.received == "10.1.1.1" and "rport" not in other.params


def test_without_a_source_every_via_is_copied_unchanged():
    request = parsed(BY_NAME["srs_ack"])
    request.headers.add("Via", "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsecond")
    response = response_to(request, 200)
    assert response.headers.get_all("Via") == request.headers.get_all("Via")
    assert len(response.via) == 2


def test_to_tag_is_added_when_absent_and_kept_when_present():
    assert response_to(REGISTER, 200, to_tag="abc").to.tag == "abc"
    assert response_to(REGISTER, 100).to.tag is None
    bye = parsed(BY_NAME["srs_bye"])
    assert response_to(bye, 200, to_tag="other").to.tag == "1083111311"


def test_from_call_id_and_cseq_are_copied_and_extras_appended():
    response = response_to(
        REGISTER,
        200,
        headers=[("Expires", "3600"), ("Date", "2024-05-06T10:00:00.000")],
        body=b"<x/>",
        content_type="Application/MANSCDP+xml",
    )
    assert response.headers.get("From") == REGISTER.headers.get("From")
    assert (response.call_id, response.cseq) == ("575393982", (1, "REGISTER"))
    assert [name for name, _ in response.headers][-3:] == ["Expires", "Date", "Content-Type"]
    assert parse_message(serialise(response)).body == b"<x/>"


def test_reason_phrase_defaults_by_status_and_can_be_given():
    assert response_to(REGISTER, 403).reason == "Forbidden"
    assert response_to(REGISTER, 299).reason == ""
    assert response_to(REGISTER, 200, "Fine").reason == "Fine"


def test_response_to_a_request_without_via_is_refused():
    request = parsed(BY_NAME["srs_ack"])
    request.headers.remove("Via")
    with pytest.raises(SipError):
        response_to(request, 200)


def test_built_response_parses_back_equal():
    response = response_to(PJSIP, 401, source=("192.168.110.247", 50250), to_tag=new_tag(),
                           headers={"WWW-Authenticate": challenge_header("3402000000", "n1")})  # fmt: skip
    again = parse_message(serialise(response))
    assert serialise(again) == serialise(response)
    assert list(again.headers)[:-1] == list(response.headers)  # plus the Content-Length


def _catalog_query(**overrides):
    options = dict(
        uri="sip:34020000001110000001@192.168.1.21:5060",
        from_uri="sip:34020000002000000001@3402000000",
        from_tag="387315752",
        to_uri="sip:34020000001110000001@3402000000",
        call_id="728315752",
        cseq=32,
        via_host="192.168.1.17",
        via_port=5060,
        branch=new_branch("563315752"),
        body=b'<?xml version="1.0"?>\r\n<Query/>\r\n',
        content_type="Application/MANSCDP+xml",
        user_agent="sitewatch",
    )
    options.update(overrides)
    return build_request("MESSAGE", **options)


def test_build_request_writes_the_headers_a_device_expects():
    wire = serialise(_catalog_query())
    assert wire.startswith(
        b"MESSAGE sip:34020000001110000001@192.168.1.21:5060 SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 192.168.1.17:5060;rport;branch=z9hG4bK563315752\r\n"
        b"From: <sip:34020000002000000001@3402000000>;tag=387315752\r\n"
        b"To: <sip:34020000001110000001@3402000000>\r\n"
        b"Call-ID: 728315752\r\nCSeq: 32 MESSAGE\r\nContent-Type: Application/MANSCDP+xml\r\n"
        b"Max-Forwards: 70\r\nUser-Agent: sitewatch\r\nContent-Length: 33\r\n\r\n"
    )
    assert serialise(parse_message(wire)) == wire


def test_build_request_over_tcp_with_contact_to_tag_and_ipv6():
    request = _catalog_query(transport="tcp", via_host="2001:db8::5", to_tag="t1",
                             contact="sip:34020000002000000001@10.0.0.1:5060", extra_headers={"X-GB-Ver": "3.0"})  # fmt: skip
    via = request.via[0]
    assert (via.transport, via.host, via.port) == ("TCP", "[2001:db8::5]", 5060)
    assert request.to.tag == "t1" and request.contact.uri == "sip:34020000002000000001@10.0.0.1:5060"
    assert request.headers.get("x-gb-ver") == "3.0"


@pytest.mark.parametrize("bad", [{"transport": "SCTP"}, {"cseq": -1}, {"cseq": 2**31}])
def test_build_request_refuses_what_it_cannot_write(bad):
    with pytest.raises(LocalProtocolError):
        _catalog_query(**bad)


def test_branches_carry_the_magic_cookie_and_random_parts_differ():
    assert new_branch("abc") == "z9hG4bKabc"
    assert new_branch().startswith("z9hG4bK") and new_branch() != new_branch()
    assert new_tag() != new_tag()
