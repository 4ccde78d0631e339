"""The sans-IO connection: bytes in, events out (h11 style), timers passed in (aioquic style).

Usage by the asyncio glue::

    conn = Connection(zone=SHANGHAI, crc_variants=variants_by_mn)
    conn.receive_data(chunk)            # b"" when the peer closed
    while (event := conn.next_event(now)) is not NEED_DATA:
        ...                             # store, answer with build_answer(event), log errors
        if isinstance(event, ConnectionClosed):
            break
    deadline = conn.get_timer()         # arm loop.call_at; on expiry conn.handle_timer(now)
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, tzinfo

from .crc import CrcVariant
from .decoder import decode_frame
from .errors import LocalProtocolError
from .events import NEED_DATA, BadFrame, ConnectionClosed, Event, NeedData, Packet
from .framing import DEFAULT_MAX_SEGMENT, Framer, RawFrame
from .subpackets import Reassembler
from .times import require_aware

__all__ = ["Connection", "ConnectionState"]


class ConnectionState(enum.StrEnum):
    OPEN = "open"  # bytes may still arrive
    DRAINING = "draining"  # EOF received; buffered bytes are still being turned into events
    CLOSED = "closed"  # ConnectionClosed was returned; next_event keeps returning it


class Connection:
    """One device connection's HJ 212 protocol state, without I/O or clocks.

    State (see :class:`ConnectionState`): ``OPEN`` until ``receive_data(b"")``, then
    ``DRAINING`` while buffered bytes still yield events (a frame cut short becomes
    ``BadFrame(reason="truncated")``; open subpacket sets become
    ``SubpacketsTimedOut(reason="closed")``), then ``CLOSED`` once
    :class:`ConnectionClosed` has been returned. What the connection holds: the byte
    buffer (at most about one maximal frame once ``next_event`` has returned NEED_DATA,
    plus whatever the caller feeds without draining), open subpacket sets, and the time a
    partial frame started waiting.

    Options:

    * ``zone``: the zone of the devices' clocks; DataTime, SystemTime and RestartTime
      become aware datetimes in it.
    * ``crc_variants``: MN → :class:`CrcVariant` for devices known to use a vendor CRC
      (held by reference, so a dict the gateway updates is seen at once); the standard
      CRC is always accepted. ``auto_detect_crc``: accept any known variant; the event's
      ``crc_variant`` says which one, for the caller to remember per MN.
    * ``max_segment``: largest data segment accepted (bytes; default 4096 - the standard
      says 1024, real devices send more).
    * ``subpacket_timeout`` / ``max_subpacket_sets``: see :mod:`.subpackets`.
    * ``frame_idle_timeout``: how long a partial frame may wait before the buffer's end
      is taken as its end (devices that send neither a line ending nor a correct length
      and then wait for the answer).

    Pass ``now`` (aware) to ``next_event`` to arm subpacket and idle timers.
    """

    def __init__(
        self,
        *,
        zone: tzinfo,
        crc_variants: Mapping[str, CrcVariant] | None = None,
        auto_detect_crc: bool = False,
        max_segment: int = DEFAULT_MAX_SEGMENT,
        subpacket_timeout: timedelta = timedelta(seconds=60),
        max_subpacket_sets: int = 32,
        frame_idle_timeout: timedelta = timedelta(seconds=2),
    ) -> None:
        self.zone = zone
        self.frame_idle_timeout = frame_idle_timeout
        self._framer = Framer(
            max_segment=max_segment, crc_variants=crc_variants, auto_detect_crc=auto_detect_crc
        )
        self._reassembler = Reassembler(zone=zone, timeout=subpacket_timeout, max_sets=max_subpacket_sets)
        self._queue: deque[Event] = deque()
        self._state = ConnectionState.OPEN
        self._partial_since: datetime | None = None

    # -- configuration seen by the framer ------------------------------------------

    @property
    def crc_variants(self) -> Mapping[str, CrcVariant]:
        return self._framer.crc_variants

    @crc_variants.setter
    def crc_variants(self, value: Mapping[str, CrcVariant]) -> None:
        self._framer.crc_variants = value

    @property
    def auto_detect_crc(self) -> bool:
        return self._framer.auto_detect_crc

    @auto_detect_crc.setter
    def auto_detect_crc(self, value: bool) -> None:
        self._framer.auto_detect_crc = value

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def buffered(self) -> int:
        """Bytes received and not yet turned into events."""
        return self._framer.buffered

    # -- input ------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Buffer bytes from the device; ``b""`` means the device closed the connection."""
        if self._state is not ConnectionState.OPEN:
            raise LocalProtocolError("receive_data() after the end of the stream")
        if data:
            self._framer.feed(data)
        else:
            self._framer.close()
            self._state = ConnectionState.DRAINING

    # -- output -----------------------------------------------------------------------

    def next_event(self, now: datetime | None = None) -> Event | NeedData:
        """The next event, or ``NEED_DATA``. Never raises for anything the device sent."""
        if now is not None:
            require_aware(now)
        if self._queue:
            return self._queue.popleft()
        if self._state is ConnectionState.CLOSED:
            return ConnectionClosed()
        frame = self._framer.next_frame()
        if frame is None:
            if self._state is ConnectionState.DRAINING:
                self._queue.extend(self._reassembler.close())
                self._queue.append(ConnectionClosed())
                self._state = ConnectionState.CLOSED
                return self._queue.popleft()
            if self._framer.buffered == 0:
                self._partial_since = None
            elif self._partial_since is None and now is not None:
                self._partial_since = now
            return NEED_DATA
        self._partial_since = None
        events = self._events_for(frame, now)
        self._queue.extend(events[1:])
        return events[0]

    def _events_for(self, frame: RawFrame | BadFrame, now: datetime | None) -> list[Event]:
        if isinstance(frame, BadFrame):
            return [frame]
        event = decode_frame(frame, self.zone)
        if isinstance(event, Packet) and event.is_subpacket:
            return list(self._reassembler.add(event, now))
        return [event]

    def events(self, now: datetime | None = None) -> Iterator[Event]:
        """Every event available now (stops at NEED_DATA, or after ConnectionClosed)."""
        while True:
            event = self.next_event(now)
            if isinstance(event, NeedData):
                return
            yield event
            if isinstance(event, ConnectionClosed):
                return

    # -- timers -----------------------------------------------------------------------

    def get_timer(self) -> datetime | None:
        """When :meth:`handle_timer` should next run (None: no timer needed)."""
        deadlines = []
        subpackets = self._reassembler.get_timer()
        if subpackets is not None:
            deadlines.append(subpackets)
        if self._partial_since is not None and self._state is ConnectionState.OPEN:
            deadlines.append(self._partial_since + self.frame_idle_timeout)
        return min(deadlines) if deadlines else None

    def handle_timer(self, now: datetime) -> None:
        """Expire what is due; resulting events come out of :meth:`next_event`."""
        require_aware(now)
        self._queue.extend(self._reassembler.handle_timer(now))
        if (
            self._partial_since is not None
            and self._state is ConnectionState.OPEN
            and now >= self._partial_since + self.frame_idle_timeout
        ):
            self._partial_since = None
            while (frame := self._framer.next_frame(flush=True)) is not None:
                self._queue.extend(self._events_for(frame, now))
