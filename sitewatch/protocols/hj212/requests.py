"""Requests the platform sends to a device (P→D), each identified by a fresh QN.

The exchange (HJ 212-2017 §6.5.1, Tables C.1-C.13, C.48-C.50): the platform sends the
request with ``Flag=5`` (2017, answer needed); the device answers **9011** ``QnRtn=1``
with the same QN, sends its data if any (1011 ``SystemTime`` with the same QN; history
2061 packets with new QNs), and ends with **9012** ``ExeRtn``. :class:`~.tracker.RequestTracker`
follows that by QN.

Every builder returns a :class:`Request` (QN, CN, MN and the bytes to write). ``st`` is
the device's system code (its packets' ST, e.g. 39 or 22): the standard's examples send
requests with the device's ST, not 91. ``flag`` defaults to 5; pass 1 for a 2005
device. Times are written on the device's clock (``zone``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from .builders import build_frame
from .crc import CrcVariant
from .errors import LocalProtocolError
from .times import format_hj_time, format_qn, require_aware

__all__ = [
    "MIN_INTERVALS",
    "QnSource",
    "Request",
    "build_get_time_request",
    "build_history_request",
    "build_set_min_interval_request",
    "build_set_rtd_interval_request",
    "build_set_time_request",
]

# HJ 212-2017 Table 9 / C.9: the minute-data interval must divide an hour evenly.
MIN_INTERVALS = frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})
HISTORY_CNS = frozenset({"2051", "2061", "2031", "2041"})


@dataclass(frozen=True, slots=True)
class Request:
    qn: str
    cn: str
    mn: str
    data: bytes  # the frame to write


class QnSource:
    """QNs (``YYYYMMDDhhmmsszzz`` on the zone's clock) from ``now``, unique per instance.

    Two requests in the same millisecond, or a clock stepping back, get the last QN's
    time plus one millisecond, so QNs never repeat on one connection.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._last: datetime | None = None

    def next(self, now: datetime) -> str:
        moment = require_aware(now).astimezone(self.zone).replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last is not None and moment <= self._last:
            moment = self._last + timedelta(milliseconds=1)
        self._last = moment
        return format_qn(moment, self.zone)


def _request(
    *, qn: str, st: str, cn: str, pw: str, mn: str, cp: list[str], flag: int, crc_variant: CrcVariant
) -> Request:
    for name, value in (("qn", qn), ("st", st), ("pw", pw), ("mn", mn)):
        if any(c in value for c in ";,=&\r\n"):
            raise LocalProtocolError(f"{name}={value!r} contains a separator")
    segment = f"QN={qn};ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{';'.join(cp)}&&"
    return Request(qn, cn, mn, build_frame(segment, crc_variant))


def build_get_time_request(
    *,
    qn: str,
    st: str,
    mn: str,
    pw: str,
    pol_id: str | None = None,
    flag: int = 5,
    crc_variant: CrcVariant = CrcVariant.STANDARD,
) -> Request:
    """1011: ask for the device's clock (of instrument ``pol_id``, else the DAS)."""
    cp = [f"PolId={pol_id}"] if pol_id else []
    return _request(qn=qn, st=st, cn="1011", pw=pw, mn=mn, cp=cp, flag=flag, crc_variant=crc_variant)


def build_set_time_request(
    *,
    qn: str,
    st: str,
    mn: str,
    pw: str,
    time: datetime,
    zone: tzinfo,
    pol_id: str | None = None,
    flag: int = 5,
    crc_variant: CrcVariant = CrcVariant.STANDARD,
) -> Request:
    """1012: set the device's clock to ``time`` (aware), written as ``SystemTime`` in ``zone``."""
    cp = ([f"PolId={pol_id}"] if pol_id else []) + [f"SystemTime={format_hj_time(time, zone)}"]
    return _request(qn=qn, st=st, cn="1012", pw=pw, mn=mn, cp=cp, flag=flag, crc_variant=crc_variant)


def build_set_rtd_interval_request(
    *,
    qn: str,
    st: str,
    mn: str,
    pw: str,
    seconds: int,
    flag: int = 5,
    crc_variant: CrcVariant = CrcVariant.STANDARD,
) -> Request:
    """1062: real-time upload interval, 30-3600 s (Table C.6)."""
    if not 30 <= seconds <= 3600:
        raise LocalProtocolError(f"RtdInterval must be 30..3600 seconds, got {seconds}")
    cp = [f"RtdInterval={seconds}"]
    return _request(qn=qn, st=st, cn="1062", pw=pw, mn=mn, cp=cp, flag=flag, crc_variant=crc_variant)


def build_set_min_interval_request(
    *,
    qn: str,
    st: str,
    mn: str,
    pw: str,
    minutes: int,
    flag: int = 5,
    crc_variant: CrcVariant = CrcVariant.STANDARD,
) -> Request:
    """1064: minute-data interval, one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 min."""
    if minutes not in MIN_INTERVALS:
        raise LocalProtocolError(f"MinInterval must be one of {sorted(MIN_INTERVALS)}, got {minutes}")
    cp = [f"MinInterval={minutes}"]
    return _request(qn=qn, st=st, cn="1064", pw=pw, mn=mn, cp=cp, flag=flag, crc_variant=crc_variant)


def build_history_request(
    *,
    qn: str,
    st: str,
    mn: str,
    pw: str,
    begin: datetime,
    end: datetime,
    zone: tzinfo,
    cn: str = "2061",
    flag: int = 5,
    crc_variant: CrcVariant = CrcVariant.STANDARD,
) -> Request:
    """2061 (or 2051 / 2031 / 2041): history data between ``begin`` and ``end`` (Table C.48)."""
    if cn not in HISTORY_CNS:
        raise LocalProtocolError(f"CN={cn} is not a history request (use one of {sorted(HISTORY_CNS)})")
    if require_aware(end, "end") < require_aware(begin, "begin"):
        raise LocalProtocolError("EndTime before BeginTime")
    cp = [f"BeginTime={format_hj_time(begin, zone)}", f"EndTime={format_hj_time(end, zone)}"]
    return _request(qn=qn, st=st, cn=cn, pw=pw, mn=mn, cp=cp, flag=flag, crc_variant=crc_variant)
