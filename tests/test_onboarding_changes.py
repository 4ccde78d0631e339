"""Relocation and removal (附件2) with the notices removal depends on (附件3, 附件4)."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.changes import change_act, change_create, notice_register
from sitewatch.registry.models import MonitoringPoint, Project

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


@pytest.fixture
def crane(project):
    return MonitoringPoint.objects.create(project=project, kind="tower_crane_dome", name="测试塔吊球机")


@pytest.fixture
def entrance(project):
    return MonitoringPoint.objects.filter(project=project).exclude(kind="tower_crane_dome").first()


def review(users, change):
    for action, who in (("opinion_contractor", "contractor"), ("opinion_supervisor", "supervisor"),
                        ("opinion_district", "xiashan"), ("opinion_operator", "operator")):
        change_act(user=users[who], change=change, action=action, now=T0, opinion="同意")


def test_relocation_with_five_opinions_moves_the_point(users, project, entrance):
    change = change_create(user=users["contractor"], project=project, kind="relocate", points=[entrance],
                           reason="出入口改道", new_location="东侧新出入口", now=T0)
    change_act(user=users["contractor"], change=change, action="submit", now=T0)
    with pytest.raises(TransitionRefused, match="尚缺：填写施工单位意见、填写监理单位意见"):
        change_act(user=users["city"], change=change, action="approve", now=T0, opinion="同意")
    review(users, change)
    change_act(user=users["city"], change=change, action="approve", now=T0, opinion="同意迁移")
    entrance.refresh_from_db()
    assert change.state == "approved" and entrance.location == "东侧新出入口" and entrance.status == "active"


def test_tower_crane_removal_is_blocked_until_its_dismantling_notice(users, project, crane):
    change = change_create(user=users["integrator"], project=project, kind="remove", points=[crane],
                           reason="塔吊拆除", now=T0)
    with pytest.raises(TransitionRefused, match="测试塔吊球机：塔式起重机拆卸告知（附件3）尚未登记"):
        change_act(user=users["contractor"], change=change, action="submit", now=T0)
    notice_register(user=users["xiashan"], project=project, kind="tower_crane", issued_on=dt.date(2026, 11, 20),
                    number="霞建塔拆〔2026〕8号", point=crane, now=T0)
    change_act(user=users["contractor"], change=change, action="submit", now=T0)
    review(users, change)
    change_act(user=users["city"], change=change, action="approve", now=T0, opinion="同意拆除")
    crane.refresh_from_db()
    assert (crane.status, crane.removed_on) == ("removed", dt.date(2026, 11, 25))


def test_other_removal_needs_the_supervision_notice_not_a_crane_notice(users, project, entrance, crane):
    notice_register(user=users["xiashan"], project=project, kind="tower_crane", issued_on=dt.date(2026, 11, 20),
                    point=crane, now=T0)
    change = change_create(user=users["contractor"], project=project, kind="remove", points=[entrance],
                           reason="停工", now=T0)
    with pytest.raises(TransitionRefused, match="终止或中止施工安全监督告知书（附件4）尚未登记"):
        change_act(user=users["contractor"], change=change, action="submit", now=T0)
    notice_register(user=users["xiashan"], project=project, kind="suspended", issued_on=dt.date(2026, 11, 21),
                    now=T0)
    change_act(user=users["contractor"], change=change, action="submit", now=T0)
    assert change.state == "under_review"


def test_only_the_city_decides_and_only_the_project_s_district_registers_notices(users, project, entrance):
    change = change_create(user=users["contractor"], project=project, kind="relocate", points=[entrance],
                           reason="改道", new_location="北侧", now=T0)
    change_act(user=users["contractor"], change=change, action="submit", now=T0)
    review(users, change)
    with pytest.raises(TransitionRefused, match="您无权批准"):
        change_act(user=users["xiashan"], change=change, action="approve", now=T0, opinion="同意")
    with pytest.raises(TransitionRefused, match="只有项目所在县"):
        notice_register(user=users["chikan"], project=project, kind="terminated", issued_on=dt.date(2026, 11, 1),
                        now=T0)
    assert change.steps.count() == 6 and change.steps.last().actor_name
