"""Working days from the platform's holiday table (DOMAIN §4).

Deadlines in the guideline are counted in working days. Per 民法典 art. 201 the day on
which a period starts is not counted: `add_working_days(d, 3)` is the third working day
after d. A year without an entered official calendar is an error, never a guess.
"""

from __future__ import annotations

import datetime as dt

WEEKEND = {5, 6}  # Saturday, Sunday


class CalendarMissing(ValueError):
    """A computation touched a year whose official holiday arrangement is not entered."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年放假安排尚未录入，无法计算工作日。请市住建局管理员在“工作日历”中录入"
            f"国务院办公厅公布的{year}年部分节假日安排后再试。"
        )


class WorkCalendar:
    """The exceptions of the years loaded from the table; built per call, so edits apply at once."""

    def __init__(self, known_years: set[int], holidays: set[dt.date], workdays: set[dt.date]):
        self.known_years = known_years
        self.holidays = holidays
        self.workdays = workdays

    @classmethod
    def load(cls, years: range | set[int]) -> WorkCalendar:
        from sitewatch.holidays.models import CalendarDay, CalendarYear, DayKind

        years = set(years)
        known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
        holidays, workdays = set(), set()
        for date, kind in CalendarDay.objects.filter(calendar_id__in=known).values_list("date", "kind"):
            (holidays if kind == DayKind.HOLIDAY else workdays).add(date)
        return cls(known, holidays, workdays)

    def require(self, year: int) -> None:
        if year not in self.known_years:
            raise CalendarMissing(year)

    def is_working_day(self, day: dt.date) -> bool:
        self.require(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in WEEKEND


def _check_date(day) -> dt.date:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError("工作日计算需要日期（date），请先按 Asia/Shanghai 换算为当地日期。")
    return day


def is_working_day(day: dt.date) -> bool:
    day = _check_date(day)
    return WorkCalendar.load({day.year}).is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start not counted); n < 0 counts backwards; n = 0 is start."""
    start = _check_date(start)
    if n == 0:
        return start
    step = 1 if n > 0 else -1
    # Even the longest holiday run (Spring Festival, 9 days) leaves ≥ 1 working day a fortnight,
    # so |n| working days lie within about 2|n| + 15 calendar days.
    span = 2 * abs(n) + 15
    last = start + dt.timedelta(days=step * span)
    calendar = WorkCalendar.load(range(min(start.year, last.year), max(start.year, last.year) + 1))
    day, left = start, abs(n)
    while left:
        day += dt.timedelta(days=step)
        if calendar.is_working_day(day):
            left -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]: the inverse of add_working_days; negative when b is before a."""
    a, b = _check_date(a), _check_date(b)
    if b < a:
        return -working_days_between(b, a)
    calendar = WorkCalendar.load(range(a.year, b.year + 1))
    calendar.require(a.year)
    count, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def missing_years(years) -> list[int]:
    from sitewatch.holidays.models import CalendarYear

    years = set(years)
    return sorted(years - set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True)))
