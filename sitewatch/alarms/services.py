"""Writes: threshold versions, and judging each device's periods into judgements and alarms.

Judging runs in the monitor loop (`sitewatch.monitoring.loop.run_once`), never in a gateway.
Several copies of the loop may run at once: each device's periods are claimed through its
EvaluationCursor with a conditional UPDATE (`filter(position=old).update(position=new)`),
in the same transaction as the judgements, alarms and notifications it writes, so a period
is judged exactly once and a failed pass leaves nothing half-done.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from sitewatch.alarms import notify
from sitewatch.alarms.averaging import (
    REALTIME_CN,
    daily_mean,
    days_between,
    floor_day,
    floor_hour,
    hourly_means,
    hours_between,
    level_for,
    mean,
    minute_values,
    round1,
)
from sitewatch.alarms.models import (
    LEVEL_RANK,
    Alarm,
    ClosedReason,
    DustJudgement,
    DustReference,
    DustThreshold,
    EvaluationCursor,
    Mode,
    Outcome,
    Period,
)
from sitewatch.registry.models import Device, DeviceKind
from sitewatch.telemetry.models import Reading

log = logging.getLogger("sitewatch.alarms")
AVERAGE_CNS = ("2011", "2051")
PERIOD_ORDER = (Period.REALTIME, Period.HOURLY, Period.DAILY)


# --- thresholds ---

def threshold_new_version(*, parameter: str, period: str, mode: str, warning_value: float | None,
                          alarm_value: float | None, enabled: bool = True, effective_from: dt.datetime | None = None,
                          note: str = "", by=None, now: dt.datetime) -> DustThreshold:
    """Add the next version of a parameter's threshold (in force from `effective_from`, or from
    `now` when not given); earlier versions are never changed."""
    effective_from = effective_from or now
    if effective_from.tzinfo is None or effective_from.utcoffset() is None:
        raise ValidationError({"effective_from": "生效时间须带时区。"})
    if effective_from < now - dt.timedelta(minutes=1):
        # Periods already judged keep their judgement; a back-dated version would pretend otherwise.
        raise ValidationError({"effective_from": "生效时间不能早于当前时间：已判定的时段不会按新版本重新判定。"})
    with transaction.atomic():
        latest = (DustThreshold.objects.select_for_update().filter(parameter=parameter, period=period)
                  .order_by("-version").values_list("version", flat=True).first())
        threshold = DustThreshold(parameter=parameter, period=period, version=(latest or 0) + 1, mode=mode,
                                  warning_value=warning_value, alarm_value=alarm_value, enabled=enabled,
                                  effective_from=effective_from, note=note, created_by=by)
        threshold.full_clean(exclude=["version"])
        threshold.save()
    return threshold


class ThresholdBook:
    """Every threshold version, loaded once per pass; `in_force` answers for any moment."""

    def __init__(self, rows: list[DustThreshold]):
        self._by_key: dict[tuple[str, str], list[DustThreshold]] = {}
        for row in sorted(rows, key=lambda r: r.version, reverse=True):
            self._by_key.setdefault((row.parameter, row.period), []).append(row)

    @classmethod
    def load(cls) -> ThresholdBook:
        return cls(list(DustThreshold.objects.all()))

    def in_force(self, parameter: str, period: str, at: dt.datetime) -> DustThreshold | None:
        """The highest version already effective at `at` (possibly a disabled one)."""
        for row in self._by_key.get((parameter, period), ()):
            if row.effective_from <= at:
                return row
        return None

    def parameters(self, period: str) -> list[str]:
        return sorted(p for p, q in self._by_key if q == period)

    def periods(self) -> list[str]:
        present = {q for _, q in self._by_key}
        return [p for p in PERIOD_ORDER if p in present]


# --- judging ---

@dataclass
class _Work:
    """What one claimed range of one device and period writes."""

    device: Device
    period: str
    now: dt.datetime
    open_alarms: dict[str, Alarm]
    judgements: list[DustJudgement] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)

    def apply(self, *, parameter: str, at: dt.datetime, value: float, level: str | None,
              threshold: DustThreshold) -> None:
        alarm = self.open_alarms.get(parameter)
        if level is None:
            if alarm is not None:
                self.close(parameter, at=at, reason=ClosedReason.RECOVERED)
            return
        if alarm is None:
            alarm = Alarm.objects.create(
                device=self.device, parameter=parameter, period=self.period, level=level, started_at=at,
                last_exceeding_at=at, peak_value=value, peak_at=at, threshold=threshold,
            )
            self.open_alarms[parameter] = alarm
            self.counts["opened"] += 1
            notify.alarm_opened(alarm, device=self.device, now=self.now)
            return
        alarm.last_exceeding_at = at
        if value > alarm.peak_value:
            alarm.peak_value, alarm.peak_at = value, at
        self.dirty.add(parameter)
        if LEVEL_RANK[level] > LEVEL_RANK[alarm.level]:
            alarm.level = level
            alarm.save()
            self.dirty.discard(parameter)
            self.counts["escalated"] += 1
            notify.alarm_escalated(alarm, device=self.device, now=self.now)

    def close(self, parameter: str, *, at: dt.datetime, reason: str) -> None:
        alarm = self.open_alarms.pop(parameter, None)
        if alarm is None:
            return
        alarm.ended_at, alarm.closed_reason, alarm.closed_at = at, reason, self.now
        alarm.save()
        self.dirty.discard(parameter)
        self.counts["closed"] += 1
        notify.alarm_closed(alarm, device=self.device, now=self.now)

    def judge(self, *, parameter: str, at: dt.datetime, threshold: DustThreshold, coverage: int,
              mean_value: float | None, reference: float | None, judged: float | None, outcome: str) -> None:
        self.judgements.append(DustJudgement(
            device=self.device, parameter=parameter, period=self.period, period_start=at, coverage=coverage,
            mean=mean_value, reference=reference, judged_value=judged, threshold=threshold, outcome=outcome,
        ))
        self.counts["judged"] += 1

    def finish(self) -> None:
        for parameter in self.dirty:
            self.open_alarms[parameter].save()
        DustJudgement.objects.bulk_create(self.judgements)


def alarms_evaluate(*, now: dt.datetime) -> Counter:
    """Judge every recently heard dust monitor up to `now`; counts of judged periods and of
    alarms opened, escalated and closed. Idempotent, and safe as several copies."""
    book = ThresholdBook.load()
    counts: Counter = Counter()
    periods = book.periods()
    if not periods:
        return counts
    lookback = dt.timedelta(hours=settings.DUST_ALARM_LOOKBACK_HOURS)
    devices = list(Device.objects.filter(kind=DeviceKind.DUST_MONITOR, state__last_seen__gte=now - lookback)
                   .select_related("project__district", "project__contractor", "project__integrator"))
    cursors = {(c.device_id, c.period): c.position
               for c in EvaluationCursor.objects.filter(device__in=devices, period__in=periods)}
    for device in devices:
        for period in periods:
            try:
                counts.update(_evaluate(device=device, period=period, book=book,
                                        stored=cursors.get((device.pk, period)), now=now))
            except Exception:  # one device's bad data must not stop the others; retried next pass
                log.exception("设备 %s 的%s判定失败，下次巡检重试", device.pk, Period(period).label)
    return counts


def judgeable_end(period: str, now: dt.datetime) -> dt.datetime:
    """Periods before this moment may be judged: uploads get a delay to arrive first."""
    if period == Period.REALTIME:
        return now - dt.timedelta(seconds=settings.DUST_REALTIME_DELAY_SECONDS)
    settled = now - dt.timedelta(seconds=settings.DUST_ALARM_DELAY_SECONDS)
    return floor_hour(settled) if period == Period.HOURLY else floor_day(settled)


def _period_floor(period: str, moment: dt.datetime) -> dt.datetime:
    if period == Period.REALTIME:
        return moment
    return floor_hour(moment) if period == Period.HOURLY else floor_day(moment)


def _evaluate(*, device: Device, period: str, book: ThresholdBook, stored: dt.datetime | None,
              now: dt.datetime) -> Counter:
    end = judgeable_end(period, now)
    horizon = _period_floor(period, now - dt.timedelta(hours=settings.DUST_ALARM_LOOKBACK_HOURS))
    if stored is None:
        cns = (REALTIME_CN,) if period == Period.REALTIME else AVERAGE_CNS
        first = (Reading.objects.filter(device=device, cn__in=cns, data_time__gte=horizon)
                 .order_by("data_time").values_list("data_time", flat=True).first())
        if first is None:
            return Counter()
        EvaluationCursor.objects.bulk_create(
            [EvaluationCursor(device=device, period=period, position=_period_floor(period, first))],
            ignore_conflicts=True,
        )
        stored = EvaluationCursor.objects.get(device=device, period=period).position
    start = max(stored, horizon)
    if start >= end:
        return Counter()
    with transaction.atomic():
        if not EvaluationCursor.objects.filter(device=device, period=period, position=stored).update(position=end):
            return Counter()  # another copy of the loop claimed this range
        open_alarms = {a.parameter: a for a in Alarm.objects.filter(device=device, period=period,
                                                                     ended_at__isnull=True)}
        work = _Work(device=device, period=period, now=now, open_alarms=open_alarms)
        if period == Period.REALTIME:
            _judge_realtime(work, book, start, end)
        elif period == Period.HOURLY:
            _judge_hours(work, book, start, end)
        else:
            _judge_days(work, book, start, end)
        work.finish()
    return work.counts


def _in_force_or_close(work: _Work, book: ThresholdBook, parameter: str, at: dt.datetime) -> DustThreshold | None:
    threshold = book.in_force(parameter, work.period, at)
    if threshold is not None and not threshold.enabled:
        work.close(parameter, at=at, reason=ClosedReason.THRESHOLD_OFF)
        return None
    return threshold


def _judge_realtime(work: _Work, book: ThresholdBook, start: dt.datetime, end: dt.datetime) -> None:
    parameters = book.parameters(Period.REALTIME)
    rows = (Reading.objects.filter(device=work.device, cn=REALTIME_CN, data_time__gte=start, data_time__lt=end)
            .order_by("data_time").values_list("data_time", *parameters))
    for at, *values in rows.iterator(chunk_size=2000):
        for parameter, value in zip(parameters, values, strict=True):
            if value is None:
                continue
            threshold = _in_force_or_close(work, book, parameter, at)
            if threshold is None:
                continue
            level = level_for(value, warning=threshold.warning_value, alarm=threshold.alarm_value)
            work.apply(parameter=parameter, at=at, value=value, level=level, threshold=threshold)


def _minutes_by_parameter(device: Device, parameters: list[str], start: dt.datetime,
                          end: dt.datetime) -> dict[str, dict[dt.datetime, float]]:
    rows = list(Reading.objects.filter(device=device, cn__in=AVERAGE_CNS, data_time__gte=start, data_time__lt=end)
                .values_list("cn", "data_time", *parameters))
    return {p: minute_values(((row[0], row[1], row[2 + i]) for row in rows), parameter=p)
            for i, p in enumerate(parameters)}


def _references(device: Device, parameters: list[str], start: dt.datetime,
                end: dt.datetime) -> dict[tuple[str, dt.datetime], float]:
    rows = DustReference.objects.filter(district_id=device.project.district_id, parameter__in=parameters,
                                        hour__gte=start, hour__lt=end).values_list("parameter", "hour", "value")
    return {(p, hour): value for p, hour, value in rows}


def _judge_hours(work: _Work, book: ThresholdBook, start: dt.datetime, end: dt.datetime) -> None:
    parameters = book.parameters(Period.HOURLY)
    hours = hours_between(start, end)
    minutes = _minutes_by_parameter(work.device, parameters, start, end)
    means = {p: hourly_means(minutes[p], parameter=p, min_minutes=settings.DUST_HOUR_MIN_MINUTES, hours=hours)
             for p in parameters}
    references = _references(work.device, parameters, start, end)
    for hour in hours:
        for parameter in parameters:
            threshold = _in_force_or_close(work, book, parameter, hour)
            if threshold is None:
                continue
            value, coverage = means[parameter][hour]
            _judge_one(work, threshold, parameter=parameter, at=hour, coverage=coverage, mean_value=value,
                       reference=references.get((parameter, hour)))


def _judge_days(work: _Work, book: ThresholdBook, start: dt.datetime, end: dt.datetime) -> None:
    parameters = book.parameters(Period.DAILY)
    minutes = _minutes_by_parameter(work.device, parameters, start, end)
    references = _references(work.device, parameters, start, end)
    for day in days_between(start, end):
        hours = hours_between(day, min(day + dt.timedelta(days=1), end))
        for parameter in parameters:
            threshold = _in_force_or_close(work, book, parameter, day)
            if threshold is None:
                continue
            means = hourly_means(minutes[parameter], parameter=parameter,
                                 min_minutes=settings.DUST_HOUR_MIN_MINUTES, hours=hours)
            valid = {hour: m for hour, (m, _) in means.items() if m is not None}
            minimum = settings.DUST_DAY_MIN_HOURS
            day_mean = daily_mean(list(valid.values()), parameter=parameter, min_hours=minimum)
            if day_mean is None or threshold.mode == Mode.ABSOLUTE:
                _judge_one(work, threshold, parameter=parameter, at=day, coverage=len(valid), mean_value=day_mean,
                           reference=None)
                continue
            # Difference mode: the day's difference is the mean of its hourly differences, over the
            # valid hours that have a reference; fewer than the minimum of those → 无法判定.
            pairs = [(m, references[(parameter, h)]) for h, m in valid.items() if (parameter, h) in references]
            if len(pairs) < minimum:
                work.judge(parameter=parameter, at=day, threshold=threshold, coverage=len(valid), mean_value=day_mean,
                           reference=None, judged=None, outcome=Outcome.UNDETERMINABLE)
                continue
            reference = round1(mean([r for _, r in pairs], parameter=parameter))
            difference = round1(sum(m - r for m, r in pairs) / len(pairs))
            _record(work, threshold, parameter=parameter, at=day, coverage=len(valid), mean_value=day_mean,
                    reference=reference, judged=difference)


def _judge_one(work: _Work, threshold: DustThreshold, *, parameter: str, at: dt.datetime, coverage: int,
               mean_value: float | None, reference: float | None) -> None:
    if mean_value is None:
        # Not enough data: the period is not judged; an open alarm neither extends nor ends.
        work.judge(parameter=parameter, at=at, threshold=threshold, coverage=coverage, mean_value=None,
                   reference=None, judged=None, outcome=Outcome.INSUFFICIENT)
        return
    if threshold.mode == Mode.DIFFERENCE:
        if reference is None:
            # No reference for this district and hour: recorded as 无法判定, never guessed.
            work.judge(parameter=parameter, at=at, threshold=threshold, coverage=coverage, mean_value=mean_value,
                       reference=None, judged=None, outcome=Outcome.UNDETERMINABLE)
            return
        _record(work, threshold, parameter=parameter, at=at, coverage=coverage, mean_value=mean_value,
                reference=reference, judged=round1(mean_value - reference))
        return
    _record(work, threshold, parameter=parameter, at=at, coverage=coverage, mean_value=mean_value,
            reference=None, judged=mean_value)


def _record(work: _Work, threshold: DustThreshold, *, parameter: str, at: dt.datetime, coverage: int,
            mean_value: float, reference: float | None, judged: float) -> None:
    level = level_for(judged, warning=threshold.warning_value, alarm=threshold.alarm_value)
    work.judge(parameter=parameter, at=at, threshold=threshold, coverage=coverage, mean_value=mean_value,
               reference=reference, judged=judged, outcome=level or Outcome.OK)
    work.apply(parameter=parameter, at=at, value=judged, level=level, threshold=threshold)
