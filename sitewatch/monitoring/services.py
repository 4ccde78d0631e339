"""Online state changes, each written as a Flip row.

Several gateway processes and several copies of the monitor loop may run at once: every
state change is claimed with a conditional UPDATE (`filter(online=old).update(...) == 1`),
so exactly one writer records each flip (the pattern of healthchecks' sendalerts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from sitewatch.monitoring.models import DeviceState, Flip, FlipReason, Protocol, UnregisteredDevice


def devices_seen(*, seen: dict[int, dt.datetime], addresses: dict[int, str] | None = None,
                 reason: str = FlipReason.DATA) -> list[Flip]:
    """Devices that sent something: {device_id: when}. Offline (or new) ones flip online.

    `addresses` ({device_id: remote address}) is given when a connection's address is new,
    so the common case — a batch of uploads from known connections — costs one UPDATE per
    distinct moment rather than one per device. Returns the flips written.
    """
    if not seen:
        return []
    addresses = addresses or {}
    flips = []
    with transaction.atomic():
        existing = set(DeviceState.objects.filter(pk__in=seen).values_list("pk", flat=True))
        DeviceState.objects.bulk_create(
            [DeviceState(device_id=pk, online=False) for pk in seen if pk not in existing], ignore_conflicts=True
        )
        offline = set(DeviceState.objects.filter(pk__in=seen, online=False).values_list("pk", flat=True))
        for pk in offline:
            if DeviceState.objects.filter(pk=pk, online=False).update(online=True, changed_at=seen[pk],
                                                                     last_seen=seen[pk]):
                # old_online None: first contact, there was no earlier state.
                flips.append(Flip(device_id=pk, old_online=False if pk in existing else None, new_online=True,
                                  reason=reason, at=seen[pk]))
        by_at: dict[dt.datetime, list[int]] = {}
        for pk, at in seen.items():
            if pk not in offline:
                by_at.setdefault(at, []).append(pk)
        for at, pks in by_at.items():
            DeviceState.objects.filter(pk__in=pks, online=True, last_seen__lt=at).update(last_seen=at)
        for pk, addr in addresses.items():
            DeviceState.objects.filter(pk=pk).update(remote_addr=addr[:64])
        Flip.objects.bulk_create(flips)
    return flips


def sweep_silent(*, now: dt.datetime, silence: dt.timedelta, device_ids: Iterable[int] | None = None,
                 reason: str = FlipReason.SILENCE) -> list[Flip]:
    """Flip to offline every online device silent for longer than `silence`; safe as several copies."""
    cutoff = now - silence
    candidates = DeviceState.objects.filter(online=True, last_seen__lt=cutoff)
    if device_ids is not None:
        candidates = candidates.filter(pk__in=list(device_ids))
    flips = []
    for pk, last_seen in candidates.values_list("pk", "last_seen"):
        with transaction.atomic():
            claimed = DeviceState.objects.filter(pk=pk, online=True, last_seen=last_seen).update(
                online=False, changed_at=now
            )
            if claimed:
                flips.append(Flip.objects.create(device_id=pk, old_online=True, new_online=False, reason=reason, at=now))
    return flips


def unregistered_seen(*, protocol: str, identifier: str, reason: str, remote_address: str, at: dt.datetime,
                      sample: str, district_id: int | None = None, count: int = 1) -> None:
    """Record (or count again) an identifier that is not a registered device."""
    from django.db.models import F

    updated = UnregisteredDevice.objects.filter(protocol=protocol, identifier=identifier[:64]).update(
        last_seen=at, count=F("count") + count, remote_address=remote_address[:64], reason=reason,
        **({"district_id": district_id} if district_id else {}),
    )
    if not updated:
        UnregisteredDevice.objects.bulk_create([UnregisteredDevice(
            protocol=protocol, identifier=identifier[:64], reason=reason, remote_address=remote_address[:64],
            first_seen=at, last_seen=at, count=count, sample=sample[:2000], district_id=district_id,
        )], ignore_conflicts=True)


__all__ = ["devices_seen", "sweep_silent", "unregistered_seen", "Protocol"]
