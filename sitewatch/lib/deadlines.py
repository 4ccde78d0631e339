"""Working-day deadlines whose clock can pause (DOMAIN §4.4: the test deadline of 3 or 10
working days stops while a technical difficulty is recorded, "遇到技术难题除外").

Reading (口径 K-O1): the period starts the day after its start date (民法典 art. 201, as
add_working_days); a working day on which a pause was open at any moment (Asia/Shanghai
dates) is not counted, so a pause opened and closed within one day costs that whole day;
while a pause is still open the due date is not known ("暂停中"), never guessed. A year
without calendar data makes the due date "待定" with the reason (CalendarMissing), as
everywhere else.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sitewatch.lib.workdays import CalendarMissing, WorkCalendar

SPAN_PER_DAY = 2  # calendar days per working day loaded at most, plus a fortnight (see workdays)


@dataclass(frozen=True)
class Pause:
    """A pause of the clock by local dates, ``until`` None while it is open."""

    since: dt.date
    until: dt.date | None = None
    reason: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


class DueState(enum.StrEnum):
    DUE = "due"  # a date
    PAUSED = "paused"  # an open pause: not known until it closes
    UNKNOWN = "unknown"  # a year without calendar data


@dataclass(frozen=True)
class Due:
    state: DueState
    date: dt.date | None = None
    reason: str = ""
    paused_days: int = 0  # working days not counted because of pauses

    @property
    def label(self) -> str:
        if self.state is DueState.DUE:
            return f"{self.date:%Y年%m月%d日}".replace("年0", "年").replace("月0", "月")
        if self.state is DueState.PAUSED:
            return "暂停中（技术难题处理完毕后恢复计时）"
        return f"待定（{self.reason}）"


def due_date(start: dt.date, days: int, pauses: Sequence[Pause] = (), *,
             calendar: WorkCalendar | None = None) -> Due:
    """The ``days``-th counted working day after ``start``."""
    if days < 1:
        raise ValueError("期限须至少为 1 个工作日。")
    if any(p.until is None for p in pauses):
        return Due(DueState.PAUSED)
    paused_span = sum(((p.until - p.since).days + 1 for p in pauses), 0)
    last = start + dt.timedelta(days=SPAN_PER_DAY * days + 15 + paused_span)
    try:
        calendar = calendar or WorkCalendar.load(range(start.year, last.year + 1))
        day, left, skipped = start, days, 0
        while left:
            day += dt.timedelta(days=1)
            if not calendar.is_working_day(day):
                continue
            if any(p.covers(day) for p in pauses):
                skipped += 1
                continue
            left -= 1
    except CalendarMissing as exc:
        return Due(DueState.UNKNOWN, reason=str(exc))
    return Due(DueState.DUE, day, paused_days=skipped)


def working_days_left(due: Due, today: dt.date, *, calendar: WorkCalendar | None = None) -> int | None:
    """Working days from ``today`` to the due date: 0 on the due date, negative once overdue
    (the working days it is late); None when the due date is not known."""
    if due.state is not DueState.DUE:
        return None
    low, high = sorted((today, due.date))
    try:
        calendar = calendar or WorkCalendar.load(range(low.year, high.year + 1))
        count, day = 0, low
        while day < high:
            day += dt.timedelta(days=1)
            if calendar.is_working_day(day):
                count += 1
    except CalendarMissing:
        return None
    return count if today <= due.date else -count
