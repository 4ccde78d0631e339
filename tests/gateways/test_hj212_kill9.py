"""`kill -9` of the HJ 212 gateway under load loses nothing it answered (issue 3).

A real `sitewatch gateway hj212` subprocess runs on a database of its own (a temp SQLite
file, or a throwaway PostgreSQL database when this run's DATABASE_URL is PostgreSQL),
migrated and loaded with the demo world, whose dust monitors are the devices here.
Several device connections send real-time uploads with the answer bit set, pipelined,
and note the QN of every 9014 answer; the gateway is killed with SIGKILL while packets
are still in flight; then every answered upload must be in the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
from zoneinfo import ZoneInfo

from sitewatch.protocols import hj212
from tests.servers import (
    as_utc,
    free_port,
    query,
    run_manage,
    server_env,
    start_gateway,
    stop,
    throwaway_database,
)

SH = ZoneInfo("Asia/Shanghai")
CONNECTIONS = 10
PER_CONNECTION = 1000  # an upper bound: the kill comes long before
BURST = 20
WINDOW = 100  # unanswered packets a connection keeps in flight
KILL_AFTER_ANSWERS = 1500
KILL_DEADLINE_SECONDS = 12
START = dt.datetime(2026, 11, 25, 8, 0, tzinfo=SH)


def uploads(mn: str, pw: str, index: int) -> list[tuple[str, dt.datetime, bytes]]:
    """(QN, DataTime, frame) of one device's real-time uploads, a second apart."""
    packets = []
    for i in range(PER_CONNECTION):
        at = START + dt.timedelta(seconds=i)
        qn = f"{at:%Y%m%d%H%M%S}{index:03d}"
        segment = (f"QN={qn};ST=39;CN=2011;PW={pw};MN={mn};Flag=5;CP=&&DataTime={at:%Y%m%d%H%M%S};"
                   f"a34004-Rtd={30 + i % 50}.0,a34004-Flag=N;a34002-Rtd={60 + i % 70}.0,a34002-Flag=N;"
                   f"a34001-Rtd={120 + i % 90}.0,a34001-Flag=N&&")
        packets.append((qn, at, hj212.build_frame(segment)))
    return packets


class Load:
    def __init__(self, port: int, devices: list[tuple[str, str]]):
        self.port = port
        self.devices = devices
        self.sent = 0
        self.answered: set[tuple[str, str]] = set()  # (MN, QN) of every 9014 received
        self.expected: dict[tuple[str, str], dt.datetime] = {}
        self.enough = asyncio.Event()
        self.killed = False

    async def device(self, index: int, mn: str, pw: str) -> None:
        packets = uploads(mn, pw, index)
        self.expected.update({(mn, qn): at for qn, at, _ in packets})
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        answered_here = 0
        may_send = asyncio.Event()
        may_send.set()

        async def read() -> None:
            nonlocal answered_here
            codec = hj212.Connection(zone=SH, auto_detect_crc=True)
            try:
                while True:
                    try:
                        data = await reader.read(65536)
                    except ConnectionError:
                        data = b""
                    if not data:
                        return
                    codec.receive_data(data)
                    for event in iter(codec.next_event, hj212.NEED_DATA):
                        if isinstance(event, hj212.Packet) and event.cn == "9014":
                            self.answered.add((event.mn, event.qn))
                            answered_here += 1
                    if len(self.answered) >= KILL_AFTER_ANSWERS:
                        self.enough.set()
                    may_send.set()
            finally:
                may_send.set()  # the sender must not wait for answers that will never come

        reading = asyncio.create_task(read())
        try:
            for start in range(0, len(packets), BURST):
                while start - answered_here >= WINDOW and not reading.done():
                    may_send.clear()
                    await may_send.wait()
                if reading.done() or self.killed:
                    break
                writer.write(b"".join(frame for _, _, frame in packets[start:start + BURST]))
                try:
                    await writer.drain()
                except ConnectionError:
                    break
                self.sent += BURST
            await asyncio.wait_for(reading, timeout=10)
        finally:
            writer.close()

    async def run(self, kill) -> tuple[int, int]:
        tasks = [asyncio.create_task(self.device(i, mn, pw)) for i, (mn, pw) in enumerate(self.devices)]
        try:
            await asyncio.wait_for(self.enough.wait(), KILL_DEADLINE_SECONDS)
        except TimeoutError:
            pass
        at_kill = (self.sent, len(self.answered))
        kill()
        self.killed = True
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=15)
        return at_kill


def test_kill_9_during_load_loses_no_answered_reading(tmp_path):
    with throwaway_database(tmp_path, os.environ.get("DATABASE_URL"), label="kill9") as database_url:
        env = server_env(database_url, tmp_path)
        run_manage(env, "migrate", "--noinput", "-v", "0")
        run_manage(env, "demo")
        devices = query(database_url, "SELECT hj212_mn, hj212_password FROM registry_device "
                                      "WHERE kind = %s AND hj212_mn IS NOT NULL ORDER BY id", ("dust_monitor",))
        assert len(devices) >= CONNECTIONS
        port = free_port()
        gateway = start_gateway(env, port=port, log=tmp_path / "gateway.log")
        try:
            load = Load(port, devices[:CONNECTIONS])
            sent, answered = asyncio.run(load.run(lambda: os.kill(gateway.pid, signal.SIGKILL)))
            assert gateway.wait(timeout=10) == -signal.SIGKILL
        finally:
            stop(gateway)

        rows = query(database_url, "SELECT d.hj212_mn, r.data_time FROM telemetry_reading r "
                                   "JOIN registry_device d ON d.id = r.device_id WHERE r.cn = %s", ("2011",))
    stored = {(mn, as_utc(at)) for mn, at in rows}
    answered_readings = {(mn, load.expected[mn, qn].astimezone(dt.UTC)) for mn, qn in load.answered}
    assert answered > 200, f"only {answered} answers before the kill"
    assert sent > answered, "the kill must come while uploads are still unanswered"
    missing = answered_readings - stored
    assert not missing, f"{len(missing)} of {len(answered_readings)} answered uploads not stored: {sorted(missing)[:5]}"
