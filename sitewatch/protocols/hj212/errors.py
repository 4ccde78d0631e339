"""Errors, typed by blame (the h11 convention).

* What the *device* got wrong never raises: the codec turns it into an event,
  :class:`~.events.BadFrame` (the bytes are not a usable frame) or
  :class:`~.events.BadPacket` (a valid frame whose content cannot be used as is). The
  gateway logs it and answers, drops or closes; it never crashes on it.
* What the *caller* got wrong raises :class:`LocalProtocolError`: data after EOF, a naive
  datetime, a value a builder cannot encode.
"""

from __future__ import annotations

__all__ = ["LocalProtocolError", "Reason"]


class LocalProtocolError(ValueError):
    """The caller used the codec wrongly (a bug on our side, not the device's)."""


class Reason:
    """Reason codes carried by ``BadFrame.reason`` and ``BadPacket.reason``."""

    # BadFrame: the bytes are not a usable frame.
    BAD_CRC = "bad_crc"  # a complete frame whose CRC matches no variant allowed for the MN
    BAD_LENGTH = "bad_length"  # length field not 4 digits, or no CRC-valid end where it points
    TOO_LONG = "too_long"  # longer than max_segment allows
    TRUNCATED = "truncated"  # the connection ended inside a frame
    BAD_SEGMENT = "bad_segment"  # CRC valid but no CN or no MN in the data segment
    NOT_ASCII = "not_ascii"  # the segment is neither ASCII, UTF-8 nor GBK
    JUNK = "junk"  # bytes between frames that are not whitespace
    # BadPacket: a valid frame whose content cannot be used as is.
    BAD_DATATIME = "bad_datatime"  # DataTime present but not YYYYMMDDhhmmss[zzz]
    MISSING_DATATIME = "missing_datatime"  # a data upload without DataTime
