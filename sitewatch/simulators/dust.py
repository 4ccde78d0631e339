"""Simulated dust monitors: N TCP clients speaking HJ 212 to the gateway, as real devices do.

Every device sends a real-time upload (2011) each interval and a minute upload (2051) each
ten minutes, waits for the 9014 and resends what was not answered, and answers the
platform's requests (1012 set time, 1011 get time) with 9011 then 9012. Some devices are
2005-style (no QN or Flag, vendor factor names) and some use a vendor CRC, as in the field.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random

from sitewatch.protocols import hj212
from sitewatch.protocols.hj212.times import format_hj_time, format_qn
from sitewatch.simulators.dust_values import LEGACY_NAMES, SH, DustModel

log = logging.getLogger("sitewatch.simulator.dust")


@dataclasses.dataclass(frozen=True)
class SimDevice:
    mn: str
    pw: str
    style: str = "2017"  # "2017" or "2005"
    crc_variant: hj212.CrcVariant = hj212.CrcVariant.STANDARD


def styles_for(index: int) -> tuple[str, hj212.CrcVariant]:
    """Every tenth device 2005-style, another tenth on a vendor CRC; the rest by the book."""
    if index % 10 == 7:
        return "2005", hj212.CrcVariant.STANDARD
    if index % 10 == 3:
        return "2017", hj212.CrcVariant.MODBUS_SWAPPED
    return "2017", hj212.CrcVariant.STANDARD


def build_upload(device: SimDevice, model: DustModel, *, cn: str, at: dt.datetime, now: dt.datetime) -> tuple[str, bytes]:
    """(QN, frame) of one upload; `at` is the DataTime, `now` the moment of sending."""
    values = model.values(at)
    qn = format_qn(now, SH)
    if cn == "2011":
        items = [f"{code}-Rtd={value},{code}-Flag=N" for code, value in values.items()]
    else:
        items = [f"{code}-Avg={value},{code}-Max={round(value * 1.2, 1)},{code}-Min={round(value * 0.8, 1)},"
                 f"{code}-Flag=N" for code, value in values.items()]
    if device.style == "2005":
        items = [item.replace(code, LEGACY_NAMES[code]) for item, code in zip(items, values, strict=True)]
        segment = f"ST=39;CN={cn};PW={device.pw};MN={device.mn};CP=&&DataTime={format_hj_time(at, SH)};{';'.join(items)}&&"
        return "", hj212.build_frame(segment, device.crc_variant)
    segment = (f"QN={qn};ST=39;CN={cn};PW={device.pw};MN={device.mn};Flag=5;"
               f"CP=&&DataTime={format_hj_time(at, SH)};{';'.join(items)}&&")
    return qn, hj212.build_frame(segment, device.crc_variant)


def build_reply(device: SimDevice, request: hj212.Packet, cn: str, cp: str, now: dt.datetime) -> bytes:
    qn = request.qn or format_qn(now, SH)
    segment = f"QN={qn};ST=39;CN={cn};PW={device.pw};MN={device.mn};Flag=4;CP=&&{cp}&&"
    return hj212.build_frame(segment, device.crc_variant)


class SimulatedMonitor:
    def __init__(self, device: SimDevice, *, host: str, port: int, interval: float, backfill_hours: float = 0,
                 stop: asyncio.Event, answer_timeout: float = 10.0):
        self.device = device
        self.model = DustModel(device.mn)
        self.host, self.port = host, port
        self.interval = interval
        self.backfill_hours = backfill_hours
        self.stop = stop
        self.answer_timeout = answer_timeout
        self.unanswered: dict[str, tuple[float, bytes]] = {}
        self.clock_offset = dt.timedelta(0)
        self.sent = 0
        self.answered = 0

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.clock_offset

    async def run(self) -> None:
        backoff = 1.0
        rng = random.Random(self.device.mn)
        await asyncio.sleep(rng.uniform(0, min(self.interval, 5)))  # devices do not all start at once
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 1.0
            try:
                await self._session(reader, writer)
            except (OSError, asyncio.IncompleteReadError) as exc:
                log.info("模拟设备 %s 连接中断：%s", self.device.mn, exc)
            finally:
                writer.close()
            if not self.stop.is_set():
                await asyncio.sleep(backoff)

    async def _session(self, reader, writer) -> None:
        codec = hj212.Connection(zone=SH, auto_detect_crc=True)
        listener = asyncio.get_running_loop().create_task(self._listen(reader, writer, codec))
        try:
            if self.backfill_hours:
                await self._backfill(writer)
                self.backfill_hours = 0
            next_minute_upload = self.now().replace(second=0, microsecond=0)
            while not self.stop.is_set() and not listener.done():
                now = self.now()
                self._send(writer, "2011", now, now)
                if now >= next_minute_upload + dt.timedelta(minutes=10):
                    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 10 + 10)
                    self._send(writer, "2051", start, now)
                    next_minute_upload = now
                self._resend_due(writer)
                await writer.drain()
                try:
                    await asyncio.wait_for(self.stop.wait(), self.interval)
                except TimeoutError:
                    pass
        finally:
            listener.cancel()

    async def _backfill(self, writer) -> None:
        """History a device kept while it was not connected: one real-time value a minute."""
        now = self.now()
        start = now - dt.timedelta(hours=self.backfill_hours)
        at = start.replace(second=0, microsecond=0)
        while at < now and not self.stop.is_set():
            self._send(writer, "2011", at, self.now())
            at += dt.timedelta(minutes=1)
            if self.sent % 200 == 0:
                await writer.drain()
                await asyncio.sleep(0.05)
        await writer.drain()

    def _send(self, writer, cn: str, at: dt.datetime, now: dt.datetime) -> None:
        qn, frame = build_upload(self.device, self.model, cn=cn, at=at, now=now)
        if qn:
            # QNs are milliseconds: two uploads in one millisecond would share one.
            while qn in self.unanswered:
                now += dt.timedelta(milliseconds=1)
                qn, frame = build_upload(self.device, self.model, cn=cn, at=at, now=now)
            self.unanswered[qn] = (asyncio.get_running_loop().time(), frame)
        writer.write(frame)
        self.sent += 1

    def _resend_due(self, writer) -> None:
        loop_time = asyncio.get_running_loop().time()
        for qn, (sent_at, frame) in list(self.unanswered.items()):
            if loop_time - sent_at > self.answer_timeout:
                writer.write(frame)
                self.unanswered[qn] = (loop_time, frame)

    async def _listen(self, reader, writer, codec: hj212.Connection) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            codec.receive_data(data)
            for event in iter(codec.next_event, hj212.NEED_DATA):
                if isinstance(event, hj212.DataAnswer):
                    if self.unanswered.pop(event.request_qn or event.qn or "", None):
                        self.answered += 1
                elif isinstance(event, hj212.Packet) and event.cn == "1012":
                    system_time = hj212.parse_hj_time(event.cp.fields.get("SystemTime", ""), SH)
                    writer.write(build_reply(self.device, event, "9011", "QnRtn=1", self.now()))
                    if system_time is not None:
                        self.clock_offset = system_time - dt.datetime.now(dt.UTC)
                    writer.write(build_reply(self.device, event, "9012", "ExeRtn=1", self.now()))
                elif isinstance(event, hj212.Packet) and event.cn == "1011":
                    writer.write(build_reply(self.device, event, "9011", "QnRtn=1", self.now()))
                    writer.write(build_reply(self.device, event, "1011",
                                             f"SystemTime={format_hj_time(self.now(), SH)}", self.now()))
                    writer.write(build_reply(self.device, event, "9012", "ExeRtn=1", self.now()))
                elif isinstance(event, hj212.ConnectionClosed):
                    return


async def run_devices(devices: list[SimDevice], *, host: str, port: int, interval: float,
                      backfill_hours: float = 0, stop: asyncio.Event, duration: float | None = None) -> list[SimulatedMonitor]:
    monitors = [SimulatedMonitor(d, host=host, port=port, interval=interval, backfill_hours=backfill_hours, stop=stop)
                for d in devices]
    tasks = [asyncio.get_running_loop().create_task(m.run()) for m in monitors]
    if duration is not None:
        asyncio.get_running_loop().call_later(duration, stop.set)
    await stop.wait()
    await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return monitors
