"""Reads of the onboarding procedures: visible applications and their working-day clocks;
relocation/removal applications, notices and cannot-connect statements (附件2–5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.lib.dates import local_date
from sitewatch.lib.deadlines import Due, Pause, due_date, working_days_left
from sitewatch.lib.workflow import Transition
from sitewatch.onboarding.models import Application, CannotConnect, Change, ProjectNotice
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


def change_list(*, scope: Scope) -> QuerySet:
    """迁移、拆除申请（附件2）of the projects the caller sees."""
    return Change.objects.select_related("project", "project__district").filter(project__in=scope.projects())


def notice_list(*, scope: Scope) -> QuerySet:
    """Notices (附件3, 附件4) registered for the projects the caller sees."""
    return ProjectNotice.objects.select_related("project", "point", "registered_by").filter(
        project__in=scope.projects())


def statement_list(*, scope: Scope) -> QuerySet:
    """不能接入说明（附件5）of the projects the caller sees, with the violation each turned into."""
    return CannotConnect.objects.select_related("project", "project__district", "violation").filter(
        project__in=scope.projects())


def statement_state(statement: CannotConnect, *, today: dt.date) -> tuple[str, str]:
    """(code, Chinese label) of a statement: overdue and recorded, the project connected,
    within the promise, or past it and awaiting the deadlines loop (which runs daily)."""
    from sitewatch.onboarding.statements import project_connected

    if statement.violation_id is not None:
        return "overdue", "逾期未接入（已转为违规记录）"
    if project_connected(statement.project):
        return "connected", "项目已接入"
    if statement.promised_date >= today:
        return "promised", "承诺期内"
    return "lapsed", "已过承诺接入日期，待平台巡检判定"


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


# Change actions a user may take but that nobody waits for: the district's return is its
# choice beside its opinion, the applicant's withdrawal is always open.
CHANGE_OPTIONAL = frozenset({"withdraw", "return"})
CITY_DECISION = frozenset({"approve", "reject", "return"})


@dataclass(frozen=True)
class InboxItem:
    """One procedure waiting for the user: an onboarding application (附件1) or a
    relocation/removal application (附件2), with the actions waiting and the clock if any."""

    subject: Application | Change
    actions: list  # the transitions waiting for this user
    due: Due | None
    days_left: int | None  # working days; negative = overdue

    @property
    def application(self) -> Application | None:
        return self.subject if isinstance(self.subject, Application) else None

    @property
    def change(self) -> Change | None:
        return self.subject if isinstance(self.subject, Change) else None

    @property
    def project(self):
        return self.subject.project

    @property
    def title(self) -> str:
        """What the procedure is, as the inbox's 申请 column shows it."""
        if self.change is not None:
            return f"迁移拆除申请（{self.change.get_kind_display()}，附件2）"
        return f"接入申请（{self.subject.get_kind_display()}，{self.subject.integrator.name}）"

    @property
    def state_label(self) -> str:
        from sitewatch.onboarding.workflows import CHANGE, ONBOARDING

        return (CHANGE if self.change is not None else ONBOARDING).label(self.subject.state)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def _given_since_submission(steps, wanted) -> set[str]:
    """The opinions (actions among ``wanted``) given since the latest submission."""
    submitted = max((s.at for s in steps if s.action == "submit"), default=None)
    return {s.action for s in steps if s.action in wanted and submitted is not None and s.at >= submitted}


def inbox(*, user, scope: Scope, now: dt.datetime) -> list[InboxItem]:
    """What waits for ``user``: visible applications and relocation/removal applications
    where the table offers them an action (opinions already given since the last submission
    are not asked again), most urgent first: overdue, then by working days left, then those
    without a clock (applications before changes)."""
    from sitewatch.onboarding.services import roles_on
    from sitewatch.onboarding.workflows import ONBOARDING, REVIEW_OPINIONS

    today = local_date(now)
    items = []
    for application in application_list(scope=scope).exclude(state__in=ONBOARDING.final).prefetch_related(
            "difficulties", "steps"):
        actions = ONBOARDING.available(application.state, roles_on(user, application) - {"system"})
        if application.state == "under_review":
            given = _given_since_submission(application.steps.all(), REVIEW_OPINIONS)
            actions = [t for t in actions if t.action not in given]
        actions = [t for t in actions if t.action not in OPTIONAL]
        if application.state == "installing" and roles_on(user, application) & {"contractor", "integrator"}:
            actions = [INSTALL_TASK]  # the platform decides "connected"; the applicant's part is to install
        if not actions:
            continue
        due = due_for_installation(application) if application.state == "installing" else (
            due_for_testing(application) if application.state == "testing" else None)
        items.append(InboxItem(application, actions, due, working_days_left(due, today) if due else None))
    items.extend(_change_items(user=user, scope=scope))
    return sorted(items, key=lambda i: (i.days_left is None, i.days_left if i.days_left is not None else 0,
                                        i.change is not None, i.subject.pk))


def _change_items(*, user, scope: Scope) -> list[InboxItem]:
    """Relocation/removal applications waiting for ``user``: the applicant's (re)submission
    of a draft or returned one; an opinion of form 2 not yet given since the latest
    submission; the city bureau's decision once the four opinions are in (K-C1)."""
    from sitewatch.onboarding.services import project_roles
    from sitewatch.onboarding.workflows import CHANGE, CHANGE_OPINIONS

    items = []
    for change in change_list(scope=scope).exclude(state__in=CHANGE.final).prefetch_related("steps"):
        roles = project_roles(user, change.project)
        actions = [t for t in CHANGE.available(change.state, roles) if t.action not in CHANGE_OPTIONAL]
        if change.state == "under_review":
            given = _given_since_submission(change.steps.all(), CHANGE_OPINIONS)
            if "city" in roles and given >= set(CHANGE_OPINIONS):
                actions = [t for t in CHANGE.available(change.state, roles) if t.action in CITY_DECISION]
            else:
                actions = [t for t in actions if t.action not in given and t.action not in CITY_DECISION]
        if actions:
            items.append(InboxItem(change, actions, None, None))
    return items


def earlier_approvals(application: Application) -> QuerySet:
    """The project's earlier applications that were approved (for reference beside a
    resumption): newest first."""
    return (Application.objects.filter(project_id=application.project_id, approved_at__isnull=False)
            .exclude(pk=application.pk).order_by("-approved_at"))
