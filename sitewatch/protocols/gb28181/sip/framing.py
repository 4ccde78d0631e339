"""SIP over TCP: cutting messages out of a byte stream, sans-IO (h11 style).

Usage by the asyncio glue::

    framer = StreamFramer()
    framer.receive_data(chunk)              # b"" when the peer closed
    while (event := framer.next_event()) is not NEED_DATA:
        if isinstance(event, ConnectionClosed):
            break
        ...                                 # Request / Response, or BadMessage to log

What it copes with (RFC 3261 18.3, RFC 5626 4.4.1, and devices):

* sticky and half messages: one buffer, messages cut by ``Content-Length`` (a missing
  one means no body: on a stream there is no other way to know);
* CR LF keep-alive pings (``\\r\\n\\r\\n``) and stray line endings between messages are
  skipped silently. No pong is sent: RFC 5626 asks for one only on flows where the server
  advertised ``outbound`` support, which GB/T 28181 devices never negotiate;
* junk before a start line: skipped line by line up to the next line that looks like a
  SIP start line, and reported once per run as ``BadMessage(reason="junk")`` (a run
  longer than ``max_header_size`` is reported when it crosses the limit, the rest of it
  silently);
* a header block over ``max_header_size`` → ``BadMessage(too_large)``; its end is unknown,
  so the framer resynchronises on the next start line without reporting what it skips;
* a body over ``max_body_size`` → ``BadMessage(too_large)``; its length is known, so the
  body is discarded as it arrives and the stream stays in sync. A bad or conflicting
  ``Content-Length`` gives ``BadMessage(bad_content_length)`` and a silent resync;
* a message whose head is complete but unusable (bad header, missing Call-ID …):
  ``BadMessage`` with that reason, the body skipped by its length;
* EOF inside a message → ``BadMessage(truncated)``, then ``ConnectionClosed``.

Resynchronising works only if the peer sends more; after a ``too_large`` or
``bad_content_length`` the gateway should usually close the connection (the device
re-registers), which is always safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import RAW_CAP, LocalProtocolError, Reason, SipError
from .message import (
    MAX_DATAGRAM,
    Request,
    Response,
    _content_length,
    _find_head_end,
    _finish,
    _parse_head,
)

__all__ = ["NEED_DATA", "BadMessage", "ConnectionClosed", "NeedData", "StreamFramer"]

DEFAULT_MAX_HEADER = 16384
_START = re.compile(
    rb"(?:SIP/2\.0[ \t]+[1-6][0-9][0-9](?:[ \t].*)?|[A-Za-z0-9.!%*_+`'~-]+[ \t]+\S+[ \t]+SIP/2\.0[ \t]*)\r?",
    re.I | re.S,
)


class NeedData:
    """Sentinel type of :data:`NEED_DATA`: feed more bytes."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()


@dataclass(frozen=True, slots=True)
class BadMessage:
    """Bytes from the peer that are not a usable message; ``error.reason`` says why."""

    error: SipError


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed the connection and every buffered byte has been accounted for."""


Event = Request | Response | BadMessage | ConnectionClosed


class StreamFramer:
    """One TCP connection's SIP framing state, without I/O."""

    def __init__(
        self, *, max_header_size: int = DEFAULT_MAX_HEADER, max_body_size: int = MAX_DATAGRAM
    ) -> None:
        if max_header_size < 64 or max_body_size < 0:
            raise LocalProtocolError("max_header_size must be ≥ 64 and max_body_size ≥ 0")
        self.max_header_size = max_header_size
        self.max_body_size = max_body_size
        self._buf = bytearray()
        self._eof = False
        self._scan_from = 0  # where the search for the blank line resumes
        self._discard = 0  # bytes of an oversized body still to drop
        self._resync = False  # skipping the rest of a reported message: don't report junk
        self._junk = bytearray()  # the start of the current junk run (capped)
        self._junk_size = 0

    @property
    def buffered(self) -> int:
        """Bytes received and not yet turned into events."""
        return len(self._buf)

    def receive_data(self, data: bytes) -> None:
        """Buffer bytes from the peer; ``b""`` means the peer closed the connection."""
        if self._eof:
            raise LocalProtocolError("receive_data() after the end of the stream")
        if data:
            self._buf += data
        else:
            self._eof = True

    def next_event(self) -> Event | NeedData:
        """The next message or error, or ``NEED_DATA``. Never raises for peer data."""
        buf = self._buf
        while True:
            if self._discard:
                count = min(self._discard, len(buf))
                del buf[:count]
                self._discard -= count
                if self._discard and not self._eof:
                    return NEED_DATA
                self._discard = 0  # EOF inside a body already reported as too large
            skip = 0
            while skip < len(buf) and buf[skip] in b"\r\n":
                skip += 1
            if skip:
                del buf[:skip]
                self._scan_from = 0
            if not buf:
                if self._eof:
                    return self._take_junk() or ConnectionClosed()
                return NEED_DATA
            # Lines are looked at in pieces of at most max_header_size, wherever the reads
            # were cut, so that the events never depend on how the stream arrived.
            line_end = buf.find(b"\n", 0, self.max_header_size)
            if line_end < 0 and len(buf) < self.max_header_size and not self._eof:
                return NEED_DATA
            if line_end < 0 and len(buf) < self.max_header_size and _START.fullmatch(buf):
                line_end = len(buf)  # EOF inside a start line: reported as truncated
            elif line_end < 0 or not _START.fullmatch(buf, 0, line_end):
                chunk = buf[: line_end + 1] if line_end >= 0 else buf[: self.max_header_size]
                if (junk := self._add_junk(chunk)) is not None:
                    return junk
                continue
            junk = self._take_junk()
            if junk is not None:
                return junk  # the start line stays buffered for the next call
            self._resync = False
            event = self._message_at_start()
            return NEED_DATA if event is None else event

    # -- junk ----------------------------------------------------------------------------

    def _add_junk(self, chunk: bytearray) -> BadMessage | None:
        size = len(chunk)
        if not self._resync:
            self._junk += chunk[: max(0, RAW_CAP - len(self._junk))]
            self._junk_size += size
        del self._buf[:size]
        self._scan_from = 0
        if self._junk_size > self.max_header_size:
            event = self._take_junk()
            self._resync = True  # the rest of this run is not worth another event
            return event
        return None

    def _take_junk(self) -> BadMessage | None:
        if not self._junk_size:
            return None
        raw = bytes(self._junk)
        size = self._junk_size
        self._junk.clear()
        self._junk_size = 0
        error = SipError(Reason.JUNK, f"{size} bytes before a start line", raw)
        error.size = size
        return BadMessage(error)

    # -- one message ---------------------------------------------------------------------

    def _fail(self, reason: Reason, detail: str, consumed: int, *, resync: bool = False) -> BadMessage:
        raw = bytes(self._buf[:consumed])
        del self._buf[:consumed]
        self._scan_from = 0
        self._resync = resync
        return BadMessage(SipError(reason, detail, raw))

    def _message_at_start(self) -> Event | None:
        buf = self._buf
        stop = min(len(buf), self.max_header_size + 3)
        found = _find_head_end(buf, self._scan_from, stop)
        if found is None:
            if len(buf) >= stop == self.max_header_size + 3:
                # Drop what was inspected; whatever follows (the rest of this message, then
                # maybe the next one) is skipped line by line up to a start line.
                return self._fail(
                    Reason.TOO_LARGE, f"header block over {self.max_header_size} bytes", stop, resync=True
                )
            if self._eof:
                return self._fail(Reason.TRUNCATED, "connection closed inside a header block", len(buf))
            self._scan_from = max(0, len(buf) - 2)  # "\n\r\n" may straddle two reads
            return None
        head_end, body_start = found
        self._scan_from = 0
        head = bytes(buf[:head_end])
        error: SipError | None = None
        try:
            message, headers = _parse_head(head)
            length = _content_length(headers, head)
        except SipError as exc:
            # Skip the body of an unusable head by its length, if that much is readable.
            error = exc
            try:
                length = _scan_content_length(head)
            except SipError as bad_length:
                return self._fail(bad_length.reason, bad_length.detail, body_start, resync=True)
        length = length or 0  # RFC 3261 18.3: required on streams; absent = no body
        if length > self.max_body_size:
            reason, detail = (error.reason, error.detail) if error else (Reason.TOO_LARGE, "")
            event = self._fail(reason, detail or f"body of {length} bytes > {self.max_body_size}", body_start)
            self._discard = length
            return event
        if len(buf) < body_start + length:
            if self._eof:
                reason, detail = (error.reason, error.detail) if error else (Reason.TRUNCATED, "")
                return self._fail(
                    reason, detail or f"connection closed inside a body of {length} bytes", len(buf)
                )
            return None
        if error is not None:
            return self._fail(error.reason, error.detail, body_start + length)
        body = bytes(buf[body_start : body_start + length])
        raw = bytes(buf[: body_start + length])
        del buf[: body_start + length]
        try:
            return _finish(message, headers, body, raw)
        except SipError as exc:
            return BadMessage(exc)


def _scan_content_length(head: bytes) -> int:
    """Content-Length of a head that failed to parse, to skip its body (0 if absent)."""
    found: int | None = None
    for line in head.split(b"\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() in (b"content-length", b"l"):
            value = value.strip()
            if not value.isdigit():
                raise SipError(Reason.BAD_CONTENT_LENGTH, f"Content-Length {value[:20]!r}", head)
            length = int(value) if len(value) <= 18 else 10**18
            if found is not None and found != length:
                raise SipError(Reason.BAD_CONTENT_LENGTH, "conflicting Content-Length", head)
            found = length
    return found or 0
