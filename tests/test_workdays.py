"""Working days around the 2026 holidays, from the seeded holiday table."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sitewatch.holidays.models import CalendarDay, CalendarYear
from sitewatch.lib.workdays import CalendarMissing, add_working_days, is_working_day, working_days_between

D = dt.date
pytestmark = pytest.mark.django_db


def test_seeded_years_cover_2004_to_2026_and_no_later():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert years == set(range(2004, 2027))


def test_spring_festival_2026_days_are_off():
    assert [is_working_day(D(2026, 2, day)) for day in range(15, 24)] == [False] * 9


def test_spring_festival_make_up_saturdays_are_working_days():
    assert is_working_day(D(2026, 2, 14))
    assert is_working_day(D(2026, 2, 28))


def test_ordinary_saturday_is_off():
    assert not is_working_day(D(2026, 3, 7))


def test_start_day_is_not_counted():
    # Friday 13 February 2026: the next working day is the make-up Saturday.
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_add_skips_the_whole_spring_festival():
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_three_working_days_from_spring_festival_make_up_day():
    assert add_working_days(D(2026, 2, 14), 3) == D(2026, 2, 26)


def test_national_day_2026_skipped():
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_saturday_10_october_2026_is_a_working_day():
    assert is_working_day(D(2026, 10, 10))
    assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)


def test_ten_working_days_across_national_day():
    # 9-30 → 10-08, 09, 10(Sat), 12, 13, 14, 15, 16, 19, 20
    assert add_working_days(D(2026, 9, 30), 10) == D(2026, 10, 20)


def test_between_counts_the_end_not_the_start():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_between_is_the_inverse_of_add():
    start = D(2026, 1, 1)
    for offset in range(0, 330, 7):
        day = start + dt.timedelta(days=offset)
        for n in (1, 3, 5, 10):
            assert working_days_between(day, add_working_days(day, n)) == n


def test_between_is_negative_backwards():
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


def test_zero_days_is_the_start_day():
    assert add_working_days(D(2026, 2, 15), 0) == D(2026, 2, 15)


def test_negative_counts_backwards():
    assert add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)


def test_whole_year_2026_has_its_official_number_of_working_days():
    # Weekdays, less the holidays that fall on weekdays, plus the make-up working days.
    weekdays = sum(1 for i in range(365) if (D(2026, 1, 1) + dt.timedelta(days=i)).weekday() < 5)
    holidays_on_weekdays = CalendarDay.objects.filter(calendar_id=2026, kind="holiday").filter(
        date__week_day__in=[2, 3, 4, 5, 6]).count()
    makeups = CalendarDay.objects.filter(calendar_id=2026, kind="workday").count()
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == weekdays - holidays_on_weekdays + makeups


def test_unknown_year_raises_a_chinese_error():
    with pytest.raises(CalendarMissing, match="2027年放假安排尚未录入"):
        is_working_day(D(2027, 1, 4))


def test_add_into_unknown_year_raises_rather_than_guessing():
    with pytest.raises(CalendarMissing):
        add_working_days(D(2026, 12, 28), 10)


def test_add_near_year_end_within_known_year_works():
    assert add_working_days(D(2026, 12, 28), 3) == D(2026, 12, 31)


def test_entered_year_is_used_at_once():
    year = CalendarYear.objects.create(year=2027, source_notice="国务院办公厅关于2027年部分节假日安排的通知")
    CalendarDay.objects.create(calendar=year, date=D(2027, 1, 1), kind="holiday", name="元旦")
    assert not is_working_day(D(2027, 1, 1))
    assert is_working_day(D(2027, 1, 4))


def test_edited_make_up_day_changes_the_answer():
    CalendarDay.objects.filter(date=D(2026, 10, 10)).delete()
    assert not is_working_day(D(2026, 10, 10))


def test_datetime_is_refused():
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2026, 10, 10, tzinfo=dt.UTC))


def test_command_prints_iso_date(capsys):
    call_command("workdays", "add", "2026-09-30", "1")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "2026-10-08"


def test_command_fails_with_chinese_message_for_unknown_year():
    with pytest.raises(CommandError, match="2027年放假安排尚未录入"):
        call_command("workdays", "add", "2026-12-30", "5")


def test_command_rejects_bad_date():
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("workdays", "add", "2026/12/30", "5")
