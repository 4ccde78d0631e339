"""Time helpers: UTC stored, Asia/Shanghai computed, never a naive datetime."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar date of an aware moment."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("拒绝无时区的时间：请传入带时区的 datetime。")
    return moment.astimezone(SHANGHAI).date()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
