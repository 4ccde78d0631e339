"""Follows the platform's requests to one device by QN: answers, retries, timeouts.

Phases of a request (HJ 212-2017 §6.5.1; Table 1 gives a 10 s timeout and 3 retries):

1. ``sent``: waiting for the device's 9011. Every ``timeout`` without it, the same bytes
   (same QN) are sent again, up to ``retries`` times; then :class:`RequestTimedOut`.
2. ``accepted``: 9011 ``QnRtn=1`` came; waiting for 9012 (and data in between, e.g. a
   1011 with ``SystemTime`` or history uploads). Nothing is resent here - a resent
   history request would duplicate the data; after ``exec_timeout`` without any packet
   for the request, :class:`RequestTimedOut` (phase ``accepted``).
3. done: 9011 with another QnRtn (:class:`RequestRefused`), or 9012
   (:class:`RequestCompleted`, ``ok`` when ``ExeRtn=1``). Devices that skip 9011 and
   send 9012 directly complete too.

Packets are matched by the request's QN (9011/9012 carry it in the header, 2005 devices
in CP). While a request is accepted, uploads with its CN (history data comes back with
new QNs, Table C.48) are reported as :class:`RequestData` as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from .events import ExecutionResult, Packet, RequestAnswer
from .requests import QnSource, Request
from .times import require_aware

__all__ = [
    "PendingRequest",
    "RequestAccepted",
    "RequestCompleted",
    "RequestData",
    "RequestRefused",
    "RequestTimedOut",
    "RequestTracker",
    "Resend",
]


@dataclass(slots=True)
class PendingRequest:
    request: Request
    phase: str  # "sent" or "accepted"
    attempts: int  # times sent so far
    deadline: datetime


@dataclass(frozen=True, slots=True)
class Resend:
    request: Request
    attempt: int  # 2 for the first resend

    @property
    def data(self) -> bytes:
        return self.request.data


@dataclass(frozen=True, slots=True)
class RequestTimedOut:
    request: Request
    phase: str  # "sent": no 9011 after every retry; "accepted": no 9012 in time
    attempts: int


@dataclass(frozen=True, slots=True)
class RequestAccepted:
    request: Request
    packet: RequestAnswer


@dataclass(frozen=True, slots=True)
class RequestRefused:
    request: Request
    packet: RequestAnswer
    qn_rtn: int | None  # 2 refused, 3 PW error, 4 MN error, … 100 unknown


@dataclass(frozen=True, slots=True)
class RequestData:
    request: Request
    packet: Packet


@dataclass(frozen=True, slots=True)
class RequestCompleted:
    request: Request
    packet: ExecutionResult
    exe_rtn: int | None

    @property
    def ok(self) -> bool:
        return self.exe_rtn == 1


TrackerUpdate = RequestAccepted | RequestRefused | RequestData | RequestCompleted


class RequestTracker:
    """One per connection. ``next_qn(now)`` gives unique QNs for the request builders."""

    def __init__(
        self,
        *,
        zone: tzinfo,
        timeout: timedelta = timedelta(seconds=10),
        retries: int = 3,
        exec_timeout: timedelta = timedelta(seconds=120),
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.exec_timeout = exec_timeout
        self._qns = QnSource(zone)
        self._pending: dict[str, PendingRequest] = {}

    @property
    def pending(self) -> dict[str, PendingRequest]:
        """Open requests by QN (read only)."""
        return dict(self._pending)

    def next_qn(self, now: datetime) -> str:
        return self._qns.next(now)

    def send(self, request: Request, now: datetime) -> bytes:
        """Start tracking ``request``; returns the bytes to write."""
        require_aware(now)
        self._pending[request.qn] = PendingRequest(request, "sent", 1, now + self.timeout)
        return request.data

    def cancel(self, qn: str) -> None:
        self._pending.pop(qn, None)

    def handle_packet(self, packet: Packet, now: datetime) -> TrackerUpdate | None:
        """What ``packet`` means for an open request, if anything."""
        require_aware(now)
        if isinstance(packet, RequestAnswer | ExecutionResult):
            pending = self._pending.get(packet.request_qn or "")
            if pending is None:
                return None
            if isinstance(packet, ExecutionResult):
                del self._pending[pending.request.qn]
                return RequestCompleted(pending.request, packet, packet.exe_rtn)
            if packet.qn_rtn == 1:
                pending.phase = "accepted"
                pending.deadline = now + self.exec_timeout
                return RequestAccepted(pending.request, packet)
            del self._pending[pending.request.qn]
            return RequestRefused(pending.request, packet, packet.qn_rtn)
        pending = self._pending.get(packet.qn or "")
        if pending is None:
            pending = next(
                (
                    p
                    for p in self._pending.values()
                    if p.phase == "accepted" and p.request.cn == packet.cn and p.request.mn == packet.mn
                ),
                None,
            )
        if pending is None:
            return None
        pending.deadline = now + self.exec_timeout if pending.phase == "accepted" else pending.deadline
        return RequestData(pending.request, packet)

    def get_timer(self) -> datetime | None:
        return min((p.deadline for p in self._pending.values()), default=None)

    def handle_timer(self, now: datetime) -> list[Resend | RequestTimedOut]:
        """Resends and timeouts due at ``now``; write each ``Resend.data`` to the device."""
        require_aware(now)
        out: list[Resend | RequestTimedOut] = []
        for qn, pending in list(self._pending.items()):
            if pending.deadline > now:
                continue
            if pending.phase == "sent" and pending.attempts <= self.retries:
                pending.attempts += 1
                pending.deadline = now + self.timeout
                out.append(Resend(pending.request, pending.attempts))
            else:
                del self._pending[qn]
                out.append(RequestTimedOut(pending.request, pending.phase, pending.attempts))
        return out
