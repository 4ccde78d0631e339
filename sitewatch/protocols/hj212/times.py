"""HJ 212 timestamps: ``YYYYMMDDhhmmss`` (and QN's ``YYYYMMDDhhmmsszzz``), zone supplied.

The protocol carries no zone. The caller passes the zone the device's clock runs in
(Asia/Shanghai for the platform's devices); use a ``zoneinfo.ZoneInfo`` or
``datetime.timezone``, not a pytz zone (``replace(tzinfo=...)`` is used).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from .errors import LocalProtocolError

__all__ = ["format_hj_time", "format_qn", "parse_hj_time", "require_aware"]


def require_aware(moment: datetime, name: str = "now") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LocalProtocolError(f"{name} must be an aware datetime, got {moment!r}")
    return moment


def parse_hj_time(text: str, zone: tzinfo) -> datetime | None:
    """``YYYYMMDDhhmmss`` or ``YYYYMMDDhhmmsszzz`` in ``zone``; None if malformed.

    The 17-digit form (with milliseconds) appears in real DataTime values
    (xiaoyao9184/hj-t212-parser tests, chenqi92/alltobs-hj212 README).
    """
    n = len(text)
    if (n != 14 and n != 17) or not text.isdigit() or not text.isascii():
        return None
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            int(text[14:17]) * 1000 if n == 17 else 0,
            tzinfo=zone,
        )
    except ValueError:
        return None


def format_hj_time(moment: datetime, zone: tzinfo) -> str:
    """``moment`` (aware) as ``YYYYMMDDhhmmss`` on the clock of ``zone``."""
    local = require_aware(moment, "time").astimezone(zone)
    return f"{local.year:04d}{local.month:02d}{local.day:02d}{local.hour:02d}{local.minute:02d}{local.second:02d}"


def format_qn(moment: datetime, zone: tzinfo) -> str:
    """``moment`` (aware) as a QN, ``YYYYMMDDhhmmsszzz``, on the clock of ``zone``."""
    local = require_aware(moment).astimezone(zone)
    return format_hj_time(local, zone) + f"{local.microsecond // 1000:03d}"
