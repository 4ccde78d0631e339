"""Events returned by :meth:`Connection.next_event`.

Every packet event is a :class:`Packet` (or a subclass chosen by CN) and carries the raw
bytes of its frame (``##`` … CRC, without the line ending, which not every device sends).
Events are plain slotted dataclasses: treat them as immutable.

Which CN gives which class:

=========================  ===================================================
2011 / 2051 / 2061 / 2031  :class:`DataUpload` (``kind`` realtime/minute/hourly/daily)
2081                       :class:`RestartUpload`
1011 (from the device)     :class:`DeviceTime` (answer to a 1011 "get time" request)
1013                       :class:`TimeCalibrationRequest` (notify: answer 9013, send 1012)
9011 / 9012                :class:`RequestAnswer` / :class:`ExecutionResult`
9013 / 9014                :class:`NotifyAnswer` / :class:`DataAnswer`
9021 / 9015                :class:`Login` / :class:`Heartbeat` (extensions, not in 2017)
anything else              :class:`Packet` (never dropped)
=========================  ===================================================

Besides packets: :class:`SubpacketReceived` for each part of a split upload (answer it,
store nothing) followed by the reassembled packet, :class:`SubpacketsTimedOut`,
:class:`BadFrame` (unusable bytes) and :class:`BadPacket` (usable frame, unusable
content), and :class:`ConnectionClosed` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .crc import CrcVariant
from .segment import CpData, Factor

__all__ = [
    "NEED_DATA",
    "BadFrame",
    "BadPacket",
    "ConnectionClosed",
    "DataAnswer",
    "DataUpload",
    "DeviceTime",
    "Event",
    "ExecutionResult",
    "Heartbeat",
    "Login",
    "NeedData",
    "NotifyAnswer",
    "Packet",
    "RequestAnswer",
    "RestartUpload",
    "SubpacketReceived",
    "SubpacketsTimedOut",
    "TimeCalibrationRequest",
    "UPLOAD_KINDS",
]


class NeedData:
    """Sentinel type of :data:`NEED_DATA`: feed more bytes (or wait for a timer)."""

    _instance: NeedData | None = None

    def __new__(cls) -> NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()

UPLOAD_KINDS = {"2011": "realtime", "2051": "minute", "2061": "hourly", "2031": "daily"}


class Event:
    """Base class of everything :meth:`Connection.next_event` returns (except NEED_DATA)."""

    __slots__ = ()


@dataclass(slots=True, eq=True)
class Packet(Event):
    """A frame with a valid CRC and a parsable data segment."""

    raw: bytes  # the frame as received, "##" through the CRC digits
    segment: str  # the decoded data segment
    header: dict[str, str]  # every header field, unknown keys included
    qn: str | None
    st: str | None
    cn: str
    pw: str | None
    mn: str
    flag: int | None  # None when absent (2005 style) or not a number
    pnum: int | None
    pno: int | None
    cp: CpData
    data_time: datetime | None  # DataTime in the connection's zone
    crc_variant: CrcVariant  # the CRC the device used: answer with the same one
    declared_length: int | None  # the length field, None when it was not 4 digits
    length: int  # the data segment's real length in bytes
    encoding: str  # "ascii", "utf-8" or "gbk"
    parts: tuple[Packet, ...]  # the subpackets, when this packet was reassembled

    @property
    def length_ok(self) -> bool:
        return self.declared_length == self.length

    @property
    def version(self) -> int | None:
        """Flag bits V5..V0: 0 = HJ/T 212-2005, 1 = HJ 212-2017, 2 = HJ 212-2025."""
        return None if self.flag is None else self.flag >> 2

    @property
    def needs_answer(self) -> bool:
        """Flag bit A (bit 0). A reassembled packet was answered part by part."""
        return self.flag is not None and bool(self.flag & 1) and not self.parts

    @property
    def has_subpackets(self) -> bool:
        """Flag bit D (bit 1): PNUM and PNO should be present."""
        return self.flag is not None and bool(self.flag & 2)

    @property
    def is_subpacket(self) -> bool:
        """One part of a split upload (PNUM > 1 and a PNO, whatever Flag's D bit says)."""
        return self.pnum is not None and self.pno is not None and self.pnum > 1 and not self.parts

    @property
    def factors(self) -> dict[str, Factor]:
        return self.cp.factors


@dataclass(slots=True, eq=True)
class DataUpload(Packet):
    """2011 real-time, 2051 minute, 2061 hourly, 2031 daily data.

    ``data_time`` is the sampling moment (2011) or the *start* of the period (others).
    """

    kind: str = ""


@dataclass(slots=True, eq=True)
class RestartUpload(Packet):
    """2081: the data acquisition unit restarted at ``restart_time``."""

    restart_time: datetime | None = None


@dataclass(slots=True, eq=True)
class DeviceTime(Packet):
    """1011 from the device: its clock (``SystemTime``), answering a 1011 request."""

    system_time: datetime | None = None


@dataclass(slots=True, eq=True)
class TimeCalibrationRequest(Packet):
    """1013: the device asks for its clock to be set. Answer 9013, then send 1012."""

    pol_id: str | None = None


@dataclass(slots=True, eq=True)
class RequestAnswer(Packet):
    """9011 with ``QnRtn`` (1 ready, 2 refused, 3 PW, 4 MN, 5 ST, 6 Flag, 7 QN, 8 CN, 9 CRC)."""

    request_qn: str | None = None  # header QN (2017), or CP QN (2005)
    qn_rtn: int | None = None


@dataclass(slots=True, eq=True)
class ExecutionResult(Packet):
    """9012 with ``ExeRtn`` (1 success, 2 failed, 3 bad condition, 4 timeout, 5 busy, …)."""

    request_qn: str | None = None
    exe_rtn: int | None = None


@dataclass(slots=True, eq=True)
class NotifyAnswer(Packet):
    """9013: answer to a notification."""

    request_qn: str | None = None


@dataclass(slots=True, eq=True)
class DataAnswer(Packet):
    """9014: answer to an upload."""

    request_qn: str | None = None


@dataclass(slots=True, eq=True)
class Login(Packet):
    """9021 login (an extension some platforms use; answered with 9022)."""


@dataclass(slots=True, eq=True)
class Heartbeat(Packet):
    """9015 heartbeat (HJ 212-2025 implementations; answered with 9013)."""


@dataclass(slots=True, eq=True)
class SubpacketReceived(Event):
    """One part of a split upload (PNUM/PNO). Answer it by its own QN (``answer_qn``),
    as HJ 212-2017 Table C.50 does; store nothing yet: the reassembled packet follows
    when the last part arrives."""

    packet: Packet
    key: tuple[str, str, str, int]  # (MN, CN, DataTime or QN, PNUM)
    received: int  # distinct parts received so far, this one included
    total: int

    @property
    def answer_qn(self) -> str | None:
        return self.packet.qn

    @property
    def needs_answer(self) -> bool:
        return self.packet.flag is not None and bool(self.packet.flag & 1)


@dataclass(slots=True, eq=True)
class SubpacketsTimedOut(Event):
    """An incomplete set of subpackets expired (or was evicted); ``parts`` is what came."""

    key: tuple[str, str, str, int]
    parts: tuple[Packet, ...]
    total: int
    reason: str  # "timeout", "evicted" or "closed"

    @property
    def missing(self) -> tuple[int, ...]:
        have = {p.pno for p in self.parts}
        return tuple(n for n in range(1, self.total + 1) if n not in have)


@dataclass(slots=True, eq=True)
class BadFrame(Event):
    """Bytes that are not a usable frame (remote error: log, maybe close; never crash)."""

    reason: str  # a Reason code: bad_crc, bad_length, too_long, truncated, bad_segment, …
    raw: bytes  # the offending bytes (at most one maximal frame's worth)
    detail: str = ""
    mn: str | None = None  # when it could be read
    detected_variant: CrcVariant | None = None  # a CRC variant the frame *would* match
    size: int = 0  # bytes involved (junk runs can be longer than raw)


@dataclass(slots=True, eq=True)
class BadPacket(Event):
    """A valid frame whose content cannot be used as is (e.g. an invalid DataTime).

    ``packet`` is the generic parse (``data_time`` None), so the caller can still answer
    the device (``build_answer(event.packet)``) while not storing the reading.
    """

    reason: str
    detail: str
    packet: Packet


@dataclass(slots=True, eq=True)
class ConnectionClosed(Event):
    """The peer closed (``receive_data(b"")``) and every buffered byte was consumed."""
