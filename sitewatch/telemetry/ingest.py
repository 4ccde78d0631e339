"""Storing what dust monitors send. Called by the HJ 212 gateway from a worker thread with a
batch of authenticated-or-not packets; the gateway answers a device only for packets whose
outcome says the data is stored (ARCHITECTURE: acknowledged only after storage).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Model, Q
from django.db.models.constants import OnConflict

from sitewatch.monitoring.models import Protocol, UnregisteredReason
from sitewatch.monitoring.services import devices_seen, execute_many, unregistered_seen
from sitewatch.registry.models import Device, DeviceKind
from sitewatch.telemetry.models import CODE_TO_PARAMETER, PARAMETERS, FactorAlias, RawPacket, Reading

# Uploads that carry readings (real-time, minute, hourly, daily).
READING_CNS = {"2011", "2051", "2061", "2031"}
# Which suffix holds the value of each kind of upload.
VALUE_SUFFIX = {"2011": "Rtd", "2051": "Avg", "2061": "Avg", "2031": "Avg"}


class Outcome(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before (a resend): still answered, the data is safe
    SEEN = "seen"  # an authenticated packet that carries no reading (notify, answer, login …)
    UNKNOWN_MN = "unknown_mn"
    BAD_PASSWORD = "bad_password"
    WRONG_KIND = "wrong_kind"
    NO_DATA_TIME = "no_data_time"

    @property
    def safe_to_answer(self) -> bool:
        return self in (Outcome.STORED, Outcome.DUPLICATE, Outcome.SEEN)


@dataclass(frozen=True)
class Packet:
    """One decoded HJ 212 packet, as the gateway hands it over."""

    mn: str
    password: str
    cn: str
    received_at: dt.datetime
    raw: str
    remote_addr: str = ""
    qn: str = ""
    data_time: dt.datetime | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    new_connection: bool = False
    crc_variant: str = ""  # the CRC variant the frame used ("" or "standard" = the standard's)
    # The codec's parses of ``values`` (same shape, None where a string is not a number);
    # parsed again here when not given.
    numbers: dict[str, dict[str, float | None]] | None = None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


_KEEP_AS_TEXT = frozenset(("Flag", "EFlag", "SampleTime"))


def _values_for_storage(values: dict[str, dict[str, str]],
                        numbers: dict[str, dict[str, float | None]] | None = None) -> dict[str, dict[str, object]]:
    """Numbers where the original string is one (flags and sample times kept as sent).
    ``numbers`` are the codec's parses of the same strings, when the caller has them."""
    stored = {}
    for code, suffixes in values.items():
        parsed = numbers.get(code) if numbers is not None else None
        out = {}
        for suffix, text in suffixes.items():
            if suffix in _KEEP_AS_TEXT or suffix.endswith("Flag"):
                out[suffix] = text
                continue
            number = parsed.get(suffix) if parsed is not None else _number(text)
            out[suffix] = text if number is None else number
        stored[code] = out
    return stored


def _aliases(device_ids: set[int]) -> dict[int | None, dict[str, tuple[str, float]]]:
    table: dict[int | None, dict[str, tuple[str, float]]] = {}
    for alias in FactorAlias.objects.filter(Q(device_id__in=device_ids) | Q(device__isnull=True)):
        table.setdefault(alias.device_id, {})[alias.vendor_code] = (alias.parameter, alias.scale)
    return table


def canonical(stored: dict[str, dict[str, object]], cn: str, aliases: dict[str, tuple[str, float]]) -> dict[str, float]:
    """The dust parameters of one upload (its values as _values_for_storage keeps them),
    after the device's alias and unit table."""
    suffix = VALUE_SUFFIX.get(cn, "Rtd")
    result: dict[str, float] = {}
    for code, suffixes in stored.items():
        if code in aliases:
            parameter, scale = aliases[code]
        elif code in CODE_TO_PARAMETER:
            parameter, scale = CODE_TO_PARAMETER[code], 1.0
        else:
            continue
        number = suffixes.get(suffix, suffixes.get("Rtd") if suffix != "Rtd" else None)
        if type(number) is float and parameter not in result:
            result[parameter] = number * scale
    return result


def plausibility_flags(values: dict[str, dict[str, str]], params: dict[str, float]) -> list[str]:
    flags = []
    numbers = [v for k, v in params.items() if k in ("pm25", "pm10", "tsp")]
    if numbers and all(v == 0 for v in numbers):
        flags.append("zeros")
    pm25, pm10, tsp = params.get("pm25"), params.get("pm10"), params.get("tsp")
    if (pm25 is not None and pm10 is not None and pm25 > pm10) or (pm10 is not None and tsp is not None and pm10 > tsp):
        flags.append("order")
    if any(text not in ("N", "n") for suffixes in values.values() for s, text in suffixes.items() if s == "Flag"):
        flags.append("flag")
    return flags


class _Device(NamedTuple):
    """What a batch needs of a device: plain rows, as a model instance (and its project) per
    device cost a gateway batch several milliseconds."""

    pk: int
    kind: str
    hj212_password: str
    district_id: int | None


@transaction.atomic
def ingest(packets: Sequence[Packet]) -> list[Outcome]:
    """Authenticate and store a batch; one outcome per packet, in order."""
    mns = {p.mn for p in packets}
    devices = {mn: _Device(pk, kind, password, district_id) for pk, mn, kind, password, district_id in
               Device.objects.filter(hj212_mn__in=mns).values_list("pk", "hj212_mn", "kind", "hj212_password",
                                                                   "project__district_id")}
    table_of = _alias_tables(_aliases({d.pk for d in devices.values()}))
    outcomes: list[Outcome] = []
    variants: dict[int, str] = {}
    readings: dict[tuple[int, str, dt.datetime], tuple] = {}  # rows in READING_FIELDS order
    reading_index: list[tuple[int, tuple[int, str, dt.datetime]]] = []
    seen: dict[int, dt.datetime] = {}
    addresses: dict[int, str] = {}
    device_ids: list[int | None] = []
    for i, packet in enumerate(packets):
        device = devices.get(packet.mn)
        device_ids.append(device.pk if device is not None else None)
        outcome = _authenticate(packet, device)
        if outcome is None:
            seen[device.pk] = max(seen.get(device.pk, packet.received_at), packet.received_at)
            if packet.new_connection:
                addresses[device.pk] = packet.remote_addr
            variants[device.pk] = "" if packet.crc_variant in ("", "standard") else packet.crc_variant
            outcome = Outcome.SEEN
            if packet.cn in READING_CNS:
                if packet.data_time is None:
                    outcome = Outcome.NO_DATA_TIME
                else:
                    key = (device.pk, packet.cn, packet.data_time)
                    if key not in readings:
                        readings[key] = _reading(packet, device, table_of(device.pk))
                    reading_index.append((i, key))
                    outcome = Outcome.STORED
        outcomes.append(outcome)

    if readings:
        stored_before = _store_readings(readings)
        for i, key in reading_index:
            if key in stored_before:
                outcomes[i] = Outcome.DUPLICATE
    _insert(RawPacket, RAW_FIELDS, [
        (packet.received_at, Protocol.HJ212, packet.mn[:64], device_id, packet.remote_addr[:64], packet.cn[:8],
         outcome.value, packet.raw)
        for packet, device_id, outcome in zip(packets, device_ids, outcomes, strict=True)
    ])
    devices_seen(seen=seen, addresses=addresses)
    _record_skew(readings.values())
    _record_crc_variants(variants)
    return outcomes


def _authenticate(packet: Packet, device: _Device | None) -> Outcome | None:
    if device is None:
        unregistered_seen(protocol=Protocol.HJ212, identifier=packet.mn, reason=UnregisteredReason.UNKNOWN,
                          remote_address=packet.remote_addr, at=packet.received_at, sample=packet.raw)
        return Outcome.UNKNOWN_MN
    if device.kind != DeviceKind.DUST_MONITOR:
        unregistered_seen(protocol=Protocol.HJ212, identifier=packet.mn, reason=UnregisteredReason.WRONG_KIND,
                          remote_address=packet.remote_addr, at=packet.received_at, sample=packet.raw,
                          district_id=device.district_id)
        return Outcome.WRONG_KIND
    if device.hj212_password and packet.password != device.hj212_password:
        unregistered_seen(protocol=Protocol.HJ212, identifier=packet.mn, reason=UnregisteredReason.BAD_PASSWORD,
                          remote_address=packet.remote_addr, at=packet.received_at, sample=packet.raw,
                          district_id=device.district_id)
        return Outcome.BAD_PASSWORD
    return None


# The columns _reading() fills, in its order; RawPacket's likewise.
READING_FIELDS = ("device", "cn", "data_time", "received_at", "qn", "values", "flags", "clock_skew_seconds",
                  *PARAMETERS)
RAW_FIELDS = ("received_at", "protocol", "identifier", "device", "remote_addr", "cn", "outcome", "raw")
_DEVICE, _SKEW = READING_FIELDS.index("device"), READING_FIELDS.index("clock_skew_seconds")


def _reading(packet: Packet, device: _Device, table: dict[str, tuple[str, float]]) -> tuple:
    stored = _values_for_storage(packet.values, packet.numbers)
    params = canonical(stored, packet.cn, table)
    skew = None
    if packet.cn == "2011":
        skew = round((packet.data_time - packet.received_at).total_seconds())
    return (device.pk, packet.cn, packet.data_time, packet.received_at, packet.qn[:24],
            stored, ",".join(plausibility_flags(stored, params)), skew,
            *[params.get(name) for name in PARAMETERS])


def _alias_tables(aliases) -> Callable[[int], dict[str, tuple[str, float]]]:
    """Device id → its alias table (the platform's defaults overridden by the device's own)."""
    defaults = aliases.get(None, {})

    @functools.cache
    def table(device_id: int) -> dict[str, tuple[str, float]]:
        own = aliases.get(device_id)
        return {**defaults, **own} if own else defaults

    return table


def _insert(model: type[Model], names: Sequence[str], rows: list[tuple], *, ignore_conflicts: bool = False) -> int:
    """The INSERT bulk_create would send, as one executemany of plain tuples; returns how
    many rows went in (-1 when the driver cannot tell). A gateway batch is hundreds of rows;
    a model instance per row and bulk_create's per-field compiling were most of the batch's
    time (benchmarks/hj212_ingest.py). Only datetime and JSON values need the backend's
    adaptation; the rest go as they are."""
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in names]
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
           f"({', '.join(ops.quote_name(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
           f"{ops.on_conflict_suffix_sql(fields, on_conflict, None, None)}")
    adapters = [(i, adapter) for i, f in enumerate(fields) if (adapter := _adapter(f)) is not None]
    params = []
    for row in rows:
        row = list(row)
        for i, adapt in adapters:
            row[i] = adapt(row[i])
        params.append(row)
    return execute_many(sql, params)


def _adapter(field) -> Callable[[object], object] | None:
    """How a column's values become parameters, or None when they go as they are. The
    values are aware datetimes, so the backend's adapter alone does what
    DateTimeField.get_db_prep_save would; on SQLite that is a string, kept per moment for
    the batch (its packets share the moments they were received at)."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        if connection.vendor != "sqlite":
            return connection.ops.adapt_datetimefield_value
        return functools.lru_cache(maxsize=4096)(connection.ops.adapt_datetimefield_value)
    if kind == "JSONField":
        if connection.vendor == "sqlite" and field.encoder is None:
            return json.dumps  # what SQLite's adapt_json_value does, without the calls around it
        return functools.partial(field.get_db_prep_save, connection=connection)
    return None


class _SomeStoredBefore(Exception):
    """Raised inside the savepoint to undo a batch insert that met stored readings."""


def _store_readings(readings: dict[tuple[int, str, dt.datetime], tuple]) -> set[tuple[int, str, dt.datetime]]:
    """Insert the batch's readings; returns the keys that were stored before (resends,
    answered as duplicates). Resends are rare, so the batch is inserted at once, and only
    when fewer rows went in than were sent is the insert undone (to its savepoint) and done
    again after looking up which keys exist: a lookup before every insert was a tenth of
    the batch's time (benchmarks/hj212_ingest.py)."""
    try:
        with transaction.atomic():
            if _insert(Reading, READING_FIELDS, list(readings.values()), ignore_conflicts=True) != len(readings):
                raise _SomeStoredBefore  # undone to the savepoint
    except _SomeStoredBefore:
        stored_before = _existing(readings)
        _insert(Reading, READING_FIELDS, [row for key, row in readings.items() if key not in stored_before],
                ignore_conflicts=True)
        return stored_before
    return set()


def _existing(readings: dict[tuple[int, str, dt.datetime], tuple]) -> set[tuple[int, str, dt.datetime]]:
    keys = set(readings)
    devices = {k[0] for k in keys}
    times = {k[2] for k in keys}
    found = Reading.objects.filter(device_id__in=devices, data_time__in=times).values_list("device_id", "cn", "data_time")
    return {row for row in found if row in keys}


def _record_skew(rows) -> None:
    """Each device's latest skew, where it changed: one executemany rather than an ORM UPDATE
    per device (a batch holds most of a gateway's devices, and skews move by the second)."""
    from sitewatch.monitoring.models import DeviceState

    latest: dict[int, int] = {}
    for row in rows:
        if row[_SKEW] is not None:
            latest[row[_DEVICE]] = row[_SKEW]
    if not latest:
        return
    ops = connection.ops
    table = ops.quote_name(DeviceState._meta.db_table)
    skew = ops.quote_name(DeviceState._meta.get_field("clock_skew_seconds").column)
    pk = ops.quote_name(DeviceState._meta.pk.column)
    execute_many(f"UPDATE {table} SET {skew} = %s WHERE {pk} = %s AND ({skew} IS NULL OR {skew} <> %s)",
                 [(value, device_id, value) for device_id, value in latest.items()])


def _record_crc_variants(variants: dict[int, str]) -> None:
    """Remember a vendor CRC a device was auto-detected to use; a device that switches back
    to the standard CRC keeps its remembered variant (both stay accepted)."""
    from sitewatch.monitoring.models import DeviceState

    for device_id, variant in variants.items():
        if variant:
            DeviceState.objects.filter(pk=device_id).exclude(crc_variant=variant).update(crc_variant=variant)
