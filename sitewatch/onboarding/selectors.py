"""Reads of the onboarding procedure: visible applications and their working-day clocks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import Scope
from sitewatch.lib.dates import local_date
from sitewatch.lib.deadlines import Due, DueState, Pause, due_date
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


__all__ = ["Due", "DueState", "application_list", "due_for_installation", "due_for_testing"]
