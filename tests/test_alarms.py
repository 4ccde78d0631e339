"""Dust thresholds and alarms: hourly validity, levels, open/extend/close, idempotence, the
difference mode and threshold versions (DOMAIN §9, docs/口径说明.md K-D rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from sitewatch.alarms import services
from sitewatch.alarms.models import Alarm, DustJudgement, DustReference, DustThreshold, EvaluationCursor
from sitewatch.alarms.services import alarms_evaluate, threshold_new_version
from sitewatch.monitoring.loop import run_once
from tests.test_alarms_helpers import at, dust_monitor, fill_hour

pytestmark = pytest.mark.django_db
# Hours are judged DUST_ALARM_DELAY_SECONDS (300) after they end.
AFTER = dt.timedelta(minutes=10)


@pytest.fixture
def monitor():
    return dust_monitor()


def hourly_judgement(device, hour, parameter="pm10") -> DustJudgement:
    return DustJudgement.objects.get(device=device, parameter=parameter, period="hourly", period_start=hour)


def pm10_alarms(device):
    return Alarm.objects.filter(device=device, parameter="pm10", period="hourly").order_by("started_at")


def new_version(now, **fields) -> DustThreshold:
    values = dict(parameter="pm10", period="hourly", mode="absolute", warning_value=150, alarm_value=200,
                  effective_from=now, now=now)
    values.update(fields)
    return threshold_new_version(**values)


# --- hourly validity ---

def test_hour_with_44_minutes_of_data_is_not_judged(monitor):
    fill_hour(monitor, at(10), pm10=250, minutes=44)
    alarms_evaluate(now=at(11) + AFTER)
    judgement = hourly_judgement(monitor, at(10))
    assert judgement.outcome == "insufficient" and judgement.coverage == 44 and judgement.mean is None
    assert not pm10_alarms(monitor).exists()


def test_hour_with_45_minutes_of_data_is_judged(monitor):
    fill_hour(monitor, at(10), pm10=250, minutes=45)
    alarms_evaluate(now=at(11) + AFTER)
    judgement = hourly_judgement(monitor, at(10))
    assert judgement.outcome == "alarm" and judgement.coverage == 45 and judgement.mean == 250
    assert pm10_alarms(monitor).count() == 1


def test_minutes_count_once_however_many_readings_they_hold(monitor):
    fill_hour(monitor, at(10), pm10=250, minutes=44)
    fill_hour(monitor, at(10, 0, 30), pm10=250, minutes=44)  # a second reading in each of the same 44 minutes
    alarms_evaluate(now=at(11) + AFTER)
    assert hourly_judgement(monitor, at(10)).outcome == "insufficient"


def test_minute_data_completes_an_hour_of_real_time_data(monitor):
    fill_hour(monitor, at(10), pm10=250, minutes=30)
    fill_hour(monitor, at(10), pm10=250, minutes=15, cn="2051", first_minute=30)
    alarms_evaluate(now=at(11) + AFTER)
    assert hourly_judgement(monitor, at(10)).coverage == 45


def test_minute_average_replaces_the_real_time_values_of_its_minute(monitor):
    fill_hour(monitor, at(10), pm10=300, minutes=60)
    fill_hour(monitor, at(10), pm10=100, minutes=60, cn="2051")
    alarms_evaluate(now=at(11) + AFTER)
    assert hourly_judgement(monitor, at(10)).mean == 100


def test_hour_is_judged_only_after_the_delay_for_late_uploads(monitor, settings):
    settings.DUST_ALARM_DELAY_SECONDS = 300
    fill_hour(monitor, at(10), pm10=250)
    alarms_evaluate(now=at(11, 4))
    assert not DustJudgement.objects.filter(device=monitor, period_start=at(10)).exists()
    alarms_evaluate(now=at(11, 5))
    assert hourly_judgement(monitor, at(10)).outcome == "alarm"


# --- levels: "≥" includes the number ---

@pytest.mark.parametrize(("pm10", "outcome"), [(149.9, "ok"), (150, "warning"), (199.9, "warning"), (200, "alarm")])
def test_default_pm10_hourly_levels_include_the_threshold(monitor, pm10, outcome):
    fill_hour(monitor, at(10), pm10=pm10)
    alarms_evaluate(now=at(11) + AFTER)
    assert hourly_judgement(monitor, at(10)).outcome == outcome


def test_warning_opens_an_alarm_at_warning_level_citing_version_1(monitor):
    fill_hour(monitor, at(10), pm10=150)
    alarms_evaluate(now=at(11) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.level == "warning" and alarm.threshold.version == 1
    assert alarm.started_at == at(10) and alarm.ended_at is None


# --- open, extend, close ---

def test_consecutive_exceeding_hours_extend_one_alarm(monitor):
    for hour, pm10 in ((10, 180), (11, 170), (12, 160)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(13) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.started_at == at(10) and alarm.last_exceeding_at == at(12) and alarm.is_open


def test_first_hour_under_the_threshold_closes_the_alarm_at_its_start(monitor):
    for hour, pm10 in ((10, 180), (11, 100)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(12) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.ended_at == at(11) and alarm.closed_reason == "recovered"


def test_alarm_keeps_its_peak_value_and_time(monitor):
    for hour, pm10 in ((10, 180), (11, 230), (12, 160), (13, 90)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(14) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert (alarm.peak_value, alarm.peak_at) == (230, at(11))


def test_alarm_rises_to_the_highest_level_reached(monitor):
    for hour, pm10 in ((10, 160), (11, 210)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(12) + AFTER)
    assert pm10_alarms(monitor).get().level == "alarm"


def test_alarm_extends_across_passes(monitor):
    fill_hour(monitor, at(10), pm10=180)
    alarms_evaluate(now=at(11) + AFTER)
    fill_hour(monitor, at(11), pm10=190)
    alarms_evaluate(now=at(12) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.last_exceeding_at == at(11) and alarm.is_open


def test_hour_without_enough_data_neither_extends_nor_closes_the_alarm(monitor):
    fill_hour(monitor, at(10), pm10=180)
    fill_hour(monitor, at(11), pm10=50, minutes=20)
    alarms_evaluate(now=at(12) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.is_open and alarm.last_exceeding_at == at(10)


def test_new_exceedance_after_recovery_opens_a_new_alarm(monitor):
    for hour, pm10 in ((10, 180), (11, 100), (12, 210)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(13) + AFTER)
    first, second = pm10_alarms(monitor)
    assert first.ended_at == at(11) and second.started_at == at(12) and second.is_open


def test_database_refuses_a_second_open_alarm_for_the_same_device_parameter_and_period(monitor):
    fill_hour(monitor, at(10), pm10=180)
    alarms_evaluate(now=at(11) + AFTER)
    alarm = pm10_alarms(monitor).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(device=monitor, parameter="pm10", period="hourly", level="alarm", started_at=at(12),
                             last_exceeding_at=at(12), peak_value=300, peak_at=at(12), threshold=alarm.threshold)


# --- idempotence and several evaluators ---

def test_evaluating_again_changes_nothing(monitor):
    for hour, pm10 in ((10, 180), (11, 100)):
        fill_hour(monitor, at(hour), pm10=pm10)
    first = alarms_evaluate(now=at(12) + AFTER)
    second = alarms_evaluate(now=at(12) + AFTER)
    assert first["opened"] == 1 and first["closed"] == 1
    assert sum(second.values()) == 0
    assert pm10_alarms(monitor).count() == 1
    assert DustJudgement.objects.filter(device=monitor, period_start__in=[at(10), at(11)]).count() == 2


def test_evaluator_with_a_stale_cursor_judges_nothing_already_claimed(monitor):
    fill_hour(monitor, at(10), pm10=180)
    now = at(11) + AFTER
    alarms_evaluate(now=at(10, 30))  # creates the cursor at 10:00, judges nothing yet
    stale = EvaluationCursor.objects.get(device=monitor, period="hourly").position
    book = services.ThresholdBook.load()
    winner = services._evaluate(device=monitor, period="hourly", book=book, stored=stale, now=now)
    loser = services._evaluate(device=monitor, period="hourly", book=book, stored=stale, now=now)
    assert winner["opened"] == 1 and sum(loser.values()) == 0
    assert pm10_alarms(monitor).count() == 1
    assert DustJudgement.objects.filter(device=monitor, period_start=at(10)).count() == 1


def test_monitor_pass_judges_dust_and_returns_counts(monitor):
    fill_hour(monitor, at(10), pm10=210)
    result = run_once(now=at(11) + AFTER)
    assert result["alarms_opened"] == 1 and result["periods_judged"] >= 1
    assert result["notifications_sent"] >= 1


# --- difference mode ---

def use_difference_mode(now):
    return new_version(now, mode="difference", warning_value=50, alarm_value=80, effective_from=at(0))


def test_difference_mode_judges_the_hourly_mean_minus_the_district_reference(monitor):
    use_difference_mode(at(0))
    DustReference.objects.create(district=monitor.project.district, parameter="pm10", hour=at(10), value=70)
    fill_hour(monitor, at(10), pm10=150)
    alarms_evaluate(now=at(11) + AFTER)
    judgement = hourly_judgement(monitor, at(10))
    assert (judgement.mean, judgement.reference, judgement.judged_value) == (150, 70, 80)
    assert judgement.outcome == "alarm"
    assert pm10_alarms(monitor).get().peak_value == 80


def test_difference_mode_without_a_reference_records_undeterminable_and_no_alarm(monitor):
    use_difference_mode(at(0))
    fill_hour(monitor, at(10), pm10=400)
    alarms_evaluate(now=at(11) + AFTER)
    judgement = hourly_judgement(monitor, at(10))
    assert judgement.outcome == "undeterminable" and judgement.mean == 400 and judgement.judged_value is None
    assert not pm10_alarms(monitor).exists()


def test_reference_of_another_district_is_not_used(monitor):
    from sitewatch.registry.models import District

    use_difference_mode(at(0))
    DustReference.objects.create(district=District.objects.get(name="赤坎区"), parameter="pm10", hour=at(10), value=10)
    fill_hour(monitor, at(10), pm10=400)
    alarms_evaluate(now=at(11) + AFTER)
    assert hourly_judgement(monitor, at(10)).outcome == "undeterminable"


def test_real_time_threshold_cannot_use_the_difference_mode():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="实时值只能按绝对值判定"):
        new_version(at(0), period="realtime", mode="difference")


# --- versions ---

def test_new_version_is_numbered_after_the_last(monitor):
    assert new_version(at(0), warning_value=100, alarm_value=150).version == 2
    assert new_version(at(0), warning_value=90, alarm_value=140).version == 3


def test_threshold_version_is_never_changed_or_deleted():
    version_1 = DustThreshold.objects.get(parameter="pm10", period="hourly", version=1)
    version_1.alarm_value = 500
    with pytest.raises(PermissionError):
        version_1.save()
    with pytest.raises(PermissionError):
        DustThreshold.objects.filter(pk=version_1.pk).update(alarm_value=500)
    with pytest.raises(PermissionError):
        version_1.delete()
    assert DustThreshold.objects.get(pk=version_1.pk).alarm_value == 200


def test_version_records_who_and_when(users):
    version = new_version(at(0), by=users["city"])
    assert version.created_by == users["city"] and version.created_at is not None


def test_new_version_cannot_take_effect_in_the_past():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="生效时间不能早于当前时间"):
        new_version(at(12), effective_from=at(10))


def test_new_version_judges_new_alarms_while_old_alarms_keep_theirs(monitor):
    for hour, pm10 in ((10, 180), (11, 100)):
        fill_hour(monitor, at(hour), pm10=pm10)
    alarms_evaluate(now=at(12) + AFTER)
    stricter = new_version(at(12) + AFTER, warning_value=80, alarm_value=120, effective_from=at(12, 30))
    for hour in (13, 14):
        fill_hour(monitor, at(hour), pm10=125)
    alarms_evaluate(now=at(15) + AFTER)
    old, new = pm10_alarms(monitor)
    assert old.threshold.version == 1 and old.level == "warning"
    assert new.threshold == stricter and new.level == "alarm"
    assert hourly_judgement(monitor, at(12)).threshold.version == 1  # 12:00 began before 12:30
    assert hourly_judgement(monitor, at(13)).threshold == stricter


def test_disabled_version_closes_the_open_alarm(monitor):
    fill_hour(monitor, at(10), pm10=180)
    alarms_evaluate(now=at(11) + AFTER)
    new_version(at(11) + AFTER, enabled=False, warning_value=None, alarm_value=None, effective_from=at(11, 30))
    fill_hour(monitor, at(12), pm10=180)
    alarms_evaluate(now=at(13) + AFTER)
    alarm = pm10_alarms(monitor).get()
    assert alarm.ended_at == at(12) and alarm.closed_reason == "threshold_off"
    assert not DustJudgement.objects.filter(device=monitor, period_start=at(12)).exists()


# --- real-time and daily periods ---

def test_real_time_threshold_judges_each_reading(monitor):
    from sitewatch.telemetry.ingest import ingest
    from tests.test_alarms_helpers import packet

    new_version(at(0), period="realtime", warning_value=300, alarm_value=500)
    ingest([packet(monitor, at(10, 0, s), pm10=v) for s, v in ((0, 100), (30, 320), (40, 520), (50, 90))])
    alarms_evaluate(now=at(10, 5))
    alarm = Alarm.objects.get(device=monitor, period="realtime")
    assert (alarm.started_at, alarm.ended_at, alarm.level) == (at(10, 0, 30), at(10, 0, 50), "alarm")
    assert (alarm.peak_value, alarm.peak_at) == (520, at(10, 0, 40))


def test_real_time_readings_are_judged_after_their_delay(monitor, settings):
    from sitewatch.telemetry.ingest import ingest
    from tests.test_alarms_helpers import packet

    settings.DUST_REALTIME_DELAY_SECONDS = 60
    new_version(at(0), period="realtime", warning_value=300, alarm_value=500)
    ingest([packet(monitor, at(10), pm10=600)])
    alarms_evaluate(now=at(10, 0, 30))
    assert not Alarm.objects.filter(device=monitor, period="realtime").exists()
    alarms_evaluate(now=at(10, 1, 1))
    assert Alarm.objects.filter(device=monitor, period="realtime").exists()


def daily_version():
    return new_version(at(0), period="daily", warning_value=100, alarm_value=150)


def test_day_with_19_valid_hours_is_not_judged(monitor):
    daily_version()
    for hour in range(19):
        fill_hour(monitor, at(hour), pm10=160, minutes=45)
    alarms_evaluate(now=at(0, day=26) + AFTER)
    judgement = DustJudgement.objects.get(device=monitor, period="daily", period_start=at(0))
    assert judgement.outcome == "insufficient" and judgement.coverage == 19


def test_day_with_20_valid_hours_is_judged_on_their_mean(monitor):
    daily_version()
    for hour in range(20):
        fill_hour(monitor, at(hour), pm10=140 if hour < 10 else 160, minutes=45)
    alarms_evaluate(now=at(0, day=26) + AFTER)
    judgement = DustJudgement.objects.get(device=monitor, period="daily", period_start=at(0))
    assert (judgement.outcome, judgement.coverage, judgement.mean) == ("alarm", 20, 150)
