"""Reads of the rectification cases for the pages (附件6): the case board's list and counts,
the deadline as working days left, the cases waiting in a user's 待办, and the monthly
statistics by district and type with their XLSX export.

Every function takes the caller's Scope and reads through ``Scope.violations()``, so a case
of another district never enters a list, a count or a statistic (口径 K-V20…K-V24)."""

from __future__ import annotations

import calendar
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from sitewatch.accounts.visibility import Scope
from sitewatch.enforcement.models import CaseState, CaseStep, Violation, ViolationKind
from sitewatch.enforcement.services import case_actions
from sitewatch.lib.dates import SHANGHAI, local_date
from sitewatch.lib.workdays import CalendarMissing, working_days_between

# A case is overdue while the contractor's deadline has passed and the case still waits on
# the order (ordered) or on its re-check (reported) (口径 K-V20).
OVERDUE_STATES = (CaseState.ORDERED, CaseState.REPORTED)


def overdue_q(today: dt.date) -> Q:
    return Q(state__in=OVERDUE_STATES, due_date__lt=today)


def case_list(*, scope: Scope, today: dt.date, district: int | None = None, kind: str | None = None,
              state: str | None = None, overdue: bool | None = None, project: int | None = None) -> QuerySet:
    qs = scope.violations().select_related("project__district", "point")
    if district:
        qs = qs.filter(project__district_id=district)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if project:
        qs = qs.filter(project_id=project)
    if overdue is True:
        qs = qs.filter(overdue_q(today))
    elif overdue is False:
        qs = qs.exclude(overdue_q(today))
    return qs.order_by("-found_at", "-id")


def case_counts(qs: QuerySet, *, today: dt.date) -> dict:
    """Counts of a (filtered) case list by state and by type, in the table's order, and overdue."""
    by_state = dict(qs.order_by().values_list("state").annotate(n=Count("id")))
    by_kind = dict(qs.order_by().values_list("kind").annotate(n=Count("id")))
    return {
        "states": [(code, label, by_state.get(code, 0)) for code, label in CaseState.choices],
        "kinds": [(code, label, by_kind.get(code, 0)) for code, label in ViolationKind.choices],
        "overdue": qs.filter(overdue_q(today)).count(),
        "total": sum(by_state.values()),
    }


@dataclass(frozen=True)
class Deadline:
    due: dt.date | None
    note: str  # why there is no date (待定：…)
    days_left: int | None  # working days from today to the due date; negative = overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def deadline(violation: Violation, *, today: dt.date) -> Deadline | None:
    """The rectification deadline as the case page shows it; None before an order. Working
    days left only while the contractor's clock runs (ordered, reported)."""
    if violation.state == CaseState.FOUND or (violation.due_date is None and not violation.due_note):
        return None
    if violation.due_date is None:
        return Deadline(None, violation.due_note, None)
    days = None
    if violation.state in OVERDUE_STATES:
        try:
            days = working_days_between(today, violation.due_date)
        except CalendarMissing:
            days = None
    return Deadline(violation.due_date, "", days)


@dataclass(frozen=True)
class CaseTask:
    violation: Violation
    actions: list  # the transitions the table offers this user now
    deadline: Deadline | None

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline.overdue


# What waits for whom (口径 K-V21): the district orders found cases, re-checks reported ones
# and decides on overdue ordered ones; the parties report ordered ones. The city bureau may
# act on any case but they are the districts' work: it works from the case board, not a
# 待办 of every case in the city. Escalated cases wait on measures carried out outside the
# platform and are left to the case board.
INBOX_STAFF = {CaseState.FOUND, CaseState.REPORTED}
INBOX_PARTY = {CaseState.ORDERED}


def case_inbox(*, user, scope: Scope, now: dt.datetime) -> list[CaseTask]:
    today = local_date(now)
    role = scope.role
    if role == "district":
        qs = scope.violations().filter(Q(state__in=INBOX_STAFF) | Q(state=CaseState.ORDERED, due_date__lt=today))
    elif role in ("contractor", "integrator"):
        qs = scope.violations().filter(state__in=INBOX_PARTY)
    else:
        return []
    tasks = []
    for violation in qs.select_related("project__district", "point"):
        actions = [t for t in case_actions(user, violation, now=now) if t.action not in ("dismiss", "auto_close")]
        if actions:
            tasks.append(CaseTask(violation, actions, deadline(violation, today=today)))
    return sorted(tasks, key=lambda t: (not t.overdue, t.deadline is None or t.deadline.days_left is None,
                                        t.deadline.days_left if t.deadline and t.deadline.days_left is not None
                                        else 0, t.violation.found_at))


# --- monthly statistics (口径 K-V22) ---

STAT_COLUMNS = (("found", "发现"), ("closed", "结案"), ("escalated", "升级处理"), ("overdue", "逾期未整改"))


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month in Asia/Shanghai, as aware datetimes."""
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    days = calendar.monthrange(year, month)[1]
    return start, start + dt.timedelta(days=days)


def monthly_stats(*, scope: Scope, year: int, month: int, now: dt.datetime) -> dict:
    """Per district and type: cases found in the month, closed in it, escalated in it (a step
    into 升级处理), and those overdue at the month's end (today for the current month):
    ordered by then, past their deadline, not yet escalated, closed or dismissed by then."""
    start, end = month_bounds(year, month)
    cutoff = min(end, now)
    cutoff_day = local_date(cutoff) if cutoff < end else end.date()
    cases = scope.violations()
    found = cases.filter(found_at__gte=start, found_at__lt=end)
    closed = cases.filter(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    escalated = cases.filter(Exists(CaseStep.objects.filter(violation=OuterRef("pk"), to_state=CaseState.ESCALATED,
                                                            at__gte=start, at__lt=end)))
    settled = CaseStep.objects.filter(violation=OuterRef("pk"), at__lt=cutoff,
                                      to_state__in=(CaseState.ESCALATED, CaseState.CLOSED, CaseState.DISMISSED))
    overdue = cases.filter(ordered_at__lt=cutoff, due_date__lt=cutoff_day).exclude(Exists(settled))
    cells: dict[tuple[int, str], dict] = {}
    names: dict[int, str] = {}
    for column, qs in (("found", found), ("closed", closed), ("escalated", escalated), ("overdue", overdue)):
        for district_id, district_name, kind, n in (qs.order_by().values_list("project__district_id",
                                                                                 "project__district__name", "kind")
                                                    .annotate(n=Count("id"))):
            names[district_id] = district_name
            cells.setdefault((district_id, kind), {c: 0 for c, _ in STAT_COLUMNS})[column] = n
    districts = scope.districts() if scope.sees_all else scope.districts().filter(
        pk__in=cases.values("project__district_id"))
    if scope.role == "district":
        districts = scope.districts().filter(pk=scope.district_id)
    order = list(districts.order_by("pk").values_list("pk", "name"))
    names.update(dict(order))
    kind_labels = dict(ViolationKind.choices)
    rows = []
    for district_id, name in order:
        for kind, label in ViolationKind.choices:
            counts = cells.get((district_id, kind))
            if counts:
                rows.append({"district": name, "kind": label, **counts})
    def total(key_filter) -> dict:
        return {c: sum(v[c] for k, v in cells.items() if key_filter(k)) for c, _ in STAT_COLUMNS}
    by_district = [{"district": name, **total(lambda k, d=district_id: k[0] == d)} for district_id, name in order]
    by_kind = [{"kind": kind_labels[kind], **total(lambda k, kind=kind: k[1] == kind)}
               for kind, _ in ViolationKind.choices]
    return {"year": year, "month": month, "rows": rows, "by_district": by_district, "by_kind": by_kind,
            "total": total(lambda k: True), "columns": STAT_COLUMNS, "as_of": cutoff}


def stats_xlsx(stats: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "按县区和类型"
    sheet.append([f"违规案件月度统计（{stats['year']}年{stats['month']}月）"])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = ["县（市、区）", "违规类型", *(label for _, label in stats["columns"])]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in stats["rows"]:
        sheet.append([row["district"], row["kind"], *(row[c] for c, _ in stats["columns"])])
    sheet.append(["合计", "", *(stats["total"][c] for c, _ in stats["columns"])])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (22, 34, 10, 10, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    for title, key, first in (("按县区", "by_district", "县（市、区）"), ("按类型", "by_kind", "违规类型")):
        other = book.create_sheet(title)
        other.append([first, *(label for _, label in stats["columns"])])
        for cell in other[1]:
            cell.font = Font(bold=True)
        for row in stats[key]:
            other.append([row["district" if key == "by_district" else "kind"], *(row[c] for c, _ in stats["columns"])])
        other.column_dimensions["A"].width = 34
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stats_filename(year: int, month: int) -> str:
    return f"违规案件月度统计（{year}年{month}月）.xlsx"
