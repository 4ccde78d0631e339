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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LocalProtocolError, Reason, SipError
from .headers import _TOKEN, Headers, NameAddr, Via, _raw, parse_name_addr, parse_via

__all__ = ["MAX_DATAGRAM", "Request", "Response", "parse_message", "serialise"]

MAX_DATAGRAM = 65535
_REQUEST_LINE = re.compile(r"([A-Za-z0-9.!%*_+`'~-]+)[ \t]+(\S+)[ \t]+SIP/2\.0[ \t]*", re.I)
_STATUS_LINE = re.compile(r"SIP/2\.0[ \t]+([1-6][0-9][0-9])(?:[ \t]+(.*?))?[ \t]*", re.I | re.S)
_CSEQ = re.compile(r"([0-9]{1,10})[ \t]+([A-Za-z0-9.!%*_+`'~-]+)")


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

    @property
    def call_id(self) -> str:
        return self._required("Call-ID")

    @property
    def cseq(self) -> tuple[int, str]:
        value = self._required("CSeq")
        match = _CSEQ.fullmatch(value.strip())
        if not match or int(match[1]) >= 2**31:  # RFC 3261 8.1.1.5: less than 2**31
            raise SipError(Reason.BAD_CSEQ, f"bad CSeq {value[:40]!r}", _raw(value))
        return int(match[1]), match[2]

    @property
    def from_(self) -> NameAddr:
        return parse_name_addr(self._required("From"))

    @property
    def to(self) -> NameAddr:
        return parse_name_addr(self._required("To"))

    @property
    def contact(self) -> NameAddr | None:
        value = self.headers.get("Contact")
        return parse_name_addr(value) if value else None

    @property
    def via(self) -> list[Via]:
        return [parse_via(hop) for hop in self.headers.get_all("Via")]

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
    """(end of the header block incl. its last LF, start of the body), or None."""
    lf_lf = buf.find(b"\n\n", start, stop)
    lf_crlf = buf.find(b"\n\r\n", start, stop)
    if lf_crlf >= 0 and (lf_lf < 0 or lf_crlf < lf_lf):
        return lf_crlf + 1, lf_crlf + 3
    return (lf_lf + 1, lf_lf + 2) if lf_lf >= 0 else None


def _parse_head(head: bytes) -> tuple[Request | Response, Headers]:
    """Start line and headers of one message (body not yet attached)."""
    lines = head.decode("utf-8", "surrogateescape").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    first = lines[0] if lines else ""
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
    start = _skip_line_endings(data, 0)
    if start == len(data):
        raise SipError(Reason.EMPTY, "only line endings", data)
    # Published captures end a bodiless message without the blank line: accept that.
    head_end, body_start = _find_head_end(data, start, len(data)) or (len(data), len(data))
    message, headers = _parse_head(data[start:head_end])
    declared = _content_length(headers, data)
    body = data[body_start:]
    if declared is not None:
        if len(body) < declared:
            raise SipError(Reason.TRUNCATED, f"body has {len(body)} bytes, Content-Length {declared}", data)
        body = body[:declared]
    return _finish(message, headers, body, data)


def serialise(message: Request | Response) -> bytes:
    """Wire bytes: CRLF line endings, Content-Length recomputed from the body."""
    if isinstance(message, Request):
        if not _TOKEN.fullmatch(message.method) or not message.uri or re.search(r"\s", message.uri):
            raise LocalProtocolError(f"bad method or URI: {message.method!r} {message.uri!r}")
        lines = [f"{message.method} {message.uri} SIP/2.0"]
    else:
        if not 100 <= message.status <= 699 or re.search(r"[\r\n\x00]", message.reason):
            raise LocalProtocolError(f"bad status line: {message.status} {message.reason!r}")
        lines = [f"SIP/2.0 {message.status} {message.reason}"]
    body = bytes(message.body)
    wrote_length = False
    for name, value in message.headers:
        if name == "Content-Length":
            if wrote_length:
                continue
            value, wrote_length = str(len(body)), True
        if not _TOKEN.fullmatch(name) or re.search(r"[\r\n\x00]", value):
            raise LocalProtocolError(f"header {name!r} cannot be sent as {value[:40]!r}")
        lines.append(f"{name}: {value}")
    if not wrote_length:
        lines.append(f"Content-Length: {len(body)}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"unencodable header text: {exc}") from None
