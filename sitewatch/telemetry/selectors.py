"""Reading series, always through a Scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from sitewatch.accounts.visibility import Scope

MAX_RANGE = dt.timedelta(days=31)
MAX_ITEMS = 10_000


class RangeError(ValueError):
    """A reading query's time range is malformed or too long (message in Chinese)."""


def reading_range(*, since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Defaults: the last 24 hours. At most 31 days, so one request cannot pull a year of data."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise RangeError(f"{name} 须带时区，例如 2026-11-25T08:00:00+08:00。")
    until = until or now
    since = since or until - dt.timedelta(hours=24)
    if since > until:
        raise RangeError("since 不能晚于 until。")
    if until - since > MAX_RANGE:
        raise RangeError("查询时间跨度不能超过31天。")
    return since, until


def reading_list(*, scope: Scope, device_id: int, since: dt.datetime, until: dt.datetime,
                 cn: str | None = None) -> QuerySet:
    from sitewatch.telemetry.models import Reading

    qs = Reading.objects.filter(device__in=scope.devices(), device_id=device_id,
                                data_time__gte=since, data_time__lte=until)
    if cn:
        qs = qs.filter(cn=cn)
    return qs.order_by("data_time", "cn")[:MAX_ITEMS]
