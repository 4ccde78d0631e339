"""The registrar core: which devices are alive, until when, and which queries wait for an
answer. Pure and clock-free (aioquic style): every call is handed ``now`` (seconds, any
monotonic origin), ``get_timer()`` says when to call ``handle_timer(now)`` next.

A device's deadline is the earlier of its registration expiry and its last REGISTER or
keepalive + interval × misses (GB/T 28181-2016 §9.6.1: offline after that many missed
keepalives; defaults 60 s × 3). Deadlines are kept in buckets of ``resolution`` seconds
(a quarter second by default) rather than a heap of entries: a keepalive moves its device
to another bucket in O(1), so 300,000 devices keeping alive never pile up stale heap
entries, and a lost device is reported within one bucket of its deadline.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Lost", "QueryTimedOut", "QueryRetry", "Registrar", "QueryTracker"]


@dataclass(frozen=True, slots=True)
class Lost:
    """A device whose deadline passed: ``reason`` is "keepalive_missed" or "registration_expired"."""

    device_id: str
    reason: str
    deadline: float


@dataclass(slots=True)
class _Device:
    expires: float  # registration expiry
    last: float  # last REGISTER or keepalive
    interval: float
    misses: int
    bucket: int = -1

    @property
    def deadline(self) -> float:
        return min(self.expires, self.last + self.interval * self.misses)


class Registrar:
    def __init__(self, *, interval: float = 60.0, misses: int = 3, resolution: float = 0.25):
        if interval <= 0 or misses < 1 or resolution <= 0:
            raise ValueError("keepalive interval and resolution must be > 0 and misses ≥ 1")
        self.interval = float(interval)
        self.misses = int(misses)
        self.resolution = float(resolution)
        self._devices: dict[str, _Device] = {}
        self._buckets: dict[int, set[str]] = {}
        self._heap: list[int] = []  # bucket numbers (time / resolution), each pushed once when created

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, device_id: str) -> bool:
        return device_id in self._devices

    # --- what happened ---------------------------------------------------------------
    def registered(self, device_id: str, now: float, *, expires: float, interval: float | None = None,
                   misses: int | None = None) -> None:
        """A REGISTER accepted with ``expires`` seconds of validity (or its refresh)."""
        device = self._devices.get(device_id)
        if device is None:
            device = self._devices[device_id] = _Device(now + expires, now, interval or self.interval,
                                                        misses or self.misses)
        else:
            device.expires, device.last = now + expires, now
            if interval:
                device.interval = interval
            if misses:
                device.misses = misses
        self._file(device_id, device)

    def restored(self, device_id: str, now: float, *, expires_in: float, grace: float | None = None) -> None:
        """A device the database says was online when the gateway (re)started. It is given one
        keepalive window from now to be heard again, so a restart never marks every device
        offline at once (the fault most reported of existing platforms)."""
        window = grace if grace is not None else self.interval * self.misses
        device = _Device(now + max(expires_in, 0.0), now + window - self.interval * self.misses, self.interval,
                         self.misses)
        self._devices[device_id] = device
        self._file(device_id, device)

    def keepalive(self, device_id: str, now: float) -> bool:
        """A keepalive (or any MESSAGE) from a registered device; False for an unknown one."""
        device = self._devices.get(device_id)
        if device is None:
            return False
        if now > device.last:
            device.last = now
            self._file(device_id, device)
        return True

    def set_keepalive(self, device_id: str, *, interval: float | None, misses: int | None) -> None:
        """The device's own heartbeat settings (ConfigDownload BasicParam)."""
        device = self._devices.get(device_id)
        if device is None:
            return
        if interval and interval > 0:
            device.interval = float(interval)
        if misses and misses > 0:
            device.misses = int(misses)
        self._file(device_id, device)

    def unregistered(self, device_id: str) -> bool:
        device = self._devices.pop(device_id, None)
        if device is None:
            return False
        self._unfile(device_id, device)
        return True

    def deadline_of(self, device_id: str) -> float | None:
        device = self._devices.get(device_id)
        return device.deadline if device is not None else None

    # --- timers ----------------------------------------------------------------------
    def get_timer(self) -> float | None:
        while self._heap and self._heap[0] not in self._buckets:
            heapq.heappop(self._heap)
        return self._heap[0] * self.resolution if self._heap else None

    def handle_timer(self, now: float) -> list[Lost]:
        lost: list[Lost] = []
        while self._heap and self._heap[0] * self.resolution <= now:
            second = heapq.heappop(self._heap)
            for device_id in self._buckets.pop(second, ()):
                device = self._devices.get(device_id)
                if device is None or device.bucket != second:
                    continue
                del self._devices[device_id]
                expired = device.expires <= device.last + device.interval * device.misses
                lost.append(Lost(device_id, "registration_expired" if expired else "keepalive_missed",
                                 device.deadline))
        return lost

    def _file(self, device_id: str, device: _Device) -> None:
        second = math.ceil(device.deadline / self.resolution)
        if second == device.bucket:
            return
        self._unfile(device_id, device)
        bucket = self._buckets.get(second)
        if bucket is None:
            bucket = self._buckets[second] = set()
            heapq.heappush(self._heap, second)
        bucket.add(device_id)
        device.bucket = second

    def _unfile(self, device_id: str, device: _Device) -> None:
        bucket = self._buckets.get(device.bucket)
        if bucket is not None:
            bucket.discard(device_id)
            if not bucket:
                del self._buckets[device.bucket]
        device.bucket = -1


# --- queries the platform sends (Catalog, DeviceInfo, ConfigDownload) ---------------------

@dataclass(frozen=True, slots=True)
class QueryRetry:
    """Send ``payload`` again (the same SN), attempt ``attempt`` of the query."""

    device_id: str
    cmd_type: str
    sn: int
    payload: Any
    attempt: int


@dataclass(frozen=True, slots=True)
class QueryTimedOut:
    device_id: str
    cmd_type: str
    sn: int
    payload: Any


@dataclass(slots=True)
class _Query:
    payload: Any
    deadline: float
    attempt: int = 1
    key: tuple[str, str, int] = field(default=("", "", 0))


class QueryTracker:
    """Open queries by (device id, CmdType, SN): answered, retried after ``timeout`` up to
    ``retries`` times, then timed out. SNs are allocated per device and never reused while
    a query with that SN is open. Answers are matched by SN, never by Call-ID (a device
    answers a query with new MESSAGE transactions)."""

    def __init__(self, *, timeout: float = 10.0, retries: int = 2):
        self.timeout = timeout
        self.retries = retries
        self._open: dict[tuple[str, str, int], _Query] = {}
        self._next_sn: dict[str, int] = {}
        # device → its open keys: next_sn and forget_device cost the device's own queries,
        # not every device's, when thousands are queried at once.
        self._by_device: dict[str, set[tuple[str, str, int]]] = {}

    def __len__(self) -> int:
        return len(self._open)

    def next_sn(self, device_id: str) -> int:
        sn = self._next_sn.get(device_id, 1)
        taken = {key[2] for key in self._by_device.get(device_id, ())}
        while sn in taken:
            sn = sn % 1_000_000 + 1
        self._next_sn[device_id] = sn % 1_000_000 + 1
        return sn

    def open(self, device_id: str, cmd_type: str, sn: int, now: float, payload: Any = None) -> None:
        key = (device_id, cmd_type, sn)
        self._open[key] = _Query(payload, now + self.timeout, 1, key)
        self._by_device.setdefault(device_id, set()).add(key)

    def is_open(self, device_id: str, cmd_type: str, sn: int) -> bool:
        return (device_id, cmd_type, sn) in self._open

    def answered(self, device_id: str, cmd_type: str, sn: int) -> Any:
        """The query's payload, or None if no such query was open (a pushed or late answer)."""
        key = (device_id, cmd_type, sn)
        query = self._open.pop(key, None)
        if query is None:
            return None
        self._drop(key)
        return query.payload

    def progress(self, device_id: str, cmd_type: str, sn: int, now: float) -> None:
        """Part of a multi-packet answer came: the query stays open with a fresh deadline."""
        query = self._open.get((device_id, cmd_type, sn))
        if query is not None:
            query.deadline = now + self.timeout

    def forget_device(self, device_id: str) -> None:
        for key in self._by_device.pop(device_id, ()):
            self._open.pop(key, None)

    def _drop(self, key: tuple[str, str, int]) -> None:
        keys = self._by_device.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_device[key[0]]

    def get_timer(self) -> float | None:
        return min((q.deadline for q in self._open.values()), default=None)

    def handle_timer(self, now: float) -> list[QueryRetry | QueryTimedOut]:
        out: list[QueryRetry | QueryTimedOut] = []
        for key, query in list(self._open.items()):
            if query.deadline > now:
                continue
            if query.attempt <= self.retries:
                query.attempt += 1
                query.deadline = now + self.timeout
                out.append(QueryRetry(*key, query.payload, query.attempt))
            else:
                del self._open[key]
                self._drop(key)
                out.append(QueryTimedOut(*key, query.payload))
        return out
