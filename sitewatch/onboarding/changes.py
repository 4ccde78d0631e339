"""Relocation and removal of points (附件2, DOMAIN §5): form 2 with five opinions, the
city bureau deciding last; a removal only once the notice it depends on is registered
(a tower-crane point: the dismantling notice, 附件3; any other: the notice ending or
suspending safety supervision, 附件4). An approved removal takes the point out of the
assessment from that day (``MonitoringPoint.removed_on``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Change, ChangeKind, ChangeStep, NoticeKind, ProjectNotice
from sitewatch.onboarding.services import _actor_name, _opinions_missing, project_roles, take_step
from sitewatch.onboarding.workflows import CHANGE, CHANGE_OPINIONS
from sitewatch.registry.models import MonitoringPoint, PointKind, PointStatus

CHANGE_LABELS = {t.action: t.label for t in CHANGE.transitions}
SUPERVISION_NOTICES = (NoticeKind.SUPERVISION_TERMINATED, NoticeKind.SUPERVISION_SUSPENDED)


@transaction.atomic
def notice_register(*, user, project, kind: str, issued_on: dt.date, now: dt.datetime, number: str = "",
                    point: MonitoringPoint | None = None) -> ProjectNotice:
    """The district bureau (or the city) registers a notice for one of its projects."""
    if not project_roles(user, project) & {"district", "city"}:
        raise TransitionRefused("只有项目所在县（市、区）住建主管部门或市住建局可以登记告知书。", action="notice",
                                status=403)
    if kind == NoticeKind.TOWER_CRANE_DISMANTLING:
        if point is None or point.project_id != project.pk or point.kind != PointKind.TOWER_CRANE_DOME:
            raise TransitionRefused("塔式起重机拆卸告知须指明本项目的塔吊球机点位。", action="notice")
    elif point is not None:
        raise TransitionRefused("终止、中止施工安全监督告知书针对整个项目，不指明点位。", action="notice")
    return ProjectNotice.objects.create(project=project, kind=kind, issued_on=issued_on, number=number, point=point,
                                        registered_by=user, registered_at=now)


def removal_blockers(project, points: Sequence[MonitoringPoint]) -> list[str]:
    """Why these points may not be removed yet, in Chinese; [] when nothing blocks."""
    notices = list(ProjectNotice.objects.filter(project=project))
    supervision_ended = any(n.kind in SUPERVISION_NOTICES for n in notices)
    blockers = []
    for point in points:
        if point.kind == PointKind.TOWER_CRANE_DOME:
            if not any(n.kind == NoticeKind.TOWER_CRANE_DISMANTLING and n.point_id == point.pk for n in notices):
                blockers.append(f"{point.name}：塔式起重机拆卸告知（附件3）尚未登记")
        elif not supervision_ended:
            blockers.append(f"{point.name}：终止或中止施工安全监督告知书（附件4）尚未登记")
    return blockers


@transaction.atomic
def change_create(*, user, project, kind: str, points: Sequence[MonitoringPoint], reason: str, now: dt.datetime,
                  new_location: str = "") -> Change:
    if not project_roles(user, project) & {"contractor", "integrator"}:
        raise TransitionRefused("只有本项目的施工单位或系统集成商可以申请迁移、拆除。", action="create", status=403)
    if not points or any(p.project_id != project.pk or p.status != PointStatus.ACTIVE for p in points):
        raise TransitionRefused("请选择本项目在用的点位。", action="create")
    if not reason.strip():
        raise TransitionRefused("请填写迁移、拆除的原因。", action="create")
    if kind == ChangeKind.RELOCATE and not new_location.strip():
        raise TransitionRefused("迁移须填写迁移后的位置。", action="create")
    change = Change.objects.create(project=project, kind=kind, reason=reason.strip(), new_location=new_location.strip(),
                                   created_by=user)
    change.points.set(points)
    ChangeStep.objects.create(change=change, action="create", label="填报申请", from_state="", to_state=change.state,
                              actor=user, actor_name=_actor_name(user), role=",".join(sorted(project_roles(user,
                                                                                                         project))),
                              at=now)
    return change


@transaction.atomic
def change_act(*, user, change: Change, action: str, now: dt.datetime, opinion: str = "") -> ChangeStep:
    roles = project_roles(user, change.project)
    transition = CHANGE.check(change.state, action, roles, opinion=opinion)
    points = list(change.points.all())
    if change.kind == ChangeKind.REMOVE and action in ("submit", "approve"):
        blockers = removal_blockers(change.project, points)
        if blockers:
            raise TransitionRefused("暂不能拆除：" + "；".join(blockers) + "。", action=action)
    changes: dict[str, object] = {"state": transition.target}
    if action == "approve":
        missing = _opinions_missing(change.steps, CHANGE_OPINIONS, CHANGE_LABELS)
        if missing:
            raise TransitionRefused("迁移拆除申请表（附件2）尚缺：" + "、".join(missing) + "。", action=action)
        changes["approved_at"] = now
    step = take_step(change, transition, changes=changes, user=user, roles=roles, opinion=opinion, now=now,
                     step=lambda **fields: ChangeStep(change=change, **fields))
    if action == "approve":
        for point in points:  # saved one by one, so the audit log has each point's change too
            if change.kind == ChangeKind.REMOVE:
                point.status, point.removed_on = PointStatus.REMOVED, local_date(now)
                point.save(update_fields=["status", "removed_on", "updated_at"])
            else:
                point.location = change.new_location
                point.save(update_fields=["location", "updated_at"])
    return step
