"""Working-day deadlines with a pausing clock (口径 K-O1), across the 2026 National Day."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.lib.deadlines import DueState, Pause, due_date, working_days_left

pytestmark = pytest.mark.django_db
D = dt.date


def test_commitment_route_three_days_across_national_day():
    # 2026-09-30 works; 10-01…10-07 off; 10-08 (Thu), 10-09 (Fri) work.
    due = due_date(D(2026, 9, 29), 3)
    assert due.state is DueState.DUE and due.date == D(2026, 10, 9)


def test_test_route_ten_days_counts_the_adjusted_saturday():
    # 9-30, 10-8, 10-9, 10-10 (调休上班的周六), 10-12 … 10-16, 10-19.
    assert due_date(D(2026, 9, 29), 10).date == D(2026, 10, 19)


def test_a_closed_pause_skips_every_working_day_it_touched():
    due = due_date(D(2026, 9, 29), 3, [Pause(D(2026, 10, 8), D(2026, 10, 9), "样机固件需升级")])
    assert (due.date, due.paused_days) == (D(2026, 10, 12), 2)


def test_a_pause_over_holidays_only_costs_nothing():
    due = due_date(D(2026, 9, 29), 3, [Pause(D(2026, 10, 2), D(2026, 10, 5))])
    assert (due.date, due.paused_days) == (D(2026, 10, 9), 0)


def test_an_open_pause_leaves_the_due_date_unknown():
    due = due_date(D(2026, 9, 29), 3, [Pause(D(2026, 10, 8))])
    assert due.state is DueState.PAUSED and due.date is None and "暂停中" in due.label


def test_a_year_without_calendar_gives_pending_with_the_reason():
    due = due_date(D(2026, 12, 28), 10)
    assert due.state is DueState.UNKNOWN and due.date is None
    assert due.label.startswith("待定（2027年放假安排尚未录入")


def test_working_days_left_is_negative_once_overdue():
    due = due_date(D(2026, 9, 29), 3)
    assert working_days_left(due, D(2026, 9, 30)) == 2
    assert working_days_left(due, D(2026, 10, 9)) == 0
    assert working_days_left(due, D(2026, 10, 12)) == -2  # 10-10 (调休上班) and 10-12 are both late


def test_zero_days_is_refused():
    with pytest.raises(ValueError, match="至少为 1 个工作日"):
        due_date(D(2026, 9, 29), 0)
