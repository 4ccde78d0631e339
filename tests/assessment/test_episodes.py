"""Offline episodes of points: the debounce, one first notice per episode and recipient,
daily digests under a cap, recovery closing the episode, and the integrator's report
checked against the data."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.assessment.episodes import episode_report_recovery, episodes_sweep
from sitewatch.assessment.models import EpisodeNotice, OfflineEpisode, PointWatch
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.monitoring.models import DeviceState
from sitewatch.notifications.models import Notification
from sitewatch.notifications.services import notifications_dispatch
from sitewatch.registry.models import Device, MonitoringPoint, Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SH)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def project(users):
    # The demo's own points (offline: no live data in tests) are taken out of the way.
    MonitoringPoint.objects.update(status="removed", removed_on=dt.date(2026, 1, 1))
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def dust_point(project, name="南门扬尘", online=False):
    point = MonitoringPoint.objects.create(project=project, kind="dust", name=name)
    device = Device.objects.create(project=project, point=point, kind="dust_monitor", name=f"{name}监测仪",
                                   installer=project.integrator)
    DeviceState.objects.update_or_create(device=device, defaults={"online": online})
    return point, device


def set_online(device, online):
    DeviceState.objects.filter(device=device).update(online=online)


def episodes(point):
    return list(OfflineEpisode.objects.filter(point=point))


def test_debounce_needs_two_sweeps_and_ten_minutes(project):
    point, _ = dust_point(project)
    episodes_sweep(now=T0)
    assert PointWatch.objects.get(point=point).offline_sweeps == 1 and episodes(point) == []
    episodes_sweep(now=T0 + 5 * MIN)  # two sweeps, but only five minutes
    assert PointWatch.objects.get(point=point).offline_sweeps == 2 and episodes(point) == []
    episodes_sweep(now=T0 + 10 * MIN)
    [episode] = episodes(point)
    assert episode.started_at == T0 and episode.opened_at == T0 + 10 * MIN and episode.closed_at is None


def test_a_blip_between_sweeps_opens_nothing(project):
    point, device = dust_point(project)
    episodes_sweep(now=T0)
    set_online(device, True)
    episodes_sweep(now=T0 + 5 * MIN)
    assert not PointWatch.objects.filter(point=point).exists()
    set_online(device, False)
    episodes_sweep(now=T0 + 11 * MIN)
    episodes_sweep(now=T0 + 12 * MIN)
    assert episodes(point) == []  # the clock restarted at T0 + 11 min


def open_episode(project, name="南门扬尘"):
    point, device = dust_point(project, name)
    episodes_sweep(now=T0)
    episodes_sweep(now=T0 + 10 * MIN)
    return point, device


def test_first_notice_once_per_recipient_and_notified_at_from_the_send(project):
    point, _ = open_episode(project)
    [episode] = episodes(point)
    firsts = EpisodeNotice.objects.filter(episode=episode, kind="first")
    phones = set(firsts.values_list("phone", flat=True))
    assert len(phones) == firsts.count() >= 2  # the integrator's and the contractor's contacts
    assert episode.notice is not None and episode.notice.recipient_firm_id == project.integrator_id
    assert "南门扬尘" in episode.notice.body and "修复时长自本通知起算" in episode.notice.body
    episodes_sweep(now=T0 + 11 * MIN)
    episodes_sweep(now=T0 + 12 * MIN)
    assert EpisodeNotice.objects.filter(episode=episode, kind="first").count() == firsts.count()
    sent_at = T0 + 13 * MIN
    notifications_dispatch(now=sent_at)
    episodes_sweep(now=T0 + 14 * MIN)
    episode.refresh_from_db()
    assert episode.notified_at == sent_at


def test_points_offline_together_share_one_message_per_recipient(project):
    a, _ = dust_point(project, "东门扬尘")
    b, _ = dust_point(project, "西门扬尘")
    before = Notification.objects.count()
    episodes_sweep(now=T0)
    episodes_sweep(now=T0 + 10 * MIN)
    recipients = EpisodeNotice.objects.filter(episode__point=a, kind="first").count()
    assert Notification.objects.count() - before == recipients  # one message per recipient for both
    shared = EpisodeNotice.objects.filter(episode__point=b, kind="first").values_list("notification", flat=True)
    assert set(shared) == set(EpisodeNotice.objects.filter(episode__point=a, kind="first")
                              .values_list("notification", flat=True))


def test_recovery_closes_the_episode(project):
    point, device = open_episode(project)
    set_online(device, True)
    episodes_sweep(now=T0 + 3 * dt.timedelta(hours=1))
    [episode] = episodes(point)
    assert episode.closed_at == T0 + 3 * dt.timedelta(hours=1)
    assert not PointWatch.objects.filter(point=point).exists()


def test_removed_point_ends_its_episode(project):
    point, _ = open_episode(project)
    MonitoringPoint.objects.filter(pk=point.pk).update(status="removed", removed_on=dt.date(2026, 11, 24))
    episodes_sweep(now=T0 + 20 * MIN)
    assert episodes(point)[0].closed_at == T0 + 20 * MIN


def test_daily_digest_once_a_day_under_the_cap(project, settings):
    settings.EPISODE_DIGEST_DAILY_CAP = 2
    point, _ = open_episode(project)
    [episode] = episodes(point)
    day2 = T0 + dt.timedelta(hours=25)
    episodes_sweep(now=day2)
    digests = EpisodeNotice.objects.filter(episode=episode, kind="digest")
    count = digests.count()
    assert count >= 2 and "已离线1天1小时" in digests.first().notification.body
    episodes_sweep(now=day2 + 30 * MIN)
    assert digests.count() == count
    # A second point becomes long-open later that day: a second digest (cap 2), then the cap holds.
    later, _ = dust_point(project, "北门扬尘")
    episodes_sweep(now=day2 - dt.timedelta(hours=23))
    episodes_sweep(now=day2 - dt.timedelta(hours=22, minutes=40))
    episodes_sweep(now=day2 + dt.timedelta(hours=2))
    assert EpisodeNotice.objects.filter(episode__point=later, kind="digest").count() == count
    third, _ = dust_point(project, "中门扬尘")
    episodes_sweep(now=day2 - dt.timedelta(hours=22))
    episodes_sweep(now=day2 - dt.timedelta(hours=21, minutes=40))
    episodes_sweep(now=day2 + dt.timedelta(hours=3))
    assert EpisodeNotice.objects.filter(episode__point=third, kind="digest").count() == 0  # cap reached
    episodes_sweep(now=day2 + dt.timedelta(days=1))
    assert EpisodeNotice.objects.filter(episode__point=third, kind="digest").count() == count


def test_integrator_report_is_checked_against_the_data(project, users):
    point, device = open_episode(project)
    [episode] = episodes(point)
    with pytest.raises(TransitionRefused, match="只有负责该点位的系统集成商"):
        episode_report_recovery(user=users["contractor"], episode=episode, now=T0 + 30 * MIN)
    reported = episode_report_recovery(user=users["integrator"], episode=episode, now=T0 + 30 * MIN, note="已更换电源")
    assert (reported.report_verdict, reported.report_note, reported.reported_by) == (
        "contradicted", "已更换电源", users["integrator"])
    with pytest.raises(TransitionRefused, match="已告知过"):
        episode_report_recovery(user=users["integrator"], episode=episode, now=T0 + 31 * MIN)
    other, dev2 = open_episode(project, "二号扬尘")
    set_online(dev2, True)
    [episode2] = episodes(other)
    assert episode_report_recovery(user=users["integrator"], episode=episode2,
                                   now=T0 + 40 * MIN).report_verdict == "confirmed"
