"""Reads of online state: channels of GB/T 28181 devices."""

from __future__ import annotations

from django.db.models import QuerySet

from sitewatch.accounts.visibility import Scope


def channel_list(*, scope: Scope, device_id: int | None = None, project_id: int | None = None) -> QuerySet:
    """Visible channels, by device then channel id; with their point."""
    qs = scope.channels().select_related("point", "device")
    if device_id is not None:
        qs = qs.filter(device_id=device_id)
    if project_id is not None:
        qs = qs.filter(device__project_id=project_id)
    return qs.order_by("device_id", "gb_channel_id")
