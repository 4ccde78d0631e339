"""The pure averaging rules behind the alarms and the charts (no database)."""

from __future__ import annotations

import datetime as dt

from sitewatch.alarms.averaging import (
    days_between,
    downsample,
    floor_day,
    hourly_means,
    level_for,
    mean,
    minute_values,
    round1,
)
from tests.test_alarms_helpers import at


def test_level_is_reached_at_exactly_the_threshold():
    assert level_for(150, warning=150, alarm=200) == "warning"
    assert level_for(200, warning=150, alarm=200) == "alarm"
    assert level_for(149.9, warning=150, alarm=200) is None


def test_threshold_may_have_only_an_alarm_level():
    assert level_for(180, warning=None, alarm=200) is None
    assert level_for(200, warning=None, alarm=200) == "alarm"


def test_noise_is_averaged_by_energy_not_arithmetically():
    assert round(mean([60, 70], parameter="noise"), 1) == 67.4
    assert mean([60, 70], parameter="pm10") == 65


def test_averages_round_half_up_to_one_decimal():
    assert round1(149.95) == 150.0
    assert round1(0.1 + 0.2) == 0.3
    assert round1(149.94999) == 149.9


def test_hourly_mean_of_equal_values_is_exactly_that_value():
    minutes = {at(10, m): v for m, v in enumerate([140.1, 159.9] * 30)}
    assert hourly_means(minutes, parameter="pm10", min_minutes=45, hours=[at(10)]) == {at(10): (150.0, 60)}


def test_minute_value_prefers_the_devices_minute_average():
    samples = [("2011", at(10, 0, 0), 300.0), ("2011", at(10, 0, 30), 100.0), ("2051", at(10, 0), 120.0),
               ("2011", at(10, 1, 10), 80.0), ("2011", at(10, 1, 40), None)]
    assert minute_values(samples, parameter="pm10") == {at(10, 0): 120.0, at(10, 1): 80.0}


def test_day_starts_at_beijing_midnight():
    assert floor_day(dt.datetime(2026, 11, 24, 16, 30, tzinfo=dt.UTC)) == at(0, day=25)
    assert days_between(at(0, day=24), at(0, day=26)) == [at(0, day=24), at(0, day=25)]


def test_long_series_is_cut_to_the_limit_keeping_its_peak_and_trough():
    start = at(0)
    points = [(start + dt.timedelta(seconds=30 * i), 50.0 + (i % 7)) for i in range(2880)]
    points[1234] = (points[1234][0], 999.0)
    points[2000] = (points[2000][0], 1.0)
    kept = downsample(points, max_points=300)
    assert len(kept) <= 300
    assert (points[1234][0], 999.0) in kept and (points[2000][0], 1.0) in kept
    assert [p[0] for p in kept] == sorted(p[0] for p in kept)


def test_short_series_is_kept_whole():
    points = [(at(10) + dt.timedelta(minutes=m), float(m)) for m in range(100)]
    assert downsample(points, max_points=300) == points


def test_silence_longer_than_the_gap_breaks_the_line():
    points = [(at(10, 0), 1.0), (at(10, 1), 2.0), (at(11, 0), 3.0)]
    kept = downsample(points, max_points=300, gap=dt.timedelta(minutes=10))
    assert [v for _, v in kept] == [1.0, 2.0, None, 3.0]
