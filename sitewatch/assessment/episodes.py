"""Offline episodes of points and their SMS notices (附件7; issue #6 part 1).

Each pass of the monitor loop calls :func:`episodes_sweep`: a point seen offline at
``EPISODE_DEBOUNCE_SWEEPS`` consecutive sweeps and for at least
``EPISODE_DEBOUNCE_SECONDS`` opens an episode; the first sweep that sees it online again
closes it. Opening an episode writes the first notice to the integrator's and the
contractor's contacts — one per episode per recipient; points of one recipient that go
offline in the same sweep share one message — and an episode open past
``EPISODE_DIGEST_AFTER_HOURS`` gets one digest a day per recipient, at most
``EPISODE_DIGEST_DAILY_CAP`` digests per number a day. The fix time counts from the first notice to
the integrator (``notified_at`` = that message's send time).

Safe as several copies: an episode is opened under a partial unique constraint (one open
per point), its notices under another (once per episode, number, kind and day), and the
debounce counter only moves once per half monitor interval.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery

from sitewatch.assessment.models import EpisodeNotice, OfflineEpisode, PointWatch
from sitewatch.assessment.points import assessed_points, point_states
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.monitoring.models import Flip
from sitewatch.notifications.models import Notification
from sitewatch.notifications.services import Recipient, firm_recipients, notification_queue
from sitewatch.registry.models import MonitoringPoint

log = logging.getLogger("sitewatch.assessment")
CHUNK = 500
SHANGHAI_FMT = "%m月%d日%H:%M"


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _offline_since(point_ids: list[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """The latest offline flip of each point's channels or devices (when it went offline)."""
    since: dict[int, dt.datetime] = {}
    for chunk in _chunks(point_ids):
        rows = Flip.objects.filter(new_online=False, at__lte=now).filter(
            Q(channel__point_id__in=chunk) | Q(channel=None, device__point_id__in=chunk)).values_list(
            "channel__point_id", "device__point_id", "at")
        for channel_point, device_point, at in rows:
            point_id = channel_point or device_point
            if point_id in since and since[point_id] >= at:
                continue
            since[point_id] = at
    return since


def episodes_sweep(*, now: dt.datetime) -> dict[str, int]:
    """One pass: move the debounce, open and close episodes, write notices and digests."""
    today = local_date(now)
    states = point_states(assessed_points(on=today))
    offline = {pid for pid, state in states.items() if not state.online}
    watched = dict(PointWatch.objects.values_list("point_id", "offline_sweeps"))
    gap = dt.timedelta(seconds=settings.MONITOR_INTERVAL_SECONDS / 2)
    counts = {"opened": 0, "closed": 0, "notices": 0, "digests": 0}

    new = sorted(offline - watched.keys())
    if new:
        since = _offline_since(new, now)
        PointWatch.objects.bulk_create([PointWatch(point_id=pid, offline_since=min(since.get(pid, now), now),
                                                   offline_sweeps=1, checked_at=now) for pid in new],
                                       ignore_conflicts=True)
    for chunk in _chunks(sorted(offline & watched.keys())):
        PointWatch.objects.filter(point_id__in=chunk, checked_at__lt=now - gap).update(
            offline_sweeps=F("offline_sweeps") + 1, checked_at=now)
    recovered = sorted(watched.keys() - offline)
    for chunk in _chunks(recovered):
        PointWatch.objects.filter(point_id__in=chunk).delete()
        counts["closed"] += OfflineEpisode.objects.filter(point_id__in=chunk, closed_at=None).update(closed_at=now)
    # A point no longer assessed (removed, project stopped) ends its episode too.
    counts["closed"] += OfflineEpisode.objects.filter(closed_at=None).exclude(
        point__in=assessed_points(on=today).values("pk")).update(closed_at=now)

    debounce = dt.timedelta(seconds=settings.EPISODE_DEBOUNCE_SECONDS)
    due = (PointWatch.objects.filter(offline_sweeps__gte=settings.EPISODE_DEBOUNCE_SWEEPS,
                                     offline_since__lte=now - debounce)
           .exclude(point_id__in=OfflineEpisode.objects.filter(closed_at=None).values("point_id"))
           .select_related("point__project"))
    opened = []
    for watch in due:
        episode = _open(watch, now)
        if episode is not None:
            opened.append(episode)
    counts["opened"] = len(opened)
    if opened:
        counts["notices"] = _notify_first(opened, now)
    counts["digests"] = _digests(now)
    _sync_notified()
    return counts


def _open(watch: PointWatch, now: dt.datetime) -> OfflineEpisode | None:
    project = watch.point.project
    try:
        with transaction.atomic():
            return OfflineEpisode.objects.create(point=watch.point, project=project, integrator_id=project.integrator_id,
                                                 started_at=watch.offline_since, opened_at=now)
    except IntegrityError:  # another copy opened it
        return None


def _recipients(episode: OfflineEpisode) -> list[tuple[Recipient, bool]]:
    """(recipient, is the integrator's) for an episode: the integrator's contacts first."""
    out = [(r, True) for r in firm_recipients(firm=episode.integrator)]
    out += [(r, False) for r in firm_recipients(firm=episode.project.contractor)]
    return out


def _key(recipient: Recipient) -> str:
    return recipient.phone or f"user:{recipient.user_id or 0}:firm:{recipient.firm_id or 0}"


def _point_label(episode: OfflineEpisode) -> str:
    return f"{episode.project.name}“{episode.point.name}”"


def _notify_first(episodes: list[OfflineEpisode], now: dt.datetime) -> int:
    by_recipient: dict[str, tuple[Recipient, bool, list[OfflineEpisode]]] = {}
    for episode in episodes:
        for recipient, is_integrator in _recipients(episode):
            entry = by_recipient.setdefault(_key(recipient), (recipient, is_integrator, []))
            entry[2].append(episode)
    written = 0
    today = local_date(now)
    for key, (recipient, is_integrator, items) in by_recipient.items():
        names = "、".join(_point_label(e) for e in items[:5]) + (f"等{len(items)}个点位" if len(items) > 5 else "")
        since = min(e.started_at for e in items).astimezone(dt.timezone(dt.timedelta(hours=8)))
        body = (f"{names}自{since.strftime(SHANGHAI_FMT)}起离线，请系统集成商尽快修复，修复后在平台“告知恢复上线”。"
                f"修复时长自本通知起算（湛江市智慧工地监管平台）。")
        with transaction.atomic():
            [notification] = notification_queue(recipients=[recipient], subject="监控点位离线通知", body=body,
                                                 related=items[0], now=now)
            for episode in items:
                EpisodeNotice.objects.create(episode=episode, notification=notification, phone=key, kind="first",
                                             day=today, created_at=now)
                if is_integrator and episode.notice_id is None:
                    OfflineEpisode.objects.filter(pk=episode.pk, notice=None).update(notice=notification)
                    episode.notice = notification
        written += 1
    return written


def _digests(now: dt.datetime) -> int:
    """One digest a day per recipient for episodes open longer than the digest age."""
    today = local_date(now)
    old = now - dt.timedelta(hours=settings.EPISODE_DIGEST_AFTER_HOURS)
    long_open = list(OfflineEpisode.objects.filter(closed_at=None, opened_at__lte=old)
                     .exclude(pk__in=EpisodeNotice.objects.filter(kind="digest", day=today).values("episode_id"))
                     .select_related("point", "project__contractor", "integrator"))
    if not long_open:
        return 0
    by_recipient: dict[str, tuple[Recipient, list[OfflineEpisode]]] = {}
    for episode in long_open:
        for recipient, _ in _recipients(episode):
            by_recipient.setdefault(_key(recipient), (recipient, []))[1].append(episode)
    sent_today = defaultdict(int)  # digests already written today per number
    for phone, _notification in (EpisodeNotice.objects.filter(day=today, kind="digest")
                                 .values_list("phone", "notification").distinct()):
        sent_today[phone] += 1
    written = 0
    for key, (recipient, items) in by_recipient.items():
        if sent_today[key] >= settings.EPISODE_DIGEST_DAILY_CAP:
            log.info("号码 %s 今日离线汇总短信已达上限 %s 条", key[-4:], settings.EPISODE_DIGEST_DAILY_CAP)
            continue
        pending = [e for e in items if not EpisodeNotice.objects.filter(episode=e, phone=key, kind="digest",
                                                                        day=today).exists()]
        if not pending:
            continue
        lines = "；".join(f"{_point_label(e)}已离线{_hours(now - e.started_at)}" for e in pending[:5])
        more = f"，共{len(pending)}个点位" if len(pending) > 5 else ""
        try:
            with transaction.atomic():
                [notification] = notification_queue(
                    recipients=[recipient], subject="离线点位每日汇总", related=pending[0], now=now,
                    body=f"仍未恢复的离线点位：{lines}{more}。请尽快修复（湛江市智慧工地监管平台）。")
                EpisodeNotice.objects.bulk_create([EpisodeNotice(episode=e, notification=notification, phone=key,
                                                                 kind="digest", day=today, created_at=now)
                                                   for e in pending])
        except IntegrityError:  # another copy wrote today's digest for this number
            continue
        written += 1
    return written


def _hours(age: dt.timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24}天{hours % 24}小时" if hours >= 24 else f"{hours}小时"


def _sync_notified() -> None:
    """Copy the send time of each episode's first notice to the integrator once it is sent."""
    sent = Notification.objects.filter(pk=OuterRef("notice_id"), sent_at__isnull=False).values("sent_at")[:1]
    OfflineEpisode.objects.filter(notified_at=None, notice__sent_at__isnull=False).update(notified_at=Subquery(sent))


def report_window() -> dt.timedelta:
    """告知恢复上线 is taken on an open episode or one closed at most this long ago (口径 K-A10)."""
    return dt.timedelta(days=settings.EPISODE_REPORT_WINDOW_DAYS)


def episode_report_recovery(*, user, episode: OfflineEpisode, now: dt.datetime, note: str = "") -> OfflineEpisode:
    """告知恢复上线: the integrator says the point is back. The report is recorded and checked
    against the live data at once; the episode itself closes only when the data shows it."""
    from sitewatch.accounts.visibility import scope_for

    scope = scope_for(user)
    if scope.firm_id is None or scope.firm_id != episode.integrator_id:
        raise TransitionRefused("只有负责该点位的系统集成商可以告知恢复上线。", action="report", status=403)
    if episode.reported_at is not None:
        raise TransitionRefused("该离线事件已告知过恢复上线。", action="report", status=409)
    if episode.closed_at is not None and now - episode.closed_at > report_window():
        raise TransitionRefused(f"该点位恢复上线已超过{settings.EPISODE_REPORT_WINDOW_DAYS}天，不能再告知恢复上线。",
                                action="report", status=409)
    state = point_states(MonitoringPoint.objects.filter(pk=episode.point_id)).get(episode.point_id)
    verdict = "confirmed" if (episode.closed_at is not None or (state is not None and state.online)) \
        else "contradicted"
    updated = OfflineEpisode.objects.filter(pk=episode.pk, reported_at=None).update(
        reported_at=now, reported_by=user, report_note=note.strip()[:300], report_verdict=verdict)
    if not updated:
        raise TransitionRefused("该离线事件已告知过恢复上线。", action="report", status=409)
    episode.refresh_from_db()
    return episode
