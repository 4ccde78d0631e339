"""Header-level SIP syntax: names, ordered multi-valued headers, name-addr, Via.

Everything a peer wrote is accepted in the forms real devices use (compact names, any
case, spaces around ``=``), and refused with :class:`~..errors.SipError` otherwise.
Parameter values are kept as written (quotes included) so that serialising gives them
back byte for byte.

Speed (a gateway parses tens of thousands of these a second): the common shapes take
fast paths (no quotes or brackets: plain ``str.split``; parameters without spaces or
quotes: one regular expression that validates them all). Each fast path only *accepts*
text on which the general code would give the same result; anything else goes through
the general code, which also produces every error.
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
# ";name=value;flag" with no whitespace and no quotes: valid as a whole exactly when every
# part is (each part starts at a ";", which neither a token nor a value can hold).
_SIMPLE_PARAMS_RE = r'(?:;(?:[A-Za-z0-9.!%*_+`\'~-]+(?:=[^\s",<>;]*)?)?)*'
_SIMPLE_PARAMS = re.compile(_SIMPLE_PARAMS_RE)
# "<sip:…>;params" (no display name, no spaces, no quotes), and
# "SIP/2.0/UDP host:port;params" (upper-case transport, no IPv6, no spaces): shapes on
# which parse_name_addr / parse_via give what these groups hold.
_SIMPLE_NAME_ADDR = re.compile(r'<([A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+)>(' + _SIMPLE_PARAMS_RE + ")")
_TAGGED_NAME_ADDR = re.compile(r'<([A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+)>(?:;tag=([^\s",<>;]*))?')
_SIMPLE_VIA = re.compile(r"SIP/2\.0/([A-Z]+) ([^\s:;,\[\]]+)(?::([0-9]{1,5}))?(" + _SIMPLE_PARAMS_RE + ")")
_URI_END = re.compile(r"[;?]")
_UNESCAPE = re.compile(r"\\(.)", re.S)


@lru_cache(maxsize=512)
def canonical_name(name: str) -> str:
    """``"call-id"`` → ``"Call-ID"``, ``"v"`` → ``"Via"``, ``"x-foo"`` → ``"X-Foo"``."""
    key = name.strip().lower()
    if key in _COMPACT:
        return _COMPACT[key]
    return _SPECIAL.get(key) or "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


def _split_outside(text: str, sep: str) -> list[str]:
    """Split on ``sep`` except inside "quoted strings" and <angle brackets>."""
    if '"' not in text and "<" not in text:
        return text.split(sep)  # nothing to be inside of: what the scan gives
    return _split_scan(text, sep)


def _split_scan(text: str, sep: str) -> list[str]:
    """:func:`_split_outside`, character by character."""
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
    """Ordered, multi-valued, case-insensitive headers; names kept in canonical form.

    ``_cache`` holds what the message accessors parsed out of these headers (see
    :mod:`.message`), keyed by the canonical name of the one header each entry was read
    from; adding, setting or removing a header drops the entry for that name.
    """

    __slots__ = ("_cache", "_items")

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str]] = []
        self._cache: dict[str, object] = {}
        pairs = items.items() if isinstance(items, Mapping) else (items or ())
        for name, value in pairs:
            self.add(name, value)

    @classmethod
    def _trusted(cls, items: list[tuple[str, str]]) -> Headers:
        """Headers over ``items`` as they are: names already canonical, values str."""
        headers = cls.__new__(cls)
        headers._items = items
        headers._cache = {}
        return headers

    def add(self, name: str, value: str) -> None:
        key = canonical_name(name)
        self._items.append((key, str(value)))
        self._cache.pop(key, None)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value (for list headers such as Via: the first element)."""
        key = canonical_name(name)
        if key in _LISTS:
            values = self.get_all(key)
            return values[0] if values else default
        for item, value in self._items:
            if item == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        key = canonical_name(name)
        values = [value for item, value in self._items if item == key]
        if key not in _LISTS:
            return values
        parts: list[str] = []
        for value in values:
            if "," not in value:  # one element: what splitting would give
                if value := value.strip():
                    parts.append(value)
            else:
                parts += [part.strip() for part in _split_outside(value, ",") if part.strip()]
        return parts

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by one, where the first one was (else append)."""
        key = canonical_name(name)
        self._cache.pop(key, None)
        items = self._items
        found = [i for i, item in enumerate(items) if item[0] == key]
        if len(found) == 1:
            items[found[0]] = (key, str(value))
            return
        kept: list[tuple[str, str]] = []
        placed = False
        for item in items:
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
        self._cache.pop(key, None)
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


def _simple_params(text: str) -> dict[str, str | None]:
    """:func:`_parse_params` of a text :data:`_SIMPLE_PARAMS` matches."""
    params: dict[str, str | None] = {}
    for part in text[1:].split(";"):  # text is "" or starts with ";"
        name, eq, value = part.partition("=")
        if name:  # else an empty part (";;"): the regex allows no "=" without a name
            params[name.lower()] = value if eq else None
    return params


def _parse_params(text: str, reason: Reason) -> dict[str, str | None]:
    """``;a=b;lr;c="x;y"`` → ``{"a": "b", "lr": None, "c": '"x;y"'}`` (names lower-cased,
    values as written so that serialising gives them back)."""
    if _SIMPLE_PARAMS.fullmatch(text):  # the usual ";tag=…" / ";rport;branch=…"
        return _simple_params(text)
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
        if ";" in rest or "?" in rest:
            rest = _URI_END.split(rest, maxsplit=1)[0]
        userinfo, at, _ = rest.rpartition("@")
        return userinfo.partition(":")[0] if at else None

    @property
    def host(self) -> str:
        return _split_hostport(self._hostport())[0]

    @property
    def port(self) -> int | None:
        return _split_hostport(self._hostport())[1]

    def _hostport(self) -> str:
        return _URI_END.split(self.uri.partition(":")[2], maxsplit=1)[0].rpartition("@")[2]

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
    if simple := _TAGGED_NAME_ADDR.fullmatch(value):  # "<sip:…>" or "<sip:…>;tag=…"
        return NameAddr(simple[1], "", {} if simple[2] is None else {"tag": simple[2]})
    if simple := _SIMPLE_NAME_ADDR.fullmatch(value):
        return NameAddr(simple[1], "", _simple_params(simple[2]))
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
        display = _UNESCAPE.sub(r"\1", text[1:end])
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
    if simple := _SIMPLE_VIA.fullmatch(value):
        port = int(simple[3]) if simple[3] else None
        if port is None or 0 < port < 65536:
            return Via(simple[1], simple[2], port, _simple_params(simple[4]))
    match = _VIA.fullmatch(value.strip())
    port = int(match[3]) if match and match[3] else None
    if not match or port == 0 or (port or 0) > 65535:
        raise SipError(Reason.BAD_VIA, f"bad Via {value[:80]!r}", _raw(value))
    return Via(match[1].upper(), match[2], port, _parse_params(match[4], Reason.BAD_VIA))
