"""Online state changes, each written as a Flip row.

Several gateway processes and several copies of the monitor loop may run at once: every
state change is claimed with a conditional UPDATE (`filter(online=old).update(...) == 1`),
so exactly one writer records each flip (the pattern of healthchecks' sendalerts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

from sitewatch.monitoring.models import DeviceState, Flip, FlipReason, Protocol, UnregisteredDevice


def devices_seen(*, seen: dict[int, dt.datetime], addresses: dict[int, str] | None = None,
                 reason: str = FlipReason.DATA) -> list[Flip]:
    """Devices that sent something: {device_id: when}. Offline (or new) ones flip online.

    `addresses` ({device_id: remote address}) is given when a connection's address is new,
    so the common case — a batch of uploads from known connections — costs one SELECT and
    one executemany of `last_seen` updates. Returns the flips written.
    """
    if not seen:
        return []
    addresses = addresses or {}
    flips = []
    with transaction.atomic():
        existing = dict(DeviceState.objects.filter(pk__in=seen).values_list("pk", "online"))
        DeviceState.objects.bulk_create(
            [DeviceState(device_id=pk, online=False) for pk in seen if pk not in existing], ignore_conflicts=True
        )
        flipped = set()
        for pk in [pk for pk in seen if not existing.get(pk, False)]:
            # Claimed: if another process flipped it (or created it) meanwhile, this updates nothing.
            if DeviceState.objects.filter(pk=pk, online=False).update(online=True, changed_at=seen[pk],
                                                                     last_seen=seen[pk]):
                # old_online None: first contact, there was no earlier state.
                flips.append(Flip(device_id=pk, old_online=False if pk in existing else None, new_online=True,
                                  reason=reason, at=seen[pk]))
                flipped.add(pk)
        _touch_last_seen({pk: at for pk, at in seen.items() if pk not in flipped})
        for pk, addr in addresses.items():
            DeviceState.objects.filter(pk=pk).update(remote_addr=addr[:64])
        Flip.objects.bulk_create(flips)
    return flips


def _touch_last_seen(seen: dict[int, dt.datetime]) -> None:
    """`filter(pk=…, online=True, last_seen__lt=at).update(last_seen=at)` for every device, as
    one executemany: a gateway batch stamps nearly every device with a moment of its own, and
    an ORM UPDATE each was most of devices_seen's time (benchmarks/hj212_ingest.py)."""
    if not seen:
        return
    ops = connection.ops
    meta = DeviceState._meta
    table, pk = ops.quote_name(meta.db_table), ops.quote_name(meta.pk.column)
    online, last_seen = (ops.quote_name(meta.get_field(name).column) for name in ("online", "last_seen"))
    adapt = ops.adapt_datetimefield_value  # aware datetimes: all DateTimeField would do
    rows = []
    for device_id, at in seen.items():
        value = adapt(at)
        rows.append((value, device_id, True, value))
    execute_many(f"UPDATE {table} SET {last_seen} = %s WHERE {pk} = %s AND {online} = %s AND {last_seen} < %s",
                 rows)


def execute_many(sql: str, rows: list) -> int:
    """`cursor.executemany` on the default database, for the gateways' batches ("%s" placeholders).

    On PostgreSQL through a psycopg cursor that binds parameters on the server: psycopg then
    prepares the statement once and pipelines the rows. Through Django's cursor, which binds
    on the client, every row went as a statement of its own to be parsed and planned, and
    the gateway stored 2,100-4,200 packets/s instead of 6,400-6,600
    (benchmarks/hj212_ingest.py, 2 cores). It runs in the current transaction but outside
    Django's cursor wrappers (query logging). Returns the rows the statements changed, in
    all (both drivers add them up), or -1 when the driver could not tell.
    """
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
            return cursor.rowcount
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


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
