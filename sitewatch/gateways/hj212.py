"""The HJ 212 gateway: asyncio glue between device connections, the sans-IO codec and the
ingest service. It decodes, authenticates (through ingest), acknowledges and hands off;
it never computes alarms or scores. Storage happens in batches on a worker thread, and a
device is answered only once its packet is committed.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import gc
import json
import logging
from zoneinfo import ZoneInfo

from django.conf import settings

from sitewatch.gateways.batcher import Batcher
from sitewatch.protocols import hj212
from sitewatch.protocols.hj212.subpackets import Reassembler
from sitewatch.telemetry.ingest import Outcome, Packet, ingest

log = logging.getLogger("sitewatch.gateway.hj212")
ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load_crc_variants() -> dict[str, hj212.CrcVariant]:
    """MN → the vendor CRC variant set by the operator or detected earlier."""
    from sitewatch.monitoring.models import DeviceState

    rows = DeviceState.objects.exclude(crc_variant="").exclude(device__hj212_mn=None)
    return {mn: hj212.CrcVariant(variant) for mn, variant in rows.values_list("device__hj212_mn", "crc_variant")}


class Gateway:
    """Shared state of one gateway process: the batcher, the MN → connection table, limits, counters."""

    def __init__(self, *, store=ingest, max_batch: int = 500):
        self.batcher = Batcher(store, max_batch=max_batch)
        self.crc_variants: dict[str, hj212.CrcVariant] = {}
        self.by_mn: dict[str, DeviceConnection] = {}
        self.per_address: collections.Counter[str] = collections.Counter()
        self.connections: set[DeviceConnection] = set()
        self.counters: collections.Counter[str] = collections.Counter()
        self.server: asyncio.base_events.Server | None = None
        self._tasks: list[asyncio.Task] = []
        self._gc_threshold = gc.get_threshold()

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> None:
        self._gc_threshold = gc.get_threshold()
        # Under load thousands of packets are in flight (queued for storage, awaiting their
        # answer), several codec objects each, so they outlive young collections and
        # trigger full ones, which also walk everything Django loaded: with the default
        # thresholds the cyclic GC took half the event loop's time
        # (benchmarks/hj212_ingest.py). What was loaded at start lives as long as the
        # process (freeze), and full collections come a hundred times less often. Little
        # of what a gateway frees is cyclic; reference counting frees the rest at once.
        gc.freeze()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], max(1000, self._gc_threshold[2]))
        self.batcher.start()
        self.crc_variants.update(await self.batcher.run_sync(load_crc_variants))
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: DeviceConnection(self), host, port, reuse_port=reuse_port,
                                               backlog=4096)
        self._tasks.append(loop.create_task(self._housekeeping()))
        log.info("HJ 212 网关监听 %s:%s", host, port)

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def _housekeeping(self) -> None:
        """Every minute: reload CRC variants set by the operator, log the counters."""
        while True:
            await asyncio.sleep(60)
            try:
                self._replace_crc_variants(await self.batcher.run_sync(load_crc_variants))
            except Exception:
                log.exception("读取设备CRC设置失败")
            log.info("hj212 counters %s", json.dumps(self.snapshot(), ensure_ascii=False, sort_keys=True))

    def _replace_crc_variants(self, variants: dict[str, hj212.CrcVariant]) -> None:
        """Replace in place: every codec holds this dict by reference. A variant the operator
        cleared stops being accepted; detected ones are in the database already (ingest)."""
        for mn in set(self.crc_variants) - set(variants):
            del self.crc_variants[mn]
        self.crc_variants.update(variants)

    def snapshot(self) -> dict[str, int]:
        return {**self.counters, "connections": len(self.connections), "pending": self.batcher.pending}

    def claim(self, mn: str, conn: DeviceConnection) -> None:
        """The newest connection of an MN wins: a device that reconnected from a new NAT
        address leaves its old connection half-open, and answers must go to the new one."""
        old = self.by_mn.get(mn)
        if old is not None and old is not conn and old.connected_at <= conn.connected_at:
            self.counters["replaced_connections"] += 1
            log.info("设备 %s 新连接 %s 取代旧连接 %s", mn, conn.peer, old.peer)
            old.close("replaced")
        if old is None or old.connected_at <= conn.connected_at:
            self.by_mn[mn] = conn

    async def close(self) -> None:
        if self.server:
            self.server.close()
        for conn in list(self.connections):
            conn.close("shutdown")
        for task in self._tasks:
            task.cancel()
        await self.batcher.close()
        gc.set_threshold(*self._gc_threshold)
        gc.unfreeze()
        log.info("hj212 counters %s", json.dumps(self.snapshot(), ensure_ascii=False, sort_keys=True))


class DeviceConnection(asyncio.Protocol):
    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.codec = hj212.Connection(zone=ZONE, crc_variants=gateway.crc_variants,
                                      auto_detect_crc=settings.HJ212_AUTO_DETECT_CRC,
                                      max_segment=settings.HJ212_MAX_SEGMENT_BYTES)
        self.tracker = hj212.RequestTracker(zone=ZONE)
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.address = ""
        self.connected_at = utcnow()
        self.mns: set[str] = set()
        self.bad_in_a_row = 0
        self.calibrated = False
        self.closed = False
        self.held_answers: dict[tuple, list[bytes]] = {}
        self._idle: asyncio.TimerHandle | None = None
        self._timer: asyncio.TimerHandle | None = None
        # Answers leave in the order the packets came, whatever order batches finish in.
        self._order: collections.deque[asyncio.Future] = collections.deque()
        # While a stored batch is answered: the answers, sent in one write (see _flush).
        self._out: list[bytes] | None = None

    # --- connection lifecycle -------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"
        gw = self.gateway
        if len(gw.connections) >= settings.HJ212_MAX_CONNECTIONS or \
                gw.per_address[self.address] >= settings.HJ212_MAX_CONNECTIONS_PER_ADDRESS:
            gw.counters["refused_connections"] += 1
            log.warning("拒绝连接 %s：连接数超过上限", self.peer)
            self.closed = True
            transport.abort()
            return
        gw.connections.add(self)
        gw.per_address[self.address] += 1
        gw.counters["connections_opened"] += 1
        self._touch()

    def connection_lost(self, exc) -> None:
        gw = self.gateway
        if self in gw.connections:
            gw.connections.discard(self)
            gw.per_address[self.address] -= 1
            if gw.per_address[self.address] <= 0:
                del gw.per_address[self.address]
        for mn in self.mns:
            if gw.by_mn.get(mn) is self:
                del gw.by_mn[mn]
        for handle in (self._idle, self._timer):
            if handle:
                handle.cancel()
        self.closed = True

    def close(self, reason: str) -> None:
        if not self.closed and self.transport is not None:
            self._send_out()  # answers already given still leave, as close() flushes the buffer
            self.gateway.counters[f"closed_{reason}"] += 1
            self.closed = True
            self.transport.close()

    def _touch(self) -> None:
        if self._idle:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(settings.HJ212_IDLE_TIMEOUT_SECONDS, self.close, "idle")

    # --- input ----------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._touch()
        self.gateway.counters["bytes_in"] += len(data)
        self.codec.receive_data(data)
        self._drain()
        if self.codec.buffered > 2 * (settings.HJ212_MAX_SEGMENT_BYTES + 16):
            self.gateway.counters["bad_buffer_overflow"] += 1
            self.close("overflow")
        if self.gateway.batcher.overloaded:
            # Backpressure: stop reading this socket until storage catches up.
            self.transport.pause_reading()
            asyncio.get_running_loop().create_task(self._resume_when_drained())

    async def _resume_when_drained(self) -> None:
        while self.gateway.batcher.overloaded and not self.closed:
            await asyncio.sleep(0.05)
        if not self.closed:
            self.transport.resume_reading()

    def eof_received(self):
        self.codec.receive_data(b"")
        self._drain()
        return True  # keep the write side open until pending answers are sent

    def _drain(self) -> None:
        now = utcnow()
        while True:
            event = self.codec.next_event(now)
            if event is hj212.NEED_DATA:
                break
            if isinstance(event, hj212.ConnectionClosed):
                self._after_pending(lambda: self.close("eof"))
                break
            self._handle(event, now)
        self._arm_timer()

    def _arm_timer(self) -> None:
        deadlines = [d for d in (self.codec.get_timer(), self.tracker.get_timer()) if d is not None]
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if deadlines:
            delay = max(0.0, (min(deadlines) - utcnow()).total_seconds())
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        now = utcnow()
        self.codec.handle_timer(now)
        for item in self.tracker.handle_timer(now):
            if isinstance(item, hj212.Resend):
                self._write(item.data)
            else:
                log.info("设备 %s 未响应平台请求 %s", self.peer, item)
        self._drain()

    # --- events ---------------------------------------------------------------------
    def _handle(self, event, now: dt.datetime) -> None:
        counters = self.gateway.counters
        if isinstance(event, hj212.BadFrame):
            counters[f"bad_{event.reason}"] += 1
            self._bad(f"帧错误 {event.reason} {event.detail}", event.raw)
            return
        if isinstance(event, hj212.BadPacket):
            counters[f"bad_{event.reason}"] += 1
            self._bad(f"报文错误 {event.reason} {event.detail}", event.packet.raw)
            return
        if isinstance(event, hj212.SubpacketsTimedOut):
            counters["subpackets_timed_out"] += 1
            self.held_answers.pop(event.key, None)
            log.warning("设备 %s 分包不全（缺 %s），已丢弃待重发", self.peer, event.missing)
            return
        if isinstance(event, hj212.SubpacketReceived):
            counters["subpackets"] += 1
            if event.needs_answer:
                # Held until the reassembled upload is stored: acknowledged only after storage.
                self.held_answers.setdefault(event.key, []).append(hj212.build_data_answer(event.packet))
            return
        if isinstance(event, hj212.Packet):
            counters["packets"] += 1
            counters[f"cn_{event.cn}"] += 1
            self.bad_in_a_row = 0
            update = self.tracker.handle_packet(event, now)
            if update is not None:
                log.info("设备 %s 请求进展 %s", event.mn, type(update).__name__)
            self._submit(event, now)

    def _bad(self, message: str, raw: bytes) -> None:
        self.bad_in_a_row += 1
        log.warning("设备连接 %s %s：%r", self.peer, message, raw[:120])
        if self.bad_in_a_row >= settings.HJ212_MAX_BAD_IN_A_ROW:
            self.close("bad_input")

    def _submit(self, packet: hj212.Packet, now: dt.datetime) -> None:
        factors = packet.factors  # the codec's, never changed after the event is made
        item = Packet(
            mn=packet.mn, password=packet.pw or "", cn=packet.cn, received_at=now,
            raw=packet.raw.decode("utf-8", errors="backslashreplace"), remote_addr=self.peer, qn=packet.qn or "",
            data_time=packet.data_time if isinstance(packet, hj212.DataUpload) else None,
            values={code: factor.values for code, factor in factors.items()},
            numbers={code: factor.numbers for code, factor in factors.items()},
            new_connection=packet.mn not in self.mns, crc_variant=str(packet.crc_variant),
        )
        future = self.gateway.batcher.submit(item)
        self._order.append(future)
        future.add_done_callback(lambda f: self._flush())
        future.packet = packet  # type: ignore[attr-defined]

    def _flush(self) -> None:
        # One write (one send()) for all the answers a batch brings this connection, not
        # one per answer: about 10% more packets/s (benchmarks/hj212_ingest.py).
        self._out = []
        try:
            while self._order and self._order[0].done():
                future = self._order.popleft()
                self._stored(future.packet, future)  # type: ignore[attr-defined]
        finally:
            self._send_out()

    def _send_out(self) -> None:
        out, self._out = self._out, None
        if out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(out))

    def _after_pending(self, action) -> None:
        if not self._order:
            action()
            return
        self._order[-1].add_done_callback(lambda f: asyncio.get_running_loop().call_soon(action))

    def _stored(self, packet: hj212.Packet, future: asyncio.Future) -> None:
        counters = self.gateway.counters
        if future.exception() is not None:
            counters["store_failed"] += 1
            return  # not answered: the device resends
        outcome: Outcome = future.result()
        counters[f"outcome_{outcome.value}"] += 1
        if not outcome.safe_to_answer:
            self._bad(f"未通过认证 {outcome.value} MN={packet.mn}", packet.raw)
            return
        if packet.mn not in self.mns:
            self.mns.add(packet.mn)
            self.gateway.claim(packet.mn, self)
        if packet.crc_variant != hj212.CrcVariant.STANDARD:
            self.gateway.crc_variants[packet.mn] = packet.crc_variant
        for answer in self.held_answers.pop(Reassembler.key_of(packet.parts[0]), []) if packet.parts else []:
            self._write(answer)
        answer = hj212.build_answer(packet)
        if answer is not None:
            self._write(answer)
        if isinstance(packet, hj212.TimeCalibrationRequest) or (
                settings.HJ212_CALIBRATE_ON_CONNECT and not self.calibrated):
            self._set_time(packet)

    def _set_time(self, packet: hj212.Packet) -> None:
        now = utcnow()
        request = hj212.build_set_time_request(
            qn=self.tracker.next_qn(now), st=packet.st or "91", mn=packet.mn, pw=packet.pw or "", time=now,
            zone=ZONE, flag=hj212.answer_flag(packet) | 1, crc_variant=packet.crc_variant,
        )
        self.calibrated = True
        self.gateway.counters["set_time_sent"] += 1
        self._write(self.tracker.send(request, now))
        self._arm_timer()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if self._out is not None:
                self._out.append(data)
            else:
                self.transport.write(data)
            self.gateway.counters["answers"] += 1


async def serve(host: str, port: int, *, reuse_port: bool = False, stop: asyncio.Event | None = None) -> Gateway:
    gateway = Gateway()
    await gateway.start(host, port, reuse_port=reuse_port)
    if stop is not None:
        await stop.wait()
        await gateway.close()
    return gateway
