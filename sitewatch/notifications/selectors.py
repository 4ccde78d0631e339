"""Notification reads, through the caller's Scope: a user reads what was addressed to them
or, without a named user, to their firm; the city bureau and the operator read everything."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sitewatch.accounts.visibility import Scope
from sitewatch.notifications.models import Notification


def notification_list(*, scope: Scope) -> QuerySet:
    qs = Notification.objects.select_related("recipient_user", "recipient_firm")
    if scope.sees_all:
        return qs
    if scope.user_id is None:
        return qs.none()
    mine = Q(recipient_user_id=scope.user_id)
    if scope.firm_id:
        mine |= Q(recipient_firm_id=scope.firm_id, recipient_user__isnull=True)
    return qs.filter(mine)
