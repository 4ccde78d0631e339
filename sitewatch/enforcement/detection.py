"""Automatic detection of violations from the platform's data (附件6 types 2, 3, 4, 7; issue 7
items 2 and 4) and the platform's automatic re-check of types 3, 4 and 7.

One pass, ``detection_run(now=…)``, run by the monitor loop every few passes and by
``sitewatch detect``. Idempotent and safe as several copies: cases are opened through
``case_open`` (at most one open case per project, point and type, the partial unique
constraints deciding a race), ``cleared_since`` moves by conditional UPDATE on its old value,
and the platform's steps go through ``case_act``, which claims the case's state; a copy that
loses a race is counted, not raised. Rules: 口径 K-V1…K-V10.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings

from sitewatch.assessment.points import assessed_points, point_states
from sitewatch.enforcement.models import CaseState, Violation, ViolationKind, ViolationType
from sitewatch.enforcement.requirements import CAMERA_KINDS, STAGES, requirements_from_setting
from sitewatch.enforcement.services import case_act, case_open
from sitewatch.lib.dates import SHANGHAI, local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.monitoring.models import Channel, DeviceState, Flip
from sitewatch.onboarding.statements import project_connected
from sitewatch.registry.models import Device, DeviceKind, MonitoringPoint, PointKind, PointStatus, Project

log = logging.getLogger("sitewatch.detection")

SOURCE = "detection"
POINT_KINDS = (ViolationKind.DUST_OFFLINE, ViolationKind.NOT_VIEWABLE)
SUPPORT_KINDS = (DeviceKind.NVR, DeviceKind.HARD_DISK, DeviceKind.ROUTER, DeviceKind.APN_CARD)
CAMERA_DEVICES = (DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA)


def _at(moment: dt.datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}"


def _hours(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 3600:.0f}"


@dataclasses.dataclass
class PointLive:
    """A connected point now: online or not, and since when (None: not known)."""

    point: MonitoringPoint
    online: bool
    since: dt.datetime | None


def _live_points(*, now: dt.datetime) -> dict[int, PointLive]:
    """Connected points of projects under construction with their state and since when it
    holds. Online or not is assessment/points.py's rule (a channel assigned to the point, else
    the devices placed on it); the time is the latest change of what is bound to the point
    when it is offline, the earliest change of what is online when it is online. A point whose
    devices never reported has no time and is left to 未接入监管平台 (K-V2)."""
    points = assessed_points(on=local_date(now)).select_related("project")
    states = point_states(points)
    if not states:
        return {}
    by_id = {p.pk: p for p in points.filter(pk__in=list(states))}
    times: dict[int, list[tuple[bool, dt.datetime | None]]] = defaultdict(list)
    for point_id, online, changed, first in (Channel.objects.filter(point__in=list(by_id), in_catalog=True)
                                             .values_list("point_id", "online", "changed_at", "first_seen")):
        times[point_id].append((online, changed or first))
    by_channel = set(times)
    for point_id, online, changed in (Device.objects.filter(point__in=list(by_id)).exclude(kind__in=SUPPORT_KINDS)
                                      .values_list("point_id", "state__online", "state__changed_at")):
        if point_id not in by_channel:
            times[point_id].append((bool(online), changed))
    live = {}
    for point_id, point in by_id.items():
        online = states[point_id].online
        if online:
            known = [at for on, at in times[point_id] if on and at is not None]
            since = min(known) if known else None
        else:
            known = [at for _, at in times[point_id] if at is not None]
            since = max(known) if known else None
            if since is None:
                continue  # bound but never heard from: not connected, not "offline"
        live[point_id] = PointLive(point, online, since)
    return live


def _connected_project_ids(project_ids: list[int]) -> set[int]:
    """Projects of ``project_ids`` that count as connected (K-V2): a device of theirs has
    been online at least once (a Flip to online: data, a registration), or an onboarding
    application of theirs is 已接入 (statements.project_connected, K-O4/K-O6)."""
    seen = set(Flip.objects.filter(device__project_id__in=project_ids, new_online=True)
               .values_list("device__project_id", flat=True).distinct())
    seen |= set(DeviceState.objects.filter(device__project_id__in=project_ids, last_seen__isnull=False)
                .values_list("device__project_id", flat=True).distinct())
    rest = Project.objects.filter(pk__in=set(project_ids) - seen)
    return seen | {p.pk for p in rest if project_connected(p)}


def _due_projects(*, now: dt.datetime) -> list[Project]:
    """Must-connect projects under construction past the grace after their planned start (or
    their registration when no start is given), K-V1."""
    grace = dt.timedelta(days=settings.ENFORCEMENT_CONNECT_GRACE_DAYS)
    today = local_date(now)
    return [p for p in Project.objects.must_connect().select_related("district")
            if (p.planned_start or local_date(p.created_at)) + grace <= today]


def _short_of(project: Project, points: list[tuple[str, str, bool]], matrix: dict) -> tuple[list[str], list[str]]:
    """(what is missing, points registered without a camera) by the stage's minimums (K-V5):
    a kind needs max(the matrix's minimum, its registered points); a point counts once a
    camera is placed on it or a video channel is assigned to it."""
    minimum = matrix.get(project.stage, {})
    registered: Counter = Counter()
    equipped: Counter = Counter()
    bare = []
    for kind, name, has_camera in points:
        registered[kind] += 1
        if has_camera:
            equipped[kind] += 1
        else:
            bare.append(f"{name}（{CAMERA_KINDS[kind]}）")
    missing = []
    for kind, label in CAMERA_KINDS.items():
        need = max(minimum.get(kind, 0), registered[kind])
        if need > equipped[kind]:
            missing.append(f"{label}{need - equipped[kind]}个（应有{need}个，现有{equipped[kind]}个）")
    return missing, bare


def _camera_points(project_ids: list[int]) -> dict[int, list[tuple[str, str, bool]]]:
    ids = list(project_ids)
    points = (MonitoringPoint.objects.filter(project_id__in=ids, status=PointStatus.ACTIVE,
                                             kind__in=list(CAMERA_KINDS))
              .values_list("pk", "project_id", "kind", "name"))
    cameras = set(Device.objects.filter(project_id__in=ids, kind__in=CAMERA_DEVICES, point__isnull=False)
                  .values_list("point_id", flat=True))
    cameras |= set(Channel.objects.filter(device__project_id__in=ids, in_catalog=True, point__isnull=False)
                   .values_list("point_id", flat=True))
    result: dict[int, list] = defaultdict(list)
    for pk, project_id, kind, name in points:
        result[project_id].append((kind, name, pk in cameras))
    return result


def detection_run(*, now: dt.datetime) -> dict[str, int]:
    """One pass: open the cases the data shows, then re-check the open cases of the types the
    platform re-checks. Returns counters."""
    counts: Counter = Counter()
    types = {t.kind: t for t in ViolationType.objects.all()}
    live = _live_points(now=now)
    due = _due_projects(now=now)
    connected = _connected_project_ids([p.pk for p in due])

    # 扬尘监测未联网 / 视频图像不可视 (K-V3, K-V4)
    dust_after = dt.timedelta(hours=settings.ENFORCEMENT_DUST_OFFLINE_HOURS)
    video_after = dt.timedelta(hours=settings.ENFORCEMENT_VIDEO_OFFLINE_HOURS)
    for state in live.values():
        if state.online:
            continue
        point, span = state.point, now - state.since
        if point.kind == PointKind.DUST:
            if span < dust_after:
                continue
            kind = ViolationKind.DUST_OFFLINE
            detail = (f"扬尘监测点位“{point.name}”自{_at(state.since)}起离线（平台未收到数据），至{_at(now)}已持续"
                      f"{_hours(span)}小时，超过{settings.ENFORCEMENT_DUST_OFFLINE_HOURS}小时。")
        else:
            if span < video_after:
                continue
            kind = ViolationKind.NOT_VIEWABLE
            detail = (f"视频点位“{point.name}”（{point.get_kind_display()}）的视频通道自{_at(state.since)}起离线，"
                      f"至{_at(now)}已持续{_hours(span)}小时（超过{settings.ENFORCEMENT_VIDEO_OFFLINE_HOURS}小时），"
                      f"平台无法调看图像。")
        _open(counts, project=point.project, point=point, kind=kind, now=now, detail=detail)

    # 未接入监管平台 (K-V1, K-V2)
    for project in due:
        if project.pk in connected:
            continue
        start = f"计划开工日期{project.planned_start:%Y年%m月%d日}" if project.planned_start else \
            f"登记日期{local_date(project.created_at):%Y年%m月%d日}（未填计划开工日期）"
        detail = (f"须接入监管平台的在建项目（{start}），已超过{settings.ENFORCEMENT_CONNECT_GRACE_DAYS}天宽限期，"
                  f"至{_at(now)}平台仍未收到该项目任何设备的注册或数据，也没有办结为“已接入”的接入申请。")
        _open(counts, project=project, point=None, kind=ViolationKind.NOT_CONNECTED, now=now, detail=detail)

    # 监控摄像头数量、部分不符合要求 (K-V5)
    matrix = requirements_from_setting(settings.ENFORCEMENT_CAMERA_REQUIREMENTS)
    cameras = _camera_points([p.pk for p in due])
    for project in due:
        missing, bare = _short_of(project, cameras.get(project.pk, []), matrix)
        if not missing:
            continue
        detail = (f"项目处于{STAGES[project.stage]}阶段，按监控摄像头配置要求，至{_at(now)}缺少：{'；'.join(missing)}。"
                  + (f"已登记但未安装摄像机（未分配视频通道）的点位：{'、'.join(bare)}。" if bare else ""))
        _open(counts, project=project, point=None, kind=ViolationKind.CAMERAS_SHORT, now=now, detail=detail)

    # The platform's re-check (K-V6…K-V8)
    auto_kinds = [k for k, t in types.items() if t.auto_recheck]
    cases = (Violation.objects.filter(is_open=True, kind__in=auto_kinds,
                                      state__in=(CaseState.FOUND, CaseState.ORDERED, CaseState.REPORTED))
             .select_related("project", "point"))
    recheck_ids = [c.project_id for c in cases if c.kind == ViolationKind.NOT_CONNECTED]
    connected_now = _connected_project_ids(recheck_ids) if recheck_ids else set()
    # A removed point, a suspended or completed project: the data no longer says anything
    # about the case; the district settles it (K-V9), the platform neither closes nor escalates.
    watched_points = set(assessed_points(on=local_date(now)).values_list("pk", flat=True))
    must_connect = set(Project.objects.must_connect().filter(pk__in=recheck_ids).values_list("pk", flat=True))
    for case in cases:
        if case.kind in POINT_KINDS:
            if case.point_id not in watched_points:
                counts["not_watched"] += 1
                continue
            state = live.get(case.point_id)
            clear = state is not None and state.online
            since = state.since if clear else None
        elif case.kind == ViolationKind.NOT_CONNECTED:
            if case.project_id not in must_connect:
                counts["not_watched"] += 1
                continue
            clear, since = case.project_id in connected_now, None
        else:
            continue  # a type made auto-rechecked by the city that the platform cannot see
        if clear:
            _cleared(counts, case, since=max(since or now, case.found_at) if since else None, now=now)
        else:
            _still(counts, case, now=now)
    return dict(counts)


def _open(counts: Counter, *, project, point, kind: str, now: dt.datetime, detail: str) -> None:
    _, created = case_open(project=project, point=point, kind=kind, now=now, source=SOURCE, detail=detail)
    if created:
        counts[f"opened_{kind}"] += 1
        counts["opened"] += 1
        log.info("自动检测发现违规：%s %s", project.name, detail)


def _cleared(counts: Counter, case: Violation, *, since: dt.datetime | None, now: dt.datetime) -> None:
    """The condition is not there now. ``since``: when it cleared by the data (a point back
    online), None when only this pass knows (the project's first contact): then from now on,
    unless it was already clear. A point that dropped again between two passes shows a later
    ``since``, which restarts the clear period."""
    old = case.cleared_since
    new = old
    if old is None:
        new = since or now
    elif since is not None and since > old:
        new = since  # it recurred and cleared again between two passes
    if new != old:
        if not Violation.objects.filter(pk=case.pk, cleared_since=old).update(cleared_since=new):
            counts["raced"] += 1
            return
        case.cleared_since = new
        counts["cleared_marked"] += 1
    if now - case.cleared_since < dt.timedelta(hours=settings.ENFORCEMENT_CLEAR_HOURS):
        return
    action = "recheck_pass" if case.state == CaseState.REPORTED else "auto_close"
    opinion = (f"平台自动复查：数据自{_at(case.cleared_since)}起恢复正常，至{_at(now)}已持续"
               f"{_hours(now - case.cleared_since)}小时（不少于{settings.ENFORCEMENT_CLEAR_HOURS}小时），"
               f"违规情形已消除。")
    _platform_step(counts, case, action=action, now=now, opinion=opinion, counter="closed")


def _still(counts: Counter, case: Violation, *, now: dt.datetime) -> None:
    """The condition is there now: a clear period under way restarts (K-V7); past the
    deadline (its last day included, Asia/Shanghai) the platform escalates (K-V8)."""
    if case.cleared_since is not None:
        if Violation.objects.filter(pk=case.pk, cleared_since=case.cleared_since).update(cleared_since=None):
            counts["cleared_reset"] += 1
        case.cleared_since = None
    if case.due_date is None or local_date(now) <= case.due_date:
        return
    what = {ViolationKind.NOT_CONNECTED: "未接入监管平台", ViolationKind.NOT_VIEWABLE: "视频图像不可视",
            ViolationKind.DUST_OFFLINE: "扬尘监测未联网"}.get(case.kind, case.get_kind_display())
    if case.state == CaseState.ORDERED:
        opinion = (f"逾期未整改：整改期限为{case.due_date:%Y年%m月%d日}，至{_at(now)}平台数据显示仍{what}，"
                   f"平台自动升级处理。")
        _platform_step(counts, case, action="escalate", now=now, opinion=opinion, counter="escalated")
    elif case.state == CaseState.REPORTED:
        opinion = (f"平台自动复查不通过：施工单位已报告整改完成，但整改期限{case.due_date:%Y年%m月%d日}已过，"
                   f"至{_at(now)}平台数据显示仍{what}。")
        _platform_step(counts, case, action="recheck_fail", now=now, opinion=opinion, counter="recheck_failed")


def _platform_step(counts: Counter, case: Violation, *, action: str, now: dt.datetime, opinion: str,
                   counter: str) -> None:
    try:
        case_act(user=None, violation=case, action=action, now=now, opinion=opinion)
    except TransitionRefused as refused:  # another copy (or a person) moved the case first
        counts["raced"] += 1
        log.info("案件 %s 未能%s：%s", case.pk, action, refused)
        return
    counts[counter] += 1

