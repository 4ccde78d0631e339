"""Errors, typed by blame (the h11 convention).

* What the *remote peer* got wrong raises :class:`SipError` (from :func:`.sip.parse_message`,
  the message properties and :func:`.digest.parse_digest`) or comes out of
  :class:`.sip.StreamFramer` as a ``BadMessage`` event carrying one. The gateway logs it,
  counts it and drops the message (or answers 400 when it can still read the Via); it
  never crashes on it. Nothing else may escape the codec for bytes a peer sent: the fuzz
  tests hold it to that.
* What the *caller* got wrong raises :class:`LocalProtocolError` (a ``ValueError``):
  data after EOF, a CR or LF inside a header value we are asked to send, a transport we
  cannot write.
"""

from __future__ import annotations

import enum

__all__ = ["RAW_CAP", "LocalProtocolError", "Reason", "SipError"]

# Enough to see what a device sent in a log line; a 64 KiB datagram of junk is not.
RAW_CAP = 512


class LocalProtocolError(ValueError):
    """The caller used the codec wrongly (a bug on our side, not the peer's)."""


class Reason(enum.StrEnum):
    """Why a peer's bytes were refused: stable strings for logs and counters."""

    EMPTY = "empty"  # nothing but line endings (a keep-alive ping on UDP): ignore, don't count
    BAD_START_LINE = "bad_start_line"  # neither "METHOD uri SIP/2.0" nor "SIP/2.0 nnn reason"
    BAD_HEADER = "bad_header"  # a header line without a name and ':', a control byte, bad syntax
    MISSING_HEADER = "missing_header"  # Call-ID, CSeq, From, To or Via absent
    BAD_ADDRESS = "bad_address"  # From / To / Contact not a name-addr or addr-spec
    BAD_CONTENT_LENGTH = "bad_content_length"  # not digits, or several that disagree
    TRUNCATED = "truncated"  # fewer body bytes than Content-Length, or EOF inside a message
    TOO_LARGE = "too_large"  # datagram, header block or body over the configured limit
    BAD_CSEQ = "bad_cseq"  # not "<number> <method>", or a method other than the request's
    BAD_VIA = "bad_via"  # not "SIP/2.0/<transport> host[:port];params"
    JUNK = "junk"  # bytes on a stream before anything that looks like a start line


class SipError(Exception):
    """A peer sent something we cannot use.

    ``raw`` holds the offending bytes, capped at :data:`RAW_CAP`; ``size`` is how many
    there were.
    """

    def __init__(self, reason: Reason | str, detail: str, raw: bytes | bytearray = b"") -> None:
        self.reason = Reason(reason)
        self.detail = detail
        self.raw = bytes(raw[:RAW_CAP])
        self.size = len(raw)
        super().__init__(f"{self.reason}: {detail}")

    # Events carrying errors compare by value (the h11 tests' "same bytes, same events").
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SipError):
            return NotImplemented
        return (self.reason, self.detail, self.raw, self.size) == (
            other.reason,
            other.detail,
            other.raw,
            other.size,
        )

    def __hash__(self) -> int:
        return hash((self.reason, self.detail, self.raw, self.size))

    def __repr__(self) -> str:
        return f"SipError({self.reason.value!r}, {self.detail!r}, size={self.size})"
