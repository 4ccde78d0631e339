"""Reads of the onboarding procedure: visible applications and their working-day clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.lib.dates import local_date
from sitewatch.lib.deadlines import Due, Pause, due_date, working_days_left
from sitewatch.lib.workflow import Transition
from sitewatch.onboarding.models import Application
from sitewatch.onboarding.workflows import INSTALL_DAYS, Route


def application_list(*, scope: Scope) -> QuerySet:
    """Applications of the projects the caller sees; an integrator also those naming it."""
    qs = Application.objects.select_related("project", "integrator")
    if scope.sees_all:
        return qs
    visible = Q(project__in=scope.projects())
    if scope.role == Role.INTEGRATOR:
        visible |= Q(integrator_id=scope.firm_id)
    return qs.filter(visible)


def due_for_testing(application: Application) -> Due | None:
    """When testing must be done (3 or 10 working days from check-in, paused while a
    technical difficulty is open); None before check-in."""
    if application.checked_in_at is None or not application.route:
        return None
    pauses = [Pause(local_date(d.opened_at), local_date(d.closed_at) if d.closed_at else None, d.reason)
              for d in application.difficulties.all()]
    return due_date(local_date(application.checked_in_at), Route(application.route).test_days, pauses)


def due_for_installation(application: Application) -> Due | None:
    """When the devices must be installed and connected (5 working days from pick-up)."""
    if application.picked_up_at is None:
        return None
    return due_date(local_date(application.picked_up_at), INSTALL_DAYS)




# What an applicant has to do while the application is being installed (not a transition:
# "connected" is decided from live data, K-O4).
INSTALL_TASK = Transition("bind", "安装设备、接入平台并登记安装的设备", frozenset({"installing"}), "installing",
                          frozenset({"contractor", "integrator"}))
# Actions a user may take but that nobody waits for.
OPTIONAL = frozenset({"withdraw", "open_difficulty", "close_difficulty", "supervision_notice"})


@dataclass(frozen=True)
class InboxItem:
    application: Application
    actions: list  # the transitions waiting for this user
    due: Due | None
    days_left: int | None  # working days; negative = overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def inbox(*, user, scope: Scope, now: dt.datetime) -> list[InboxItem]:
    """What waits for ``user``: visible applications where the table offers them an action
    (opinions already given since the last submission are not asked again), most urgent
    first: overdue, then by working days left, then those without a clock."""
    from sitewatch.onboarding.services import roles_on
    from sitewatch.onboarding.workflows import ONBOARDING, REVIEW_OPINIONS

    today = local_date(now)
    items = []
    for application in application_list(scope=scope).exclude(state__in=ONBOARDING.final).prefetch_related(
            "difficulties", "steps"):
        actions = ONBOARDING.available(application.state, roles_on(user, application) - {"system"})
        if application.state == "under_review":
            submitted = max((s.at for s in application.steps.all() if s.action == "submit"), default=None)
            given = {s.action for s in application.steps.all() if s.action in REVIEW_OPINIONS
                     and submitted is not None and s.at >= submitted}
            actions = [t for t in actions if t.action not in given]
        actions = [t for t in actions if t.action not in OPTIONAL]
        if application.state == "installing" and roles_on(user, application) & {"contractor", "integrator"}:
            actions = [INSTALL_TASK]  # the platform decides "connected"; the applicant's part is to install
        if not actions:
            continue
        due = due_for_installation(application) if application.state == "installing" else (
            due_for_testing(application) if application.state == "testing" else None)
        items.append(InboxItem(application, actions, due, working_days_left(due, today) if due else None))
    return sorted(items, key=lambda i: (i.days_left is None, i.days_left if i.days_left is not None else 0,
                                        i.application.pk))


def earlier_approvals(application: Application) -> QuerySet:
    """The project's earlier applications that were approved (for reference beside a
    resumption): newest first."""
    return (Application.objects.filter(project_id=application.project_id, approved_at__isnull=False)
            .exclude(pk=application.pk).order_by("-approved_at"))
