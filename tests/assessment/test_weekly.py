"""The weekly check from live data: which points and episodes count, the stored evidence
recomputing to the stored result, and the sanctions of the rolling twelve months."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.assessment.models import Assessment, OfflineEpisode, SanctionTrigger
from sitewatch.assessment.rules import assess, parse_evidence
from sitewatch.assessment.weekly import assessment_run, assessments_due, latest_check, sanctions_apply
from sitewatch.monitoring.models import Channel, DeviceState
from sitewatch.notifications.models import Notification
from sitewatch.registry.models import Device, FirmSanction, MonitoringPoint, Project
from sitewatch.registry.selectors import firm_barring_sanction

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
CHECK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)


@pytest.fixture
def project(users):
    MonitoringPoint.objects.update(status="removed", removed_on=dt.date(2026, 1, 1))
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def dust(project, name, online):
    point = MonitoringPoint.objects.create(project=project, kind="dust", name=name)
    device = Device.objects.create(project=project, point=point, kind="dust_monitor", name=name)
    DeviceState.objects.update_or_create(device=device, defaults={"online": online})
    return point


def camera(project, name, online, main="1920x1080", sub="704x576"):
    point = MonitoringPoint.objects.create(project=project, kind="entrance_dome", name=name)
    nvr = Device.objects.create(project=project, kind="nvr", name=f"{name}NVR")
    Channel.objects.create(device=nvr, gb_channel_id=f"4408000000131{point.pk:07d}", point=point, online=online,
                           main_resolution=main, sub_resolution=sub, resolution_source="device",
                           first_seen=CHECK, last_catalog_at=CHECK)
    return point


def test_latest_check_is_monday_nine_in_shanghai():
    assert latest_check(CHECK) == (dt.date(2026, 11, 23), CHECK)
    assert latest_check(CHECK - dt.timedelta(minutes=1)) == (dt.date(2026, 11, 16), CHECK - dt.timedelta(days=7))
    assert latest_check(dt.datetime(2026, 12, 2, 15, 0, tzinfo=SH)) == (dt.date(2026, 11, 23), CHECK)


def test_the_week_is_scored_from_live_points_and_episodes(project):
    ok = camera(project, "东门球机", True)
    low = camera(project, "西门球机", True, main="1280x720")
    off = dust(project, "扬尘一", False)
    for i in range(7):
        dust(project, f"扬尘{i + 2}", True)
    removed = dust(project, "已拆扬尘", False)
    MonitoringPoint.objects.filter(pk=removed.pk).update(status="removed", removed_on=dt.date(2026, 11, 28))
    OfflineEpisode.objects.create(point=off, project=project, integrator=project.integrator,
                                  started_at=CHECK - dt.timedelta(days=5), opened_at=CHECK - dt.timedelta(days=5),
                                  notified_at=CHECK - dt.timedelta(days=4, hours=1))
    OfflineEpisode.objects.create(point=ok, project=project, integrator=project.integrator,  # recovered before the week
                                  started_at=CHECK - dt.timedelta(days=10), opened_at=CHECK - dt.timedelta(days=10),
                                  notified_at=CHECK - dt.timedelta(days=10), closed_at=CHECK - dt.timedelta(days=8))
    [row] = [a for a in assessment_run(now=CHECK) if a.integrator_id == project.integrator_id]
    # 1 of 10 offline = 10 % → 0; 扬尘一 4 days 1 hour → 5 days → 10; 西门 main stream → 10.
    assert row.score == 80, row.result
    assert sorted((d["rule"], d["point"]) for d in row.result["deductions"]) == [
        ("fix_time", str(off.pk)), ("main_stream", str(low.pk))]
    assert str(removed.pk) not in [p["id"] for p in row.evidence["points"]]
    assert {p["name"] for p in row.evidence["points"]} >= {"东门球机", "扬尘一"}
    assert assess(parse_evidence(row.evidence)) == row.result
    assert assessment_run(now=CHECK + dt.timedelta(minutes=5)) == []  # once a week


def test_suspended_project_is_not_assessed(project):
    dust(project, "扬尘", False)
    Project.objects.filter(pk=project.pk).update(status="suspended")
    assert [a for a in assessment_run(now=CHECK) if a.integrator_id == project.integrator_id] == []


def test_due_only_after_the_check_moment(project):
    dust(project, "扬尘", True)
    assert {a.week_start for a in assessments_due(now=CHECK - dt.timedelta(minutes=1))} == {dt.date(2026, 11, 16)}
    assert {a.week_start for a in assessments_due(now=CHECK)} == {dt.date(2026, 11, 23)}


def low_weeks(firm, scores, first=dt.date(2026, 6, 1)):
    for i, score in enumerate(scores):
        week = first + dt.timedelta(days=7 * i)
        Assessment.objects.create(integrator=firm, week_start=week, check_time=CHECK, score=score, result={},
                                  evidence={}, computed_at=CHECK)


def test_first_third_and_sixth_low_scores_bring_the_measures(project, users):
    firm = project.integrator
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)
    low_weeks(firm, [59])
    interview = sanctions_apply(integrator=firm, now=now)
    assert interview.kind == "interview" and "2026-W23 59分" in interview.reason
    assert Notification.objects.filter(related_model="registry.firmsanction", related_id=str(interview.pk),
                                       recipient_user__username="city").exists()
    assert sanctions_apply(integrator=firm, now=now) is None  # once
    low_weeks(firm, [60, 45], first=dt.date(2026, 6, 8))  # 60 is not low
    assert sanctions_apply(integrator=firm, now=now) is None  # the second: nothing
    low_weeks(firm, [10], first=dt.date(2026, 6, 22))
    suspension = sanctions_apply(integrator=firm, now=now)
    assert (suspension.kind, suspension.starts_on, suspension.ends_on) == (
        "suspension", dt.date(2026, 11, 30), dt.date(2027, 5, 29))
    assert list(SanctionTrigger.objects.filter(sanction=suspension).values_list("period", "ordinal")) == [
        ("2026-W23", 1), ("2026-W25", 2), ("2026-W26", 3)]
    assert firm_barring_sanction(firm=firm, on=dt.date(2027, 5, 29)) == suspension
    assert firm_barring_sanction(firm=firm, on=dt.date(2027, 5, 30)) is None  # lifted by itself
    low_weeks(firm, [0, 0, 0], first=dt.date(2026, 7, 6))
    blacklist = sanctions_apply(integrator=firm, now=now)
    assert blacklist.kind == "blacklist" and blacklist.ends_on is None


def test_low_scores_older_than_twelve_months_do_not_count(project):
    firm = project.integrator
    low_weeks(firm, [10, 10], first=dt.date(2025, 11, 3))
    low_weeks(firm, [10], first=dt.date(2026, 11, 16))
    assert sanctions_apply(integrator=firm, now=CHECK).kind == "interview"  # only one in the window
    assert FirmSanction.objects.filter(firm=firm).count() == 1


def test_monthly_mode_counts_complete_months_by_the_mean_of_their_weeks(project, settings):
    settings.SANCTION_PERIOD = "monthly"
    firm = project.integrator
    low_weeks(firm, [50, 70, 55, 60], first=dt.date(2026, 9, 28))  # weeks ending 10-04 … 10-25: mean 58.75
    low_weeks(firm, [10], first=dt.date(2026, 11, 23))  # November is not over yet
    sanction = sanctions_apply(integrator=firm, now=CHECK)
    assert sanction.kind == "interview" and "2026-10 58.75分" in sanction.reason


def test_assess_command_stores_and_exports_evidence_that_recomputes(project, tmp_path, capsys):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from django.core.management import call_command

    dust(project, "扬尘", False)
    call_command("assess", "--week", "2026-11-16", "--export", str(tmp_path))
    out = capsys.readouterr().out
    assert "2026-11-16 起一周" in out and project.integrator.name in out
    [path] = [p for p in tmp_path.iterdir() if project.integrator.credit_code in p.name]
    row = Assessment.objects.get(integrator=project.integrator, week_start=dt.date(2026, 11, 16))
    done = subprocess.run([str(Path(sys.executable).with_name("sitewatch")), "assess", "--evidence", str(path)],
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == row.result


def test_assess_command_refuses_a_week_not_over(project):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="尚未结束"):
        call_command("assess", "--week", "2099-01-05")
