"""Reassembly of split uploads (Flag bit D, PNUM/PNO; HJ 212-2017 Tables C.49, C.50).

Every subpacket carries its own QN and is answered by it (Table C.50), so QN cannot tie
the parts together: they are grouped by (MN, CN, DataTime, PNUM), with the QN standing
in for DataTime when a packet has none. A set that is still incomplete ``timeout``
after its first part expires through ``get_timer()``/``handle_timer(now)``; at most
``max_sets`` sets are open per connection (the oldest is evicted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from .decoder import packet_from_parts
from .events import Packet, SubpacketReceived, SubpacketsTimedOut

__all__ = ["Reassembler", "SubpacketKey"]

SubpacketKey = tuple[str, str, str, int]


@dataclass(slots=True)
class _Set:
    total: int
    parts: dict[int, Packet] = field(default_factory=dict)
    deadline: datetime | None = None


class Reassembler:
    def __init__(
        self, *, zone: tzinfo, timeout: timedelta = timedelta(seconds=60), max_sets: int = 32
    ) -> None:
        self.zone = zone
        self.timeout = timeout
        self.max_sets = max_sets
        self._sets: dict[SubpacketKey, _Set] = {}

    @staticmethod
    def key_of(packet: Packet) -> SubpacketKey:
        assert packet.pnum is not None
        data_time = packet.cp.fields.get("DataTime")
        anchor = data_time if data_time is not None else (packet.qn or "")
        return (packet.mn, packet.cn, anchor, packet.pnum)

    def add(
        self, packet: Packet, now: datetime | None
    ) -> list[SubpacketReceived | SubpacketsTimedOut | Packet]:
        """Events for one subpacket: eviction notices, its SubpacketReceived, and the
        reassembled packet when it completes its set."""
        assert packet.pnum is not None and packet.pno is not None
        out: list[SubpacketReceived | SubpacketsTimedOut | Packet] = []
        key = self.key_of(packet)
        current = self._sets.get(key)
        if current is None:
            while len(self._sets) >= self.max_sets:
                oldest = next(iter(self._sets))
                out.append(self._expired(oldest, "evicted"))
            current = self._sets[key] = _Set(
                total=packet.pnum, deadline=None if now is None else now + self.timeout
            )
        current.parts[packet.pno] = packet  # a resent part replaces the earlier copy
        out.append(SubpacketReceived(packet, key, len(current.parts), current.total))
        if all(n in current.parts for n in range(1, current.total + 1)):
            del self._sets[key]
            ordered = tuple(current.parts[n] for n in range(1, current.total + 1))
            out.append(packet_from_parts(ordered, self.zone))
        return out

    def get_timer(self) -> datetime | None:
        deadlines = [s.deadline for s in self._sets.values() if s.deadline is not None]
        return min(deadlines) if deadlines else None

    def handle_timer(self, now: datetime) -> list[SubpacketsTimedOut]:
        due = [k for k, s in self._sets.items() if s.deadline is not None and s.deadline <= now]
        return [self._expired(key, "timeout") for key in due]

    def close(self) -> list[SubpacketsTimedOut]:
        return [self._expired(key, "closed") for key in list(self._sets)]

    def _expired(self, key: SubpacketKey, reason: str) -> SubpacketsTimedOut:
        expired = self._sets.pop(key)
        parts = tuple(expired.parts[n] for n in sorted(expired.parts))
        return SubpacketsTimedOut(key, parts, expired.total, reason)

    def __len__(self) -> int:
        return len(self._sets)
