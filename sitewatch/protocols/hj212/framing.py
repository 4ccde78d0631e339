"""Framing: ``##`` + 4-digit length + data segment + 4 hex CRC (+ CR LF), from a byte stream.

What real monitors send, and how the framer copes (reference hj212.md §5):

* sticky and half packets (several frames per read, a frame over several reads): one
  buffer per connection, frames cut by length and CRC;
* a missing or odd line ending (none, ``\\n`` only): the tail is not part of the frame;
  whitespace between frames is skipped silently;
* junk between frames: skipped up to the next ``##`` and reported once per run as
  ``BadFrame(reason="junk")``;
* a wrong length with a valid CRC (stale length after a forwarder rewrote the packet,
  3-digit lengths, lengths counting characters instead of UTF-8 bytes): when the length
  does not lead to a valid CRC, the framer looks for an ``&&`` followed by 3-4 hex digits
  and a line ending (or the next ``##``, or the end of the stream) whose CRC validates;
* lower-case CRC digits; vendor CRC variants only when allowed for the MN (or
  auto-detected) - see :mod:`.crc`;
* everything else becomes a ``BadFrame`` and the framer resynchronises on the next
  ``##``. The frame size is bounded (``max_segment``, default 4096 bytes, above the
  standard's 1024 because real devices with many factors send 1025 and 1623).

Performance: one ``bytearray`` per connection, frames cut with ``find`` and slices, the
consumed prefix dropped with ``del buf[:n]`` (O(1) in CPython, which advances the start
of the buffer). The only per-byte Python loop is the table-driven CRC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .crc import AUTO_DETECTABLE, CrcVariant, hj212_crc16, match_variant
from .errors import Reason
from .events import BadFrame

__all__ = ["DEFAULT_MAX_SEGMENT", "Framer", "RawFrame", "extract_mn"]

DEFAULT_MAX_SEGMENT = 4096
_HASH = 0x23  # "#"
_CR = 0x0D
_LF = 0x0A
_HEX = frozenset(b"0123456789abcdefABCDEF")
_WHITESPACE = b" \t\r\n\x00"


@dataclass(slots=True)
class RawFrame:
    raw: bytes  # "##" through the CRC digits
    segment: bytes
    crc_variant: CrcVariant
    declared_length: int | None


def extract_mn(segment: bytes) -> str | None:
    """The MN header field of a raw data segment, without parsing the rest."""
    head_end = segment.find(b"CP=&&")
    head = segment if head_end < 0 else segment[:head_end]
    start = head.find(b"MN=")
    while start > 0 and head[start - 1] not in b";, ":
        start = head.find(b"MN=", start + 1)
    if start < 0:
        return None
    end = len(head)
    for stop in (b";", b","):
        found = head.find(stop, start)
        if 0 <= found < end:
            end = found
    return head[start + 3 : end].strip().decode("latin-1")


class Framer:
    """Cuts frames out of one connection's byte stream (no parsing beyond the MN)."""

    def __init__(
        self,
        *,
        max_segment: int = DEFAULT_MAX_SEGMENT,
        crc_variants: Mapping[str, CrcVariant] | None = None,
        auto_detect_crc: bool = False,
    ) -> None:
        if not 0 < max_segment <= 9999:
            raise ValueError("max_segment must be between 1 and 9999")
        self.max_segment = max_segment
        self.max_frame = 2 + 4 + max_segment + 4 + 2  # a frame, its CRC and a CR LF
        # Kept by reference: a caller that updates its dict is heard at once.
        self.crc_variants: Mapping[str, CrcVariant] = crc_variants if crc_variants is not None else {}
        self.auto_detect_crc = auto_detect_crc
        self._buf = bytearray()
        self._eof = False
        self._scan_from = 0  # where the content search of the current candidate resumes
        self._skipping = False  # inside an over-long frame already reported
        self._junk = bytearray()  # the start of the current junk run
        self._junk_size = 0

    @property
    def buffered(self) -> int:
        return len(self._buf)

    @property
    def eof(self) -> bool:
        return self._eof

    def feed(self, data: bytes) -> None:
        self._buf += data

    def close(self) -> None:
        self._eof = True

    # -- the frame loop -------------------------------------------------------------

    def next_frame(self, *, flush: bool = False) -> RawFrame | BadFrame | None:
        """The next frame or error, or None when more bytes are needed.

        ``flush`` treats the end of the buffer as the end of a frame (used when a
        partial frame has been idle for a while: a device that sends no line ending and
        a wrong length waits for our answer and sends nothing more).
        """
        buf = self._buf
        while True:
            n = len(buf)
            if n >= 2 and buf[0] == _HASH and buf[1] == _HASH:
                extra = 0
                while extra + 2 < n and buf[extra + 2] == _HASH:
                    extra += 1
                if extra + 2 == n and not self._eof:
                    return None  # only "#"s so far: the frame starts at the last "##"
                if extra:  # "###0101…": the frame starts at the last "##"
                    self._add_junk(buf[:extra])
                    del buf[:extra]
                    continue
                if self._junk_size:
                    junk = self._take_junk()
                    if junk is not None:
                        return junk
                self._skipping = False
                return self._frame_at_start(flush)
            if n == 0:
                return self._take_junk() if self._eof and self._junk_size else None
            start = buf.find(b"##")
            if start < 0:
                cut = n - 1 if buf[n - 1] == _HASH and not self._eof else n
            else:
                cut = start
            if cut == 0:
                return None  # a lone "#" that may start the next frame
            if not self._skipping:
                self._add_junk(buf[:cut])
            del buf[:cut]
            if start < 0 and not self._eof:
                return None

    def _add_junk(self, chunk: bytes | bytearray) -> None:
        room = self.max_frame - len(self._junk)
        if room > 0:
            self._junk += chunk[:room]
        self._junk_size += len(chunk)

    def _take_junk(self) -> BadFrame | None:
        kept = bytes(self._junk)
        size = self._junk_size
        self._junk.clear()
        self._junk_size = 0
        raw = kept.strip(_WHITESPACE)
        if not raw:
            return None  # line endings and padding between frames are not worth an event
        # Whitespace around the run (a frame's CR LF) is not counted, however it arrived.
        lead = len(kept) - len(kept.lstrip(_WHITESPACE))
        size -= lead
        if size == len(kept) - lead:  # the whole run was kept, its trailing whitespace too
            size -= len(kept) - len(kept.rstrip(_WHITESPACE))
        return BadFrame(Reason.JUNK, raw, "bytes outside any frame", size=size)

    def _consume(self, count: int) -> None:
        del self._buf[:count]
        self._scan_from = 0

    def _frame_at_start(self, flush: bool) -> RawFrame | BadFrame | None:
        buf = self._buf
        n = len(buf)
        if n < 6:
            if self._eof:
                raw = bytes(buf)
                self._consume(n)
                return BadFrame(Reason.TRUNCATED, raw, "connection closed inside a frame", size=n)
            return None
        digits = buf[2:6]
        declared = int(digits) if digits.isdigit() else None
        if declared is None:
            count = 0
            while count < 4 and 0x30 <= digits[count] <= 0x39:
                count += 1
            seg_start = 2 + count
        else:
            seg_start = 6
        bad: tuple[CrcVariant | None, str | None] | None = None
        bound: int | None = None
        if declared is not None and declared <= self.max_segment:
            end = 6 + declared
            if n >= end + 4:
                printed = _hex_value(buf, end, end + 4)
                if printed is not None:
                    segment = bytes(buf[6:end])
                    variant, detected, mn = self._verify(segment, printed)
                    if variant is not None:
                        raw = bytes(buf[: end + 4])
                        self._consume(end + 4)
                        return RawFrame(raw, segment, variant, declared)
                    # The length led to a CRC field that does not match: unless the
                    # content shows another end, this is a bad CRC.
                    bad = (detected, mn)
                    tail = end + 4
                    if (
                        (tail < n and (buf[tail] == _CR or buf[tail] == _LF))
                        or buf[tail : tail + 2] == b"##"
                        or (tail == n and (self._eof or flush))
                    ):
                        bound = tail  # complete by its own length: no need to wait for more
        return self._search(seg_start, declared, bad, bound, flush)

    def _search(
        self,
        seg_start: int,
        declared: int | None,
        bad: tuple[CrcVariant | None, str | None] | None,
        bound: int | None,
        flush: bool,
    ) -> RawFrame | BadFrame | None:
        """Find the frame's end by content: ``&&`` + 3-4 hex digits + an end marker."""
        buf = self._buf
        n = len(buf)
        eof = self._eof
        next_start = buf.find(b"##", 2)
        limit = n if next_start < 0 else next_start
        if bound is not None:
            limit = min(limit, bound)
        clamped = limit > self.max_frame
        if clamped:
            limit = self.max_frame
        at = buf.find(b"&&", max(seg_start, self._scan_from), limit)
        while at >= 0:
            digits_start = at + 2
            stop = digits_start
            while stop < digits_start + 4 and stop < n and buf[stop] in _HEX:
                stop += 1
            count = stop - digits_start
            if count >= 3 and (
                stop == next_start
                or (stop < n and (buf[stop] == _CR or buf[stop] == _LF))
                or (stop == n and (eof or flush))
            ):
                printed = _hex_value(buf, digits_start, stop)
                if printed is not None and (count == 4 or printed < 0x1000):
                    segment = bytes(buf[seg_start:digits_start])
                    variant, _, _ = self._verify(segment, printed)
                    if variant is not None:
                        raw = bytes(buf[:stop])
                        self._consume(stop)
                        return RawFrame(raw, segment, variant, declared)
            at = buf.find(b"&&", at + 1, limit)
        self._scan_from = max(seg_start, limit - 8)

        if bound is None and next_start < 0 and not eof and not clamped:
            return None  # the end may still arrive
        end = bound if bound is not None else (next_start if next_start >= 0 else n)
        body = bytes(buf[: min(end, self.max_frame)]).rstrip(_WHITESPACE)
        if clamped:
            reason, detail = Reason.TOO_LONG, f"no valid end within {self.max_frame} bytes"
        elif bad is not None:
            reason, detail = Reason.BAD_CRC, "CRC does not match the data segment"
        elif declared is not None and declared > self.max_segment:
            reason, detail = Reason.TOO_LONG, f"declared length {declared} > {self.max_segment}"
        elif next_start < 0 and eof and declared is not None and n < 6 + declared + 4:
            reason, detail = Reason.TRUNCATED, "connection closed inside a frame"
        else:
            reason, detail = Reason.BAD_LENGTH, "no CRC-valid end where the length points or after"
        detected, mn = bad if bad is not None else (None, None)
        if bound is None and next_start < 0 and not eof:
            # Over-long and still arriving: drop what we have, skip the rest up to "##".
            end = n - 1 if buf[n - 1] == _HASH else n
            self._skipping = True
        self._consume(end)
        return BadFrame(reason, body, detail, mn=mn, detected_variant=detected, size=len(body))

    def _verify(
        self, segment: bytes, printed: int
    ) -> tuple[CrcVariant | None, CrcVariant | None, str | None]:
        """(accepted variant, variant it would match, MN) for a segment and its CRC field."""
        if hj212_crc16(segment) == printed:
            return CrcVariant.STANDARD, None, None
        mn = extract_mn(segment)
        configured = self.crc_variants.get(mn) if mn is not None and self.crc_variants else None
        if configured is CrcVariant.NONE:
            return CrcVariant.NONE, None, mn
        if configured is not None and match_variant(segment, printed, (configured,)):
            return configured, None, mn
        detected = match_variant(segment, printed, AUTO_DETECTABLE)
        if detected is not None and self.auto_detect_crc:
            return detected, None, mn
        return None, detected, mn


def _hex_value(buf: bytearray, start: int, stop: int) -> int | None:
    field = buf[start:stop]
    if not field.isalnum():  # int() would also accept "+1C8", " 1C8" and "1_C8"
        return None
    try:
        return int(field, 16)
    except ValueError:
        return None
