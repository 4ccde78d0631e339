"""HTTP Digest for SIP REGISTER (RFC 2617, RFC 3261 22.4), MD5 with and without ``qop=auth``.

The platform's side of GB/T 28181 registration (reference gb28181.md §1.2)::

    auth = request.headers.get("Authorization")
    if auth is None:                                   # first REGISTER
        answer 401 with WWW-Authenticate: challenge_header(realm, issuer.issue(now))
    params = parse_digest(auth)                        # SipError(bad_header) on garbage
    state = issuer.check(params.get("nonce", ""), now)
    ok = verify(params, method="REGISTER", password=..., realm=realm)
    VALID + ok → 200;  STALE + ok → 401 with stale=true (the device retries without
    asking anyone for a password);  INVALID (a restarted or foreign platform's nonce) →
    a fresh 401;  not ok → 403.

Nonces are stateless (timestamp + random + HMAC), so several gateway processes sharing
the secret accept each other's nonces and a restart loses nothing. The price is that a
nonce can be replayed within its lifetime; keep the lifetime short (minutes), and bind it
to the device ID (``bound_to``) so a captured nonce is useless for another device.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets

from .errors import Reason, SipError

__all__ = ["NonceIssuer", "NonceState", "challenge_header", "expected_response", "parse_digest", "verify"]

_PARAM = re.compile(r'[ \t]*([A-Za-z0-9_.+-]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s",]*))[ \t]*', re.S)


def parse_digest(value: str) -> dict[str, str]:
    """``Digest username="…", realm="…", nc=00000001, …`` → ``{"username": …, …}``.

    Parameter names are lower-cased; quoted values are unquoted (commas inside quotes
    kept); values are otherwise as sent (``nc`` stays ``"00000001"``). Commas between
    parameters may be missing (some Dahua firmware breaks the line instead).
    """
    text = value.strip()
    head = re.match(r"(\S+)[ \t]+(\S.*)", text, re.S)
    if not head or head[1].lower() != "digest":
        raise _bad(f"not a Digest header: {text[:40]!r}", text)
    rest = head[2].rstrip()
    params: dict[str, str] = {}
    pos = 0
    while True:
        match = _PARAM.match(rest, pos)
        if not match:
            raise _bad(f"bad Digest parameter at {rest[pos : pos + 30]!r}", text)
        quoted = match[2]
        params[match[1].lower()] = (
            re.sub(r"\\(.)", r"\1", quoted, flags=re.S) if quoted is not None else match[3]
        )
        pos = match.end()
        if pos == len(rest) or (rest[pos] == "," and not rest[pos + 1 :].strip()):
            break
        if rest[pos] == ",":
            pos += 1
        elif match[0][-1] not in " \t":
            raise _bad(f"no separator before {rest[pos : pos + 30]!r}", text)
    return params


def _bad(detail: str, text: str) -> SipError:
    return SipError(Reason.BAD_HEADER, detail, text.encode("utf-8", "surrogatepass"))


def challenge_header(
    realm: str, nonce: str, *, qop: str | None = "auth", algorithm: str = "MD5", stale: bool = False
) -> str:
    """The value of a 401's ``WWW-Authenticate`` (``qop=None`` for the RFC 2069 form)."""
    parts = [f'Digest realm="{_quote(realm)}"', f'nonce="{_quote(nonce)}"']
    if qop:
        parts.append(f'qop="{_quote(qop)}"')
    parts.append(f"algorithm={algorithm}")
    if stale:
        parts.append("stale=true")
    return ",".join(parts)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _md5(text: str) -> str:
    try:
        data = text.encode("utf-8", "surrogateescape")  # the bytes as they came off the wire
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def expected_response(
    *,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str | None = None,
    cnonce: str | None = None,
    qop: str | None = None,
) -> str:
    """The ``response`` a client with this password computes (lower-case hex)."""
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop is None:
        return _md5(f"{ha1}:{nonce}:{ha2}")  # RFC 2069 form, still used by iVMS and others
    if qop.lower() != "auth":
        raise ValueError(f"qop {qop!r} is not supported (auth-int needs the body)")
    if nc is None or cnonce is None:
        raise ValueError("qop=auth needs nc and cnonce")
    return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def verify(auth: dict[str, str], *, method: str, password: str, realm: str) -> bool:
    """Whether ``auth`` (from :func:`parse_digest`) proves knowledge of ``password``.

    Uses the ``uri`` of the Authorization header, not the Request-URI (iVMS puts its own
    address there), and ``nc`` exactly as sent (wvp re-formats it, which breaks devices
    that send it differently). A realm other than ours is refused: the device would be
    answering someone else's challenge. Nonce freshness is :class:`NonceIssuer`'s job.
    """
    fields = ("username", "realm", "nonce", "uri", "response")
    if not all(isinstance(auth.get(name), str) for name in fields) or auth["realm"] != realm:
        return False
    if auth.get("algorithm", "MD5").upper() != "MD5":
        return False
    qop = auth.get("qop")
    if qop is not None and (qop.lower() != "auth" or "nc" not in auth or "cnonce" not in auth):
        return False
    expected = expected_response(
        username=auth["username"],
        realm=realm,
        password=password,
        method=method,
        uri=auth["uri"],
        nonce=auth["nonce"],
        nc=auth.get("nc") if qop else None,
        cnonce=auth.get("cnonce") if qop else None,
        qop=qop,
    )
    sent = auth["response"].strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected.encode(), sent)


class NonceState(enum.StrEnum):
    VALID = "valid"
    STALE = "stale"  # ours, but older than the lifetime: re-challenge with stale=true
    INVALID = "invalid"  # not ours (forged, mangled, another secret, another device)


class NonceIssuer:
    """Stateless nonces: ``<8 hex seconds><16 hex random><32 hex HMAC-SHA256>``.

    All hex, so they need no escaping in a quoted string and survive devices that
    upper-case or re-quote them badly (the check is case-insensitive).
    """

    _TS, _RAND, _MAC = 8, 16, 32

    def __init__(self, secret: bytes, lifetime_seconds: int, *, skew_seconds: int = 30) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret must be at least 16 bytes")
        if lifetime_seconds <= 0:
            raise ValueError("lifetime_seconds must be positive")
        self._secret = bytes(secret)
        self.lifetime = lifetime_seconds
        # Another gateway process may issue with a clock slightly ahead of ours.
        self.skew = skew_seconds

    def _mac(self, stamp: str, bound_to: str) -> str:
        message = f"{stamp}:{bound_to}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[: self._MAC]

    def issue(self, now_epoch: float, *, bound_to: str = "", entropy: bytes | None = None) -> str:
        """A nonce for a challenge sent at ``now_epoch`` (seconds since the epoch)."""
        seconds = int(now_epoch)
        if not 0 <= seconds < 16**self._TS:
            raise ValueError("now_epoch out of range")
        rand = (entropy if entropy is not None else secrets.token_bytes(8)).hex()[: self._RAND]
        stamp = f"{seconds:08x}{rand.rjust(self._RAND, '0')}"
        return stamp + self._mac(stamp, bound_to)

    def check(self, nonce: str, now_epoch: float, *, bound_to: str = "") -> NonceState:
        size = self._TS + self._RAND + self._MAC
        nonce = nonce.strip().lower() if isinstance(nonce, str) else ""
        if len(nonce) != size or not re.fullmatch(r"[0-9a-f]+", nonce):
            return NonceState.INVALID
        stamp, mac = nonce[: -self._MAC], nonce[-self._MAC :]
        if not hmac.compare_digest(mac, self._mac(stamp, bound_to)):
            return NonceState.INVALID
        age = now_epoch - int(stamp[: self._TS], 16)
        if age < -self.skew:
            return NonceState.INVALID
        return NonceState.STALE if age > self.lifetime else NonceState.VALID
