"""Why a MANSCDP body was refused.

A body comes from a device, so a bad one is the *device's* fault: :func:`.parse_manscdp`
raises :class:`ManscdpError` and nothing else for any bytes it is given (the fuzz tests hold
it to that). The gateway answers the MESSAGE (200 or 400, its choice), logs the reason and
carries on. Builders are handed values by our own code; a bad value there raises a plain
``ValueError`` (the caller's bug, not the device's).
"""

from __future__ import annotations

import enum

__all__ = ["RAW_CAP", "ManscdpError", "ManscdpReason"]

# Enough of the body to recognise it in a log line.
RAW_CAP = 512


class ManscdpReason(enum.StrEnum):
    """Stable strings for logs and counters."""

    BAD_XML = "bad_xml"  # not XML even after the tolerated repairs, or truncated
    DOCTYPE_REFUSED = "doctype_refused"  # a DOCTYPE/ENTITY/ELEMENT declaration (entity-expansion attacks)
    TOO_LARGE = "too_large"  # over the size cap
    UNKNOWN_ROOT = "unknown_root"  # root element not Query, Response, Notify or Control
    MISSING_FIELD = "missing_field"  # no CmdType or no DeviceID


class ManscdpError(ValueError):
    """A device sent a MANSCDP body we cannot use. ``raw`` holds its first bytes."""

    def __init__(self, reason: ManscdpReason | str, detail: str, raw: bytes = b"") -> None:
        self.reason = ManscdpReason(reason)
        self.detail = detail
        self.raw = bytes(raw[:RAW_CAP])
        self.size = len(raw)
        super().__init__(f"{self.reason}: {detail}")

    def __repr__(self) -> str:
        return f"ManscdpError({self.reason.value!r}, {self.detail!r}, size={self.size})"
