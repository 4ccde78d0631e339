"""Reads for pages: thresholds in force, alarms and dust series, always through a Scope."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from sitewatch.accounts.visibility import Scope
from sitewatch.alarms.averaging import REALTIME_CN, floor_hour, hourly_means, hours_between, minute_values
from sitewatch.alarms.models import Alarm, DustReference, DustThreshold
from sitewatch.telemetry.models import Reading


def thresholds_in_force(*, at: dt.datetime) -> dict[tuple[str, str], DustThreshold]:
    """{(parameter, period): version} of the enabled thresholds in force at `at`."""
    from sitewatch.alarms.services import ThresholdBook

    book = ThresholdBook(list(DustThreshold.objects.filter(effective_from__lte=at)))
    result = {}
    for period in book.periods():
        for parameter in book.parameters(period):
            threshold = book.in_force(parameter, period, at)
            if threshold is not None and threshold.enabled:
                result[(parameter, period)] = threshold
    return result


def alarm_list(*, scope: Scope, device_ids: list[int] | None = None, since: dt.datetime | None = None) -> QuerySet:
    """Alarms of visible devices; with `since`, the open ones and those that started since then."""
    qs = Alarm.objects.filter(device__in=scope.devices()).select_related("threshold", "device")
    if device_ids is not None:
        qs = qs.filter(device_id__in=device_ids)
    if since is not None:
        qs = qs.filter(Q(ended_at__isnull=True) | Q(started_at__gte=since))
    return qs.order_by("-started_at", "-id")


def realtime_points(*, scope: Scope, device_id: int, parameters: list[str], since: dt.datetime,
                    until: dt.datetime) -> dict[str, list[tuple[dt.datetime, float]]]:
    rows = (Reading.objects.filter(device__in=scope.devices(), device_id=device_id, cn=REALTIME_CN,
                                   data_time__gte=since, data_time__lt=until)
            .order_by("data_time").values_list("data_time", *parameters))
    series: dict[str, list[tuple[dt.datetime, float]]] = {p: [] for p in parameters}
    for at, *values in rows:
        for parameter, value in zip(parameters, values, strict=True):
            if value is not None:
                series[parameter].append((at, value))
    return series


def hourly_points(*, scope: Scope, device_id: int, parameters: list[str], since: dt.datetime,
                  until: dt.datetime) -> dict[str, list[tuple[dt.datetime, float | None, int]]]:
    """{parameter: [(hour, mean or None when invalid, minutes with data)]} for the whole hours in range,
    by the same rules the alarms are judged by."""
    start, end = floor_hour(since), floor_hour(until)
    rows = list(Reading.objects.filter(device__in=scope.devices(), device_id=device_id, cn__in=("2011", "2051"),
                                       data_time__gte=start, data_time__lt=end)
                .values_list("cn", "data_time", *parameters))
    hours = hours_between(start, end)
    result = {}
    for i, parameter in enumerate(parameters):
        minutes = minute_values(((row[0], row[1], row[2 + i]) for row in rows), parameter=parameter)
        means = hourly_means(minutes, parameter=parameter, min_minutes=settings.DUST_HOUR_MIN_MINUTES, hours=hours)
        result[parameter] = [(hour, *means[hour]) for hour in hours]
    return result


def references(*, district_id: int, parameters: list[str], since: dt.datetime,
               until: dt.datetime) -> dict[tuple[str, dt.datetime], float]:
    rows = DustReference.objects.filter(district_id=district_id, parameter__in=parameters, hour__gte=since,
                                        hour__lt=until).values_list("parameter", "hour", "value")
    return {(p, hour): value for p, hour, value in rows}

