"""Collects the packets of catalogue answers into whole catalogues. Pure and clock-free
(aioquic style): every call takes ``now`` in seconds (any monotonic origin); the glue calls
``handle_timer(now)`` when ``get_timer()`` says.

A catalogue answer comes as one or more MESSAGEs, each with its own Call-ID, all carrying
the query's SN and the total ``SumNum`` (2016 Appendix N), so sets are keyed by
(device id, SN), never by Call-ID. A set ends:

* ``complete`` when the distinct items (by DeviceID: a retransmitted packet must not count
  twice) reach ``SumNum``;
* ``partial`` when no packet came for ``idle_timeout`` seconds (default 5 s, as wvp) while
  items are missing, or when the device sent no ``SumNum`` at all;
* ``timed_out`` when an expected query got no packet within ``first_timeout`` (default
  120 s, wvp's two minutes).

Only a complete answer to a query we sent may *replace* a device's channel list
(:attr:`CatalogResult.may_replace`); anything else may only add or update channels. That is
the fix for wvp #1425, where a Tiandy platform's unsolicited one-item catalogue (SumNum 1)
replaced 100+ channels. Answers nobody asked for are still collected (devices push
catalogues after registering) and end as their own sets, marked unsolicited; a packet for
a set that just ended is marked ``late``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .messages import CatalogItem, CatalogResponse

__all__ = ["CatalogAssembler", "CatalogOutcome", "CatalogResult"]


class CatalogOutcome(enum.StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True, slots=True)
class CatalogResult:
    device_id: str
    sn: int | None
    outcome: CatalogOutcome
    items: tuple[CatalogItem, ...]  # distinct by DeviceID, in order of first arrival
    sum_num: int | None  # the last SumNum the device sent
    solicited: bool  # answers a query registered with expect()
    late: bool  # its first packet came after an earlier set with the same key had ended
    packets: int
    duplicates: int  # items seen again (retransmissions, or a device repeating itself)
    started_at: float  # expect() time, or the first packet's
    ended_at: float

    @property
    def complete(self) -> bool:
        return self.outcome is CatalogOutcome.COMPLETE

    @property
    def may_replace(self) -> bool:
        """May this result replace the stored channel list (delete what it lacks)?"""
        return self.complete and self.solicited and not self.late


@dataclass(slots=True)
class _Pending:
    device_id: str
    sn: int | None
    solicited: bool
    late: bool
    started_at: float
    deadline: float
    items: dict[str, CatalogItem] = field(default_factory=dict)
    sum_num: int | None = None
    packets: int = 0
    duplicates: int = 0


class CatalogAssembler:
    def __init__(self, *, first_timeout: float = 120.0, idle_timeout: float = 5.0) -> None:
        if first_timeout <= 0 or idle_timeout <= 0:
            raise ValueError("timeouts must be positive")
        self.first_timeout = first_timeout
        self.idle_timeout = idle_timeout
        self._pending: dict[tuple[str, int | None], _Pending] = {}
        # Keys of sets that ended, with when to forget them: a packet for one of them is late.
        self._ended: dict[tuple[str, int | None], float] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def expect(self, device_id: str, sn: int, now: float) -> None:
        """Register a catalogue query just sent to ``device_id`` with ``sn``."""
        key = (device_id, sn)
        self._ended.pop(key, None)  # a new query reusing an SN starts afresh
        if key not in self._pending:
            self._pending[key] = _Pending(device_id, sn, True, False, now, now + self.first_timeout)

    def add(self, response: CatalogResponse, now: float, *, device_id: str | None = None) -> CatalogResult | None:
        """Take one packet; returns the result when this packet completes its set.

        ``device_id`` overrides the body's ``DeviceID`` as the key: pass the id the SIP
        layer authenticated, so a device cannot complete another device's query.
        """
        self._forget(now)
        key = (device_id or response.device_id, response.sn)
        pending = self._pending.get(key)
        if pending is None:
            late = key in self._ended
            pending = _Pending(key[0], key[1], False, late, now, now + self.idle_timeout)
            self._pending[key] = pending
        pending.packets += 1
        if response.sum_num is not None:
            pending.sum_num = response.sum_num
        for item in response.items:
            if item.device_id in pending.items:
                pending.duplicates += 1
            pending.items[item.device_id] = item  # the latest copy wins, its place stays
        pending.deadline = now + self.idle_timeout
        if pending.sum_num is not None and len(pending.items) >= pending.sum_num:
            # SumNum 0 is complete at once: the device's explicit "no channels" (Appendix N).
            return self._finish(key, CatalogOutcome.COMPLETE, now)
        return None

    def get_timer(self) -> float | None:
        """When to call :meth:`handle_timer` next; None when nothing is pending."""
        return min((p.deadline for p in self._pending.values()), default=None)

    def handle_timer(self, now: float) -> list[CatalogResult]:
        """End every set whose deadline has passed, earliest first."""
        due = sorted((p.deadline, key) for key, p in self._pending.items() if p.deadline <= now)
        results = []
        for _, key in due:
            outcome = CatalogOutcome.TIMED_OUT if self._pending[key].packets == 0 else CatalogOutcome.PARTIAL
            results.append(self._finish(key, outcome, now))
        self._forget(now)
        return results

    def _finish(self, key: tuple[str, int | None], outcome: CatalogOutcome, now: float) -> CatalogResult:
        pending = self._pending.pop(key)
        self._ended.pop(key, None)  # re-insert at the end: the dict stays in expiry order
        self._ended[key] = now + self.first_timeout
        return CatalogResult(
            device_id=pending.device_id,
            sn=pending.sn,
            outcome=outcome,
            items=tuple(pending.items.values()),
            sum_num=pending.sum_num,
            solicited=pending.solicited,
            late=pending.late,
            packets=pending.packets,
            duplicates=pending.duplicates,
            started_at=pending.started_at,
            ended_at=now,
        )

    def _forget(self, now: float) -> None:
        # Entries are inserted in expiry order (``now`` only grows), so stop at the first
        # one still remembered: O(expired), not O(all).
        while self._ended:
            key, until = next(iter(self._ended.items()))
            if until > now:
                break
            del self._ended[key]
