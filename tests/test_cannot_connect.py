"""不能接入说明 (附件5) turning into a 未接入监管平台 violation record once overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.enforcement.models import Violation
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.reminders import deadlines_run
from sitewatch.onboarding.statements import cannot_connect_file, cannot_connect_overdue
from sitewatch.registry.models import Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def test_overdue_statement_opens_one_violation_record(users, project):
    statement = cannot_connect_file(user=users["contractor"], project=project, reason="现场尚未通电",
                                    promised_date=dt.date(2026, 11, 20), now=T0)
    assert cannot_connect_overdue(now=dt.datetime(2026, 11, 20, 23, 59, tzinfo=SH)) == []  # the promised day itself
    opened = cannot_connect_overdue(now=dt.datetime(2026, 11, 21, 0, 1, tzinfo=SH))
    assert len(opened) == 1 and opened[0].kind == "not_connected" and opened[0].is_open
    assert "现场尚未通电" in opened[0].detail and "2026年11月20日" in opened[0].detail
    statement.refresh_from_db()
    assert statement.violation == opened[0]
    assert cannot_connect_overdue(now=dt.datetime(2026, 11, 22, tzinfo=SH)) == []  # once
    assert Violation.objects.filter(project=project, kind="not_connected").count() == 1


def test_a_second_overdue_statement_joins_the_open_record(users, project):
    for promised in (dt.date(2026, 11, 10), dt.date(2026, 11, 12)):
        cannot_connect_file(user=users["contractor"], project=project, reason="待供电", promised_date=promised, now=T0)
    assert deadlines_run(now=dt.datetime(2026, 11, 25, 9, 0, tzinfo=SH))["statements_overdue"] == 2
    assert Violation.objects.filter(project=project, kind="not_connected", is_open=True).count() == 1


def test_a_connected_project_is_not_recorded(users, project):
    from sitewatch.onboarding.models import Application

    cannot_connect_file(user=users["contractor"], project=project, reason="待供电",
                        promised_date=dt.date(2026, 11, 10), now=T0)
    Application.objects.create(project=project, integrator=project.integrator, created_by=users["contractor"],
                               state="connected")
    assert cannot_connect_overdue(now=dt.datetime(2026, 11, 25, tzinfo=SH)) == []


def test_only_the_project_s_firms_file_and_the_date_must_be_ahead(users, project):
    with pytest.raises(TransitionRefused, match="只有本项目的施工单位或系统集成商"):
        cannot_connect_file(user=users["xiashan"], project=project, reason="x", promised_date=dt.date(2027, 1, 1),
                            now=T0)
    with pytest.raises(TransitionRefused, match="应晚于今天"):
        cannot_connect_file(user=users["contractor"], project=project, reason="x", promised_date=dt.date(2026, 11, 2),
                            now=T0)
