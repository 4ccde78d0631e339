"""Digest for REGISTER against real captured exchanges (LiveGBS with qop=auth, EasyGBS/iVMS
without), RFC 2617's own example, and the stateless nonces."""

from __future__ import annotations

import hashlib

import pytest

from sitewatch.protocols.gb28181 import (
    NonceIssuer,
    NonceState,
    SipError,
    challenge_header,
    expected_response,
    parse_digest,
    verify,
)

from .sip_support import BY_NAME, parsed


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _auth(name: str) -> dict[str, str]:
    return parse_digest(parsed(BY_NAME[name]).headers.get("Authorization"))


LIVEGBS = BY_NAME["livegbs_register_authorized"]
IVMS = BY_NAME["ivms_register_with_old_authorization"]


@pytest.mark.parametrize("fixture", [LIVEGBS, IVMS], ids=lambda f: f.name)
def test_real_captured_register_verifies_with_the_published_password(fixture):
    auth = _auth(fixture.name)
    assert verify(
        auth, method="REGISTER", password=fixture.meta["expect.password"], realm=fixture.meta["expect.realm"]
    )


def test_livegbs_capture_recomputes_independently_with_the_qop_formula():
    auth = _auth(LIVEGBS.name)
    assert auth == {
        "username": "34020000001320000264",
        "realm": "3402000000",
        "nonce": "6eb1340d99c404a0e4d3b68d15d1d46f",
        "uri": "sip:34020000002000000001@3402000000",
        "response": "4c97657aa0412c25d4b862219b635c17",
        "algorithm": "MD5",
        "cnonce": "0a4f113b",
        "qop": "auth",
        "nc": "00000001",
    }
    ha1 = _md5("34020000001320000264:3402000000:12345678")
    ha2 = _md5("REGISTER:sip:34020000002000000001@3402000000")
    by_hand = _md5(f"{ha1}:6eb1340d99c404a0e4d3b68d15d1d46f:00000001:0a4f113b:auth:{ha2}")
    assert by_hand == auth["response"]
    assert expected_response(password="12345678", method="REGISTER", **{k: auth[k] for k in
                             ("username", "realm", "uri", "nonce", "nc", "cnonce", "qop")}) == by_hand  # fmt: skip
    # ... and not with the RFC 2069 formula: the qop fields matter.
    assert _md5(f"{ha1}:6eb1340d99c404a0e4d3b68d15d1d46f:{ha2}") != auth["response"]


def test_ivms_capture_recomputes_with_the_no_qop_formula_and_its_own_uri():
    auth = _auth(IVMS.name)
    assert "qop" not in auth and auth["uri"] != parsed(IVMS).uri  # iVMS signs its own address
    ha1 = _md5("34020000002000000001:3402000000:12345678")
    ha2 = _md5(f"REGISTER:{auth['uri']}")
    assert _md5(f"{ha1}:bd2e4df9e3d9b280:{ha2}") == auth["response"] == "9c8411f2b96c5aef55eb136ba3f34655"
    wrong_uri = dict(auth, uri=parsed(IVMS).uri)
    assert not verify(wrong_uri, method="REGISTER", password="12345678", realm="3402000000")


def test_rfc_2617_example():
    auth = parse_digest(
        'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", '
        'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    assert verify(auth, method="GET", password="Circle Of Life", realm="testrealm@host.com")
    assert not verify(auth, method="POST", password="Circle Of Life", realm="testrealm@host.com")


@pytest.mark.parametrize(
    ("change", "password", "realm"),
    [
        ({}, "87654321", "3402000000"),  # wrong password
        ({}, "12345678", "3402000001"),  # our realm differs from the one the device answered
        ({"realm": "3402000001"}, "12345678", "3402000001"),  # answered a realm, signed another
        ({"nc": "1"}, "12345678", "3402000000"),  # nc must be used exactly as sent
        ({"cnonce": "0a4f113c"}, "12345678", "3402000000"),
        ({"nonce": "6eb1340d99c404a0e4d3b68d15d1d46e"}, "12345678", "3402000000"),
        ({"algorithm": "SHA-256"}, "12345678", "3402000000"),
        ({"qop": "auth-int"}, "12345678", "3402000000"),
        ({"response": "0" * 32}, "12345678", "3402000000"),
        ({"response": "é" * 32}, "12345678", "3402000000"),
    ],
)
def test_verify_refuses(change, password, realm):
    auth = dict(_auth(LIVEGBS.name), **change)
    assert not verify(auth, method="REGISTER", password=password, realm=realm)


@pytest.mark.parametrize("missing", ["username", "realm", "nonce", "uri", "response", "nc", "cnonce"])
def test_verify_refuses_a_missing_field(missing):
    auth = _auth(LIVEGBS.name)
    del auth[missing]
    assert not verify(auth, method="REGISTER", password="12345678", realm="3402000000")


def test_verify_accepts_an_upper_case_response_and_algorithm():
    auth = dict(_auth(LIVEGBS.name), algorithm="md5")
    auth["response"] = auth["response"].upper()
    assert verify(auth, method="REGISTER", password="12345678", realm="3402000000")


def test_expected_response_refuses_what_it_cannot_compute():
    common = dict(username="u", realm="r", password="p", method="REGISTER", uri="sip:a", nonce="n")
    with pytest.raises(ValueError):
        expected_response(**common, qop="auth")
    with pytest.raises(ValueError):
        expected_response(**common, qop="auth-int", nc="1", cnonce="c")


# -- parse_digest and challenge_header -------------------------------------------------


def test_parse_digest_tolerates_case_spaces_missing_commas_and_quoted_commas():
    value = 'digest  Realm = "a, b" ,NONCE=abc  qop="auth"\tusername="x\\"y",nc=00000001,'
    assert parse_digest(value) == {
        "realm": "a, b",
        "nonce": "abc",
        "qop": "auth",
        "username": 'x"y',
        "nc": "00000001",
    }


def test_parse_digest_reads_the_real_challenges():
    challenge = parse_digest(parsed(BY_NAME["livegbs_401"]).headers.get("WWW-Authenticate"))
    assert challenge == {"realm": "3402000000", "qop": "auth", "nonce": "6eb1340d99c404a0e4d3b68d15d1d46f"}


@pytest.mark.parametrize(
    "value",
    ["", "Digest", "Digest ", "Basic dXNlcjpwYXNz", 'Digest realm="open', "Digest realm", 'Digest realm="a"nonce="b"',
     "Digest =x", "Digest realm=a,,nonce=b", "Digest realm=a\nnonce=b"],
)  # fmt: skip
def test_parse_digest_raises_bad_header_on_garbage(value):
    with pytest.raises(SipError) as caught:
        parse_digest(value)
    assert caught.value.reason == "bad_header"


def test_challenge_header_round_trips_and_marks_stale():
    value = challenge_header("3402000000", "abc", stale=True)
    assert value == 'Digest realm="3402000000",nonce="abc",qop="auth",algorithm=MD5,stale=true'
    assert parse_digest(value)["stale"] == "true"
    assert "qop" not in parse_digest(challenge_header("3402000000", "abc", qop=None))


def test_a_client_answering_our_challenge_verifies():
    challenge = parse_digest(challenge_header("3402000000", "n0nce"))
    response = expected_response(username="34020000001320000001", realm=challenge["realm"], password="pw",
                                 method="REGISTER", uri="sip:34020000002000000001@3402000000",
                                 nonce=challenge["nonce"], nc="00000001", cnonce="c", qop=challenge["qop"])  # fmt: skip
    auth = {"username": "34020000001320000001", "realm": "3402000000", "nonce": "n0nce", "nc": "00000001",
            "uri": "sip:34020000002000000001@3402000000", "cnonce": "c", "qop": "auth", "response": response}  # fmt: skip
    assert verify(auth, method="REGISTER", password="pw", realm="3402000000")


# -- nonces ----------------------------------------------------------------------------

SECRET = b"0123456789abcdef-shared"
NOW = 1_715_000_000.0


def test_nonce_is_valid_within_its_lifetime_and_then_stale():
    issuer = NonceIssuer(SECRET, 300)
    nonce = issuer.issue(NOW)
    assert issuer.check(nonce, NOW) is NonceState.VALID
    assert issuer.check(nonce, NOW + 300) is NonceState.VALID
    assert issuer.check(nonce, NOW + 301) is NonceState.STALE


def test_another_process_with_the_same_secret_accepts_the_nonce():
    assert NonceIssuer(SECRET, 300).check(NonceIssuer(SECRET, 300).issue(NOW), NOW + 1) is NonceState.VALID
    assert (
        NonceIssuer(b"another secret, 16+", 300).check(NonceIssuer(SECRET, 300).issue(NOW), NOW)
        is NonceState.INVALID
    )


def test_tampered_foreign_or_future_nonces_are_invalid():
    issuer = NonceIssuer(SECRET, 300)
    nonce = issuer.issue(NOW, entropy=b"\x01" * 8)
    older = f"{int(NOW) - 100:08x}" + nonce[8:]  # a forged timestamp breaks the HMAC
    assert issuer.check(older, NOW) is NonceState.INVALID
    assert issuer.check(nonce[:-1] + ("0" if nonce[-1] != "0" else "1"), NOW) is NonceState.INVALID
    for foreign in ("6eb1340d99c404a0e4d3b68d15d1d46f", "", "zz" * 28, nonce + "0"):
        assert issuer.check(foreign, NOW) is NonceState.INVALID
    assert issuer.check(issuer.issue(NOW + 31), NOW) is NonceState.INVALID
    assert issuer.check(issuer.issue(NOW + 30), NOW) is NonceState.VALID  # clock skew between processes


def test_nonce_bound_to_a_device_is_invalid_for_another():
    issuer = NonceIssuer(SECRET, 300)
    nonce = issuer.issue(NOW, bound_to="34020000001320000264")
    assert issuer.check(nonce, NOW, bound_to="34020000001320000264") is NonceState.VALID
    assert issuer.check(nonce, NOW, bound_to="34020000001320000265") is NonceState.INVALID


def test_nonces_are_hex_unique_and_case_insensitive():
    issuer = NonceIssuer(SECRET, 300)
    first, second = issuer.issue(NOW), issuer.issue(NOW)
    assert first != second and len(first) == 56 and int(first, 16) >= 0
    assert issuer.check(first.upper(), NOW) is NonceState.VALID


def test_nonce_issuer_refuses_weak_settings():
    with pytest.raises(ValueError):
        NonceIssuer(b"short", 300)
    with pytest.raises(ValueError):
        NonceIssuer(SECRET, 0)
