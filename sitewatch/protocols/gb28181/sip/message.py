"""SIP messages: :class:`Request`, :class:`Response`, :func:`parse_message` (one UDP
datagram) and :func:`serialise`.

Parsing is tolerant where real devices are sloppy and strict where a mistake would
misroute an answer (reference gb28181.md §2-3):

* leading CR LFs, LF-only line endings, spaces around ``:``, header names in any case,
  compact names (``i``, ``v``, ``l`` ...), folded continuation lines;
* ``Content-Length`` padded with spaces (Hikvision sends ``Content-Length:   175``);
* on UDP a missing ``Content-Length`` means "the rest of the datagram" and a body longer
  than the declared length is cut to it, but a body *shorter* than declared is refused
  (``truncated``): half a MANSCDP document is worse than none;
* published captures end a bodiless message without the blank line: accepted;
* Call-ID, CSeq, From, To and at least one Via must be present and well formed, so the
  accessors of a parsed message never raise.

Header text is decoded as UTF-8 with ``surrogateescape``: a GB2312 byte in a header
(Chinese ``Subject`` or display names from some platforms) survives parse and serialise
unchanged instead of failing the whole message. Bodies stay bytes; decoding MANSCDP is
:mod:`..manscdp`'s job.

Speed: a head with one kind of line ending, no folding and no control byte is split in
one pass (:func:`_parse_head_fast`); anything else, and every error, goes through the
general :func:`_parse_head_slow`. What the accessors parse (From, To, Via, CSeq,
Call-ID) is validated once, by :func:`parse_message` (:func:`_check_fast` for the usual
message, :func:`_check` otherwise), and kept in the headers' cache, so reading
``request.from_.user`` afterwards costs a dictionary lookup. Adding, setting or removing
a header drops what was cached from it. The objects the accessors hand out are shared:
treat them as read-only (``with_tag`` returns a new one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LocalProtocolError, Reason, SipError
from .headers import _TOKEN, Headers, NameAddr, Via, _raw, canonical_name, parse_name_addr, parse_via

__all__ = ["MAX_DATAGRAM", "Request", "Response", "parse_message", "serialise"]

MAX_DATAGRAM = 65535
_REQUEST_LINE = re.compile(r"([A-Za-z0-9.!%*_+`'~-]+)[ \t]+(\S+)[ \t]+SIP/2\.0[ \t]*", re.I)
_STATUS_LINE = re.compile(r"SIP/2\.0[ \t]+([1-6][0-9][0-9])(?:[ \t]+(.*?))?[ \t]*", re.I | re.S)
_CSEQ = re.compile(r"([0-9]{1,10})[ \t]+([A-Za-z0-9.!%*_+`'~-]+)")
_SPACE = re.compile(r"\s")
_LINE_BREAK = re.compile(r"[\r\n\x00]")
# Header names as written on the wire (before strip) that are known to be tokens, with
# their canonical form: a dictionary lookup instead of a regex and canonical_name() per
# line. Bounded: a peer inventing names cannot make it grow past this.
_NAME_CACHE: dict[str, str] = {}
_NAME_CACHE_MAX = 512
# Names serialise() has already checked (it refuses a name that is not a token).
_SENDABLE: set[str] = set()


class _Message:
    """Accessors shared by :class:`Request` and :class:`Response`. On a message from
    :func:`parse_message` they never raise; on one built by hand they raise SipError."""

    headers: Headers
    body: bytes

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if not value:
            raise SipError(Reason.MISSING_HEADER, f"no {name} header")
        return value

    # Each accessor below keeps its result in ``headers._cache`` under the header's name
    # (dropped when that header changes); errors are not kept, so a bad header raises at
    # every access.

    @property
    def call_id(self) -> str:
        cache = self.headers._cache
        value = cache.get("Call-ID")
        if value is None:
            value = cache["Call-ID"] = self._required("Call-ID")
        return value  # type: ignore[return-value]

    @property
    def cseq(self) -> tuple[int, str]:
        cache = self.headers._cache
        value = cache.get("CSeq")
        if value is None:
            value = cache["CSeq"] = _parse_cseq(self._required("CSeq"))
        return value  # type: ignore[return-value]

    @property
    def from_(self) -> NameAddr:
        cache = self.headers._cache
        value = cache.get("From")
        if value is None:
            value = cache["From"] = parse_name_addr(self._required("From"))
        return value  # type: ignore[return-value]

    @property
    def to(self) -> NameAddr:
        cache = self.headers._cache
        value = cache.get("To")
        if value is None:
            value = cache["To"] = parse_name_addr(self._required("To"))
        return value  # type: ignore[return-value]

    @property
    def contact(self) -> NameAddr | None:
        value = self.headers.get("Contact")
        return parse_name_addr(value) if value else None

    @property
    def via(self) -> list[Via]:
        cache = self.headers._cache
        hops = cache.get("Via")
        if hops is None:
            values = self.headers.get_all("Via")
            if len(values) == 1:
                hops = cache["Via"] = [parse_via(values[0])]
            else:
                hops = cache["Via"] = [parse_via(hop) for hop in values]
        return hops.copy()  # type: ignore[attr-defined]

    @property
    def content_type(self) -> str | None:
        """``"application/manscdp+xml"`` for ``Application/MANSCDP+xml; charset=…``."""
        value = self.headers.get("Content-Type")
        return value.partition(";")[0].strip().lower() if value else None

    @property
    def expires(self) -> int | None:
        value = self.headers.get("Expires")
        if value is None:
            return None
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 10:
            raise SipError(Reason.BAD_HEADER, f"bad Expires {value[:20]!r}", _raw(value))
        return int(value)


def _cseq_fast(value: str) -> tuple[int, str] | None:
    """``"20 MESSAGE"``: what :func:`_parse_cseq` gives, checked without a regex (which
    costs more than this); None for anything else."""
    seq, _, method = value.partition(" ")
    if seq.isdigit() and seq.isascii() and len(seq) <= 10 and method.isalpha() and method.isascii():
        number = int(seq)
        if number < 2**31:
            return number, method
    return None


def _parse_cseq(value: str) -> tuple[int, str]:
    if fast := _cseq_fast(value):
        return fast
    match = _CSEQ.fullmatch(value.strip())
    if not match or int(match[1]) >= 2**31:  # RFC 3261 8.1.1.5: less than 2**31
        raise SipError(Reason.BAD_CSEQ, f"bad CSeq {value[:40]!r}", _raw(value))
    return int(match[1]), match[2]


@dataclass
class Request(_Message):
    method: str
    uri: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""


@dataclass
class Response(_Message):
    status: int
    reason: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""


def _skip_line_endings(buf: bytes | bytearray, pos: int) -> int:
    while pos < len(buf) and buf[pos] in b"\r\n":
        pos += 1
    return pos


def _find_head_end(buf: bytes | bytearray, start: int, stop: int) -> tuple[int, int] | None:
    """(end of the header block incl. its last LF, start of the body), or None: the first
    LF LF or LF CR LF."""
    lf_crlf = buf.find(b"\n\r\n", start, stop)
    # Only an LF LF starting before the LF CR LF can come first (it cannot start at it).
    lf_lf = buf.find(b"\n\n", start, stop if lf_crlf < 0 else lf_crlf + 1)
    if lf_crlf >= 0 and lf_lf < 0:
        return lf_crlf + 1, lf_crlf + 3
    return (lf_lf + 1, lf_lf + 2) if lf_lf >= 0 else None


def _start_line(first: str, head: bytes) -> Request | Response:
    request = _REQUEST_LINE.fullmatch(first)
    status = None if request else _STATUS_LINE.fullmatch(first)
    if request:
        message: Request | Response = Request(request[1], request[2])
    elif status:
        message = Response(int(status[1]), status[2] or "")
    else:
        raise SipError(Reason.BAD_START_LINE, f"bad start line {first[:80]!r}", head)
    if any(c in first for c in "\r\x00"):
        raise SipError(Reason.BAD_START_LINE, "control byte in the start line", head)
    return message


def _parse_head_fast(head: bytes) -> tuple[Request | Response, Headers, list[int]] | None:
    """:func:`_parse_head_slow` for the usual head: CR LF everywhere (or LF everywhere), no
    NUL, no folded line, no empty line. None for anything else (including every error),
    which the caller then hands to the slow path. Also returns where the Content-Length
    headers are among the items."""
    text = head.decode("utf-8", "surrogateescape")
    if "\x00" in text:
        return None
    if "\r" in text:
        lines = text.split("\r\n")
        breaks = len(lines) - 1
        if text.count("\r") != breaks or text.count("\n") != breaks:
            return None  # a lone CR or LF: the slow path sorts it out (or refuses)
    else:
        lines = text.split("\n")
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return None
    items: list[tuple[str, str]] = []
    lengths: list[int] = []
    names = _NAME_CACHE
    known, append = names.get, items.append
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        canonical = known(name)
        if canonical is None or not colon:
            # A new name, no colon, an empty or folded line: validate the slow way.
            stripped = name.strip()
            if not colon or not line or line[0] in " \t" or not _TOKEN.fullmatch(stripped):
                return None
            canonical = canonical_name(stripped)
            if len(names) < _NAME_CACHE_MAX:
                names[name] = canonical
        if canonical == "Content-Length":
            lengths.append(len(items))
        append((canonical, value.strip()))
    headers = Headers._trusted(items)
    first = lines[0]
    method, _, rest = first.partition(" ")
    uri, _, version = rest.partition(" ")
    # "MESSAGE sip:… SIP/2.0": what _REQUEST_LINE accepts (no whitespace in the URI:
    # isprintable() is false for every whitespace character but " "), without it.
    if version == "SIP/2.0" and method.isalpha() and method.isascii() and uri.isprintable() and uri:
        return Request(method, uri, headers), headers, lengths
    if request := _REQUEST_LINE.fullmatch(first):
        return Request(request[1], request[2], headers), headers, lengths
    if status := _STATUS_LINE.fullmatch(first):
        return Response(int(status[1]), status[2] or "", headers), headers, lengths
    return None


def _parse_head(head: bytes) -> tuple[Request | Response, Headers]:
    """Start line and headers of one message (body not yet attached)."""
    fast = _parse_head_fast(head)
    return fast[:2] if fast else _parse_head_slow(head)


def _parse_head_slow(head: bytes) -> tuple[Request | Response, Headers]:
    """:func:`_parse_head`, every case: folding, mixed line endings, and the errors."""
    lines = head.decode("utf-8", "surrogateescape").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    message = _start_line(lines[0] if lines else "", head)
    items: list[list[str]] = []
    for line in lines[1:]:
        if "\r" in line or "\x00" in line or not line:
            raise SipError(Reason.BAD_HEADER, f"control byte or empty line in {line[:60]!r}", head)
        if line[0] in " \t":  # a folded continuation (RFC 3261 7.3.1)
            if not items:
                raise SipError(Reason.BAD_HEADER, "continuation line before any header", head)
            items[-1][1] = f"{items[-1][1]} {line.strip()}".strip()
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _TOKEN.fullmatch(name):
            raise SipError(Reason.BAD_HEADER, f"bad header line {line[:60]!r}", head)
        items.append([name, value.strip()])
    return message, Headers((name, value) for name, value in items)


def _content_length(headers: Headers, raw: bytes) -> int | None:
    """The declared body length (None if absent)."""
    values = {value.strip() for value in headers.get_all("Content-Length")}
    if not values:
        return None
    lengths = set()
    for value in values:
        if not (value.isascii() and value.isdigit()):
            raise SipError(Reason.BAD_CONTENT_LENGTH, f"Content-Length {value[:20]!r}", raw)
        lengths.add(int(value) if len(value) <= 18 else 10**18)  # int() refuses >4300 digits
    if len(lengths) > 1:
        raise SipError(Reason.BAD_CONTENT_LENGTH, f"conflicting Content-Length {sorted(lengths)}", raw)
    return lengths.pop()


def _finish(message: Request | Response, headers: Headers, body: bytes, raw: bytes) -> Request | Response:
    """Attach headers and body and check what every later step relies on."""
    # Normalised to the body actually taken (padding, a missing header on UDP), so that
    # parse → serialise → parse gives the same message.
    headers.set("Content-Length", str(len(body)))
    message.headers, message.body = headers, body
    return message if _check_fast(message, headers) else _check(message, raw)


def _check_fast(message: Request | Response, headers: Headers) -> bool:
    """:func:`_check` for the usual message (one Call-ID, CSeq, From, To and one Via hop,
    all valid), filling the accessors' cache as they would. False when anything is
    unusual or wrong: then :func:`_check` decides, and raises the right error."""
    items = headers._items
    first = dict(reversed(items))  # the first value of each name, as Headers.get gives it
    call_id, cseq, from_, to = first.get("Call-ID"), first.get("CSeq"), first.get("From"), first.get("To")
    vias = [value for name, value in items if name == "Via"]
    if not (call_id and cseq and from_ and to) or len(vias) != 1 or "," in vias[0]:
        return False
    try:
        seq = _parse_cseq(cseq)
        from_address, to_address, hop = parse_name_addr(from_), parse_name_addr(to), parse_via(vias[0])
    except SipError:
        return False
    if isinstance(message, Request) and seq[1].upper() != message.method.upper():
        return False
    headers._cache.update(
        {"Call-ID": call_id, "CSeq": seq, "From": from_address, "To": to_address, "Via": [hop]}
    )
    return True


def _check(message: Request | Response, raw: bytes) -> Request | Response:
    """Check what every later step relies on; raise SipError with ``raw`` if it fails."""
    try:
        message.call_id  # noqa: B018 - each access validates
        seq_method = message.cseq[1]
        message.from_  # noqa: B018
        message.to  # noqa: B018
        if not message.via:
            raise SipError(Reason.MISSING_HEADER, "no Via header")
    except SipError as exc:
        raise SipError(exc.reason, exc.detail, raw) from None
    if isinstance(message, Request) and seq_method.upper() != message.method.upper():
        # RFC 3261 8.1.1.5; transaction matching relies on it.
        raise SipError(Reason.BAD_CSEQ, f"CSeq method {seq_method!r} in a {message.method[:20]!r}", raw)
    return message


def parse_message(data: bytes, *, max_size: int = MAX_DATAGRAM) -> Request | Response:
    """One UDP datagram → a message. Raises :class:`SipError` (and nothing else)."""
    data = bytes(data)
    if len(data) > max_size:
        raise SipError(Reason.TOO_LARGE, f"{len(data)} bytes > {max_size}", data)
    start = _skip_line_endings(data, 0) if data[:1] in (b"\r", b"\n") else 0
    if start == len(data):
        raise SipError(Reason.EMPTY, "only line endings", data)
    # Published captures end a bodiless message without the blank line: accept that.
    head_end, body_start = _find_head_end(data, start, len(data)) or (len(data), len(data))
    head = data[start:head_end]
    fast = _parse_head_fast(head)
    if fast is None:
        message, headers = _parse_head_slow(head)
        declared = _content_length(headers, data)
    else:
        message, headers, lengths = fast
        value = headers._items[lengths[0]][1] if len(lengths) == 1 else ""
        if value.isdigit() and value.isascii():  # one Content-Length, digits (the usual)
            declared = int(value) if len(value) <= 18 else 10**18
        else:
            declared = _content_length(headers, data)
    body = data[body_start:]
    if declared is not None:
        if len(body) < declared:
            raise SipError(Reason.TRUNCATED, f"body has {len(body)} bytes, Content-Length {declared}", data)
        body = body[:declared]
    if fast is not None and len(lengths) == 1:  # what _finish's headers.set() would do
        headers._items[lengths[0]] = ("Content-Length", str(len(body)))
        message.body = body
        return message if _check_fast(message, headers) else _check(message, data)
    return _finish(message, headers, body, data)


def serialise(message: Request | Response) -> bytes:
    """Wire bytes: CRLF line endings, Content-Length recomputed from the body."""
    if isinstance(message, Request):
        if not _TOKEN.fullmatch(message.method) or not message.uri or _SPACE.search(message.uri):
            raise LocalProtocolError(f"bad method or URI: {message.method!r} {message.uri!r}")
        lines = [f"{message.method} {message.uri} SIP/2.0"]
    else:
        if not 100 <= message.status <= 699 or _LINE_BREAK.search(message.reason):
            raise LocalProtocolError(f"bad status line: {message.status} {message.reason!r}")
        lines = [f"SIP/2.0 {message.status} {message.reason}"]
    body = bytes(message.body)
    wrote_length = False
    sendable = _SENDABLE
    for name, value in message.headers:
        if name == "Content-Length":
            if wrote_length:
                continue
            value, wrote_length = str(len(body)), True
        if name not in sendable:
            if not _TOKEN.fullmatch(name):
                raise LocalProtocolError(f"header {name!r} cannot be sent as {value[:40]!r}")
            if len(sendable) < _NAME_CACHE_MAX:
                sendable.add(name)
        if "\r" in value or "\n" in value or "\x00" in value:
            raise LocalProtocolError(f"header {name!r} cannot be sent as {value[:40]!r}")
        lines.append(f"{name}: {value}")
    if not wrote_length:
        lines.append(f"Content-Length: {len(body)}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"unencodable header text: {exc}") from None
