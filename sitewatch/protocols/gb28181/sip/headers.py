"""Header-level SIP syntax: names, ordered multi-valued headers, name-addr, Via.

Everything a peer wrote is accepted in the forms real devices use (compact names, any
case, spaces around ``=``), and refused with :class:`~..errors.SipError` otherwise.
Parameter values are kept as written (quotes included) so that serialising gives them
back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..errors import Reason, SipError

__all__ = ["Headers", "NameAddr", "Via", "canonical_name", "parse_name_addr", "parse_via"]

_COMPACT = {
    "i": "Call-ID", "f": "From", "t": "To", "v": "Via", "m": "Contact", "l": "Content-Length",
    "c": "Content-Type", "e": "Content-Encoding", "k": "Supported", "s": "Subject", "o": "Event",
    "u": "Allow-Events",
}  # fmt: skip
_SPECIAL = {
    "call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate",
    "mime-version": "MIME-Version", "x-gb-ver": "X-GB-Ver", "rack": "RAck", "rseq": "RSeq",
    "sip-etag": "SIP-ETag", "sip-if-match": "SIP-If-Match",
}  # fmt: skip
# Headers whose value is a comma-separated list (RFC 3261 7.3.1): several hops may share one
# "Via:" line, and get_all() must still return each hop.
_LISTS = frozenset(
    "Via Route Record-Route Contact Allow Supported Require Proxy-Require Unsupported "
    "Allow-Events Accept Accept-Encoding Accept-Language Content-Encoding In-Reply-To".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~-]+")
_VIA = re.compile(
    r"SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*([A-Za-z0-9.!%*_+`'~-]+)[ \t]+"
    r"(\[[0-9A-Fa-f:.]+\]|[^\s:;,\[\]]+)(?:[ \t]*:[ \t]*([0-9]{1,5}))?(.*)",
    re.I | re.S,
)
_PARAM_VALUE = re.compile(r'[^\s",<>]*')
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"]+")


@lru_cache(maxsize=512)
def canonical_name(name: str) -> str:
    """``"call-id"`` → ``"Call-ID"``, ``"v"`` → ``"Via"``, ``"x-foo"`` → ``"X-Foo"``."""
    key = name.strip().lower()
    if key in _COMPACT:
        return _COMPACT[key]
    return _SPECIAL.get(key) or "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


def _split_outside(text: str, sep: str) -> list[str]:
    """Split on ``sep`` except inside "quoted strings" and <angle brackets>."""
    parts: list[str] = []
    start = 0
    quoted = angled = escaped = False
    for i, ch in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            angled = True
        elif ch == ">":
            angled = False
        elif ch == sep and not angled:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


class Headers:
    """Ordered, multi-valued, case-insensitive headers; names kept in canonical form."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str]] = []
        pairs = items.items() if isinstance(items, Mapping) else (items or ())
        for name, value in pairs:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        self._items.append((canonical_name(name), str(value)))

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value (for list headers such as Via: the first element)."""
        values = self.get_all(name)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        key = canonical_name(name)
        values = [value for item, value in self._items if item == key]
        if key not in _LISTS:
            return values
        return [part.strip() for value in values for part in _split_outside(value, ",") if part.strip()]

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by one, where the first one was (else append)."""
        key = canonical_name(name)
        kept: list[tuple[str, str]] = []
        placed = False
        for item in self._items:
            if item[0] != key:
                kept.append(item)
            elif not placed:
                kept.append((key, str(value)))
                placed = True
        if not placed:
            kept.append((key, str(value)))
        self._items = kept

    def remove(self, name: str) -> int:
        key = canonical_name(name)
        before = len(self._items)
        self._items = [item for item in self._items if item[0] != key]
        return before - len(self._items)

    def copy(self) -> Headers:
        return Headers(self._items)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = canonical_name(name)
        return any(item == key for item, _ in self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._items == other._items

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def _parse_params(text: str, reason: Reason) -> dict[str, str | None]:
    """``;a=b;lr;c="x;y"`` → ``{"a": "b", "lr": None, "c": '"x;y"'}`` (names lower-cased,
    values as written so that serialising gives them back)."""
    params: dict[str, str | None] = {}
    text = text.strip()
    if not text:
        return params
    if not text.startswith(";"):
        raise SipError(reason, f"expected ';' before parameters, got {text[:40]!r}", _raw(text))
    for part in _split_outside(text[1:], ";"):
        name, eq, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not name and not eq:
            continue  # ";;" and a trailing ";"
        quoted = len(value) >= 2 and value[0] == value[-1] == '"'
        if not _TOKEN.fullmatch(name) or not (quoted or _PARAM_VALUE.fullmatch(value)):
            raise SipError(reason, f"bad parameter {part.strip()[:40]!r}", _raw(text))
        params[name] = value if eq else None
    return params


def _format_params(params: Mapping[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def _port(text: str) -> int | None:
    # isascii: "²".isdigit() is true; the length bound keeps int() cheap on hostile input.
    ok = text.isascii() and text.isdigit() and len(text) <= 5
    return int(text) if ok and 0 < int(text) < 65536 else None


def _split_hostport(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("[") and "]" in hostport:  # [IPv6]:port
        host, _, rest = hostport.partition("]")
        return host + "]", _port(rest[1:]) if rest.startswith(":") else None
    host, colon, port = hostport.partition(":")
    return host, _port(port) if colon else None


def _raw(text: str) -> bytes:
    """The bytes a header value came from (for SipError.raw)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


@dataclass(slots=True)
class NameAddr:
    """From / To / Contact: ``"name" <uri>;params``. ``params`` are header parameters
    (``tag``, ``expires``); a flag parameter maps to None."""

    uri: str
    display_name: str = ""
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    @property
    def user(self) -> str | None:
        """``34020000001320000264`` in ``sip:34020000001320000264@3402000000``."""
        rest = self.uri.partition(":")[2]
        userinfo, at, _ = re.split(r"[;?]", rest, maxsplit=1)[0].rpartition("@")
        return userinfo.partition(":")[0] if at else None

    @property
    def host(self) -> str:
        return _split_hostport(self._hostport())[0]

    @property
    def port(self) -> int | None:
        return _split_hostport(self._hostport())[1]

    def _hostport(self) -> str:
        return re.split(r"[;?]", self.uri.partition(":")[2], maxsplit=1)[0].rpartition("@")[2]

    def with_tag(self, tag: str) -> NameAddr:
        return replace(self, params={**self.params, "tag": tag})

    def __str__(self) -> str:
        if self.uri == "*":
            return "*"
        name = self.display_name.replace("\\", "\\\\").replace('"', '\\"')
        return (f'"{name}" ' if name else "") + f"<{self.uri}>" + _format_params(self.params)


def parse_name_addr(value: str) -> NameAddr:
    """Parse a name-addr (``"n" <sip:…>;tag=1``) or an addr-spec (``sip:…;tag=1``, whose
    ``;`` parameters are then header parameters, RFC 3261 20.10)."""
    text = value.strip()
    if text == "*":
        return NameAddr("*")
    display = ""
    lt = text.find("<")
    if text.startswith('"'):
        end = 1
        while end < len(text) and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        if end >= len(text):
            raise SipError(Reason.BAD_ADDRESS, "unterminated display name", _raw(text))
        display = re.sub(r"\\(.)", r"\1", text[1:end], flags=re.S)
        lt = text.find("<", end)
        if lt < 0 or text[end + 1 : lt].strip():
            raise SipError(Reason.BAD_ADDRESS, "display name without <uri>", _raw(text))
    elif lt >= 0:
        display = text[:lt].strip()
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            raise SipError(Reason.BAD_ADDRESS, "no '>' after '<'", _raw(text))
        uri, rest = text[lt + 1 : gt].strip(), text[gt + 1 :]
    else:
        uri, sep, rest = text.partition(";")
        uri, rest = uri.strip(), sep + rest
    if not _URI.fullmatch(uri):
        raise SipError(Reason.BAD_ADDRESS, f"not a URI: {uri[:60]!r}", _raw(text))
    return NameAddr(uri, display, _parse_params(rest, Reason.BAD_ADDRESS))


@dataclass(slots=True)
class Via:
    """One Via hop: ``SIP/2.0/UDP 192.168.2.64:5060;rport=5060;received=…;branch=z9hG4bK…``."""

    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def received(self) -> str | None:
        return self.params.get("received")

    @property
    def rport(self) -> int | None:
        """The port filled in by the server (RFC 3581); None if absent or only requested."""
        value = self.params.get("rport")
        return _port(value) if value else None

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"SIP/2.0/{self.transport} {self.host}{port}{_format_params(self.params)}"


def parse_via(value: str) -> Via:
    match = _VIA.fullmatch(value.strip())
    port = int(match[3]) if match and match[3] else None
    if not match or port == 0 or (port or 0) > 65535:
        raise SipError(Reason.BAD_VIA, f"bad Via {value[:80]!r}", _raw(value))
    return Via(match[1].upper(), match[2], port, _parse_params(match[4], Reason.BAD_VIA))
