"""What the home page shows, read through the user's Scope and the registry selectors."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.lib.workdays import missing_years
from sitewatch.registry import selectors


def home_counts(*, scope: Scope) -> dict[str, int]:
    return {
        "projects": selectors.project_list(scope=scope).count(),
        "must_connect": selectors.project_list(scope=scope, must_connect=True).count(),
        "points": selectors.point_list(scope=scope).count(),
        "devices": selectors.device_list(scope=scope).count(),
    }


def projects_by_district(*, scope: Scope) -> list[dict]:
    """Visible projects per district, every district the user covers listed even at zero."""
    counts = selectors.project_counts_by_district(scope=scope)
    districts = scope.districts()
    if scope.role == Role.DISTRICT:
        districts = districts.filter(pk=scope.district_id)
    elif not scope.sees_all:
        districts = districts.filter(pk__in=counts)
    return [{"id": d.pk, "name": d.name, "count": counts.get(d.pk, 0)} for d in districts]


def calendar_reminder_year(*, user, today: dt.date) -> int | None:
    """Next year, when a city administrator should enter its calendar and has not (DOMAIN §4)."""
    if not getattr(user, "is_city_admin", False) or today.month < settings.HOLIDAY_REMINDER_FROM_MONTH:
        return None
    year = today.year + 1
    return year if missing_years([year]) else None
