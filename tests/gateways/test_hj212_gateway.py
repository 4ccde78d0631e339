"""The HJ 212 gateway over real sockets on 127.0.0.1, storing through the test database.

The gateway stores on its worker thread with a connection of its own, so these tests use
committed data (`transactional_db`) and rebuild the demo world each time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sitewatch.core.demo import build_demo
from sitewatch.gateways.hj212 import Gateway
from sitewatch.monitoring.models import DeviceState, UnregisteredDevice
from sitewatch.protocols import hj212
from sitewatch.registry.models import Device
from sitewatch.telemetry.models import Reading

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def world(transactional_db, settings):
    build_demo()
    settings.HJ212_CALIBRATE_ON_CONNECT = False


@pytest.fixture
def monitor():
    return Device.objects.filter(kind="dust_monitor", project__district__name="霞山区").first()


@pytest.fixture
def other_monitor():
    return Device.objects.filter(kind="dust_monitor", project__district__name="赤坎区").first()


def upload(device, *, minute=0, flag=5, cn="2011", pw=None, mn=None, extra="", variant=hj212.CrcVariant.STANDARD):
    at = dt.datetime(2026, 11, 25, 10, minute, 0, tzinfo=SH)
    segment = (f"QN={at:%Y%m%d%H%M%S}{minute:03d};ST=39;CN={cn};PW={pw or device.hj212_password};"
               f"MN={mn or device.hj212_mn};Flag={flag};CP=&&DataTime={at:%Y%m%d%H%M%S};"
               f"a34002-Rtd={80 + minute}.5,a34002-Flag=N;a34004-Rtd=35.0,a34004-Flag=N{extra}&&")
    return hj212.build_frame(segment, variant)


def frames_of(data: bytes) -> list[hj212.Packet]:
    conn = hj212.Connection(zone=SH, auto_detect_crc=True)
    if data:
        conn.receive_data(data)
    return [e for e in iter(conn.next_event, hj212.NEED_DATA) if isinstance(e, hj212.Packet)]


class Device_:
    """A device: a TCP client of the gateway."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port):
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, data: bytes, *, chunk: int | None = None):
        if chunk is None:
            self.writer.write(data)
        else:
            for i in range(0, len(data), chunk):
                self.writer.write(data[i:i + chunk])
                await self.writer.drain()
        await self.writer.drain()

    async def read_answers(self, count: int, timeout: float = 3.0) -> list[hj212.Packet]:
        data = b""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(frames_of(data)) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(self.reader.read(65536), remaining)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
        return frames_of(data)

    async def silent_for(self, seconds: float) -> bool:
        try:
            chunk = await asyncio.wait_for(self.reader.read(65536), seconds)
        except TimeoutError:
            return True
        return chunk == b""

    def close(self):
        self.writer.close()


def run(scenario):
    async def main():
        gateway = Gateway()
        await gateway.start("127.0.0.1", 0)
        try:
            return await scenario(gateway)
        finally:
            await gateway.close()

    return asyncio.run(main())


def test_upload_is_stored_then_answered_with_its_qn(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor))
        answers = await dev.read_answers(1)
        dev.close()
        return answers

    answers = run(scenario)
    assert [(a.cn, a.qn) for a in answers] == [("9014", "20261125100000000")]
    assert Reading.objects.get(device=monitor).pm10 == 80.5


def test_upload_without_answer_bit_is_stored_silently(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor, flag=4))
        silent = await dev.silent_for(0.5)
        dev.close()
        return silent

    assert run(scenario)
    assert Reading.objects.filter(device=monitor).count() == 1


def test_one_byte_at_a_time_and_glued_packets_are_all_answered_in_order(monitor):
    data = upload(monitor, minute=1) + upload(monitor, minute=2) + upload(monitor, minute=3)

    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(data[:40], chunk=1)
        await dev.send(data[40:])
        answers = await dev.read_answers(3)
        dev.close()
        return answers

    assert [a.qn for a in run(scenario)] == ["20261125100100001", "20261125100200002", "20261125100300003"]
    assert Reading.objects.filter(device=monitor).count() == 3


def test_unknown_mn_gets_no_answer_and_is_listed(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor, mn="88888880000001"))
        silent = await dev.silent_for(0.5)
        dev.close()
        return silent, gw.counters["outcome_unknown_mn"]

    silent, counted = run(scenario)
    assert silent and counted == 1
    entry = UnregisteredDevice.objects.get(identifier="88888880000001")
    assert entry.protocol == "hj212" and entry.remote_address.startswith("127.0.0.1:")
    assert not Reading.objects.exists()


def test_wrong_password_gets_no_answer(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor, pw="999999"))
        silent = await dev.silent_for(0.5)
        dev.close()
        return silent

    assert run(scenario)
    assert not Reading.objects.exists()


def test_junk_and_bad_crc_do_not_disturb_the_next_packet(monitor):
    bad = bytearray(upload(monitor, minute=1))
    bad[-4:-2] = b"00" if bad[-4:-2] != b"00" else b"11"

    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(b"\x00\xffGARBAGE##12" + bytes(bad) + b"junk" + upload(monitor, minute=2))
        answers = await dev.read_answers(1)
        dev.close()
        return answers, gw.counters

    answers, counters = run(scenario)
    assert [a.qn for a in answers] == ["20261125100200002"]
    assert counters["bad_bad_crc"] >= 1


def test_a_misbehaving_connection_does_not_stall_another(monitor, other_monitor):
    async def scenario(gw):
        noisy = await Device_.connect(gw.port)
        good = await Device_.connect(gw.port)
        await noisy.send(b"##9999" + b"x" * 5000)  # an endless half frame
        await good.send(upload(other_monitor))
        answers = await good.read_answers(1)
        noisy.close()
        good.close()
        return answers

    assert [a.cn for a in run(scenario)] == ["9014"]


def test_resent_upload_is_answered_again_and_stored_once(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor) + upload(monitor))
        answers = await dev.read_answers(2)
        dev.close()
        return answers

    assert [a.cn for a in run(scenario)] == ["9014", "9014"]
    assert Reading.objects.filter(device=monitor).count() == 1


def test_time_calibration_request_gets_9013_then_1012(monitor):
    at = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)
    segment = (f"QN={at:%Y%m%d%H%M%S}000;ST=39;CN=1013;PW={monitor.hj212_password};MN={monitor.hj212_mn};"
               f"Flag=5;CP=&&&&")

    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(hj212.build_frame(segment))
        answers = await dev.read_answers(2)
        dev.close()
        return answers

    answers = run(scenario)
    assert [a.cn for a in answers] == ["9013", "1012"]
    assert "SystemTime" in answers[1].cp.fields


def test_calibrates_device_time_on_connection_when_enabled(monitor, settings):
    settings.HJ212_CALIBRATE_ON_CONNECT = True

    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor, minute=1) + upload(monitor, minute=2))
        answers = await dev.read_answers(3)
        dev.close()
        return answers

    assert [a.cn for a in run(scenario)] == ["9014", "1012", "9014"]


def test_vendor_crc_device_is_answered_in_its_variant_and_remembered(monitor):
    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(upload(monitor, variant=hj212.CrcVariant.MODBUS_SWAPPED))
        answers = await dev.read_answers(1)
        dev.close()
        return answers

    answers = run(scenario)
    assert answers[0].crc_variant == hj212.CrcVariant.MODBUS_SWAPPED
    assert DeviceState.objects.get(device=monitor).crc_variant == "modbus_swapped"


def test_newest_connection_of_an_mn_wins(monitor):
    async def scenario(gw):
        old = await Device_.connect(gw.port)
        await old.send(upload(monitor, minute=1))
        await old.read_answers(1)
        new = await Device_.connect(gw.port)
        await new.send(upload(monitor, minute=2))
        answers = await new.read_answers(1)
        closed = await old.silent_for(1.0)
        old.close()
        new.close()
        return answers, closed, gw.counters["replaced_connections"]

    answers, old_closed, replaced = run(scenario)
    assert [a.cn for a in answers] == ["9014"] and old_closed and replaced == 1


def test_connections_per_address_are_bounded(monitor, settings):
    settings.HJ212_MAX_CONNECTIONS_PER_ADDRESS = 2

    async def scenario(gw):
        devs = [await Device_.connect(gw.port) for _ in range(3)]
        third_closed = await devs[2].silent_for(1.0)
        await devs[0].send(upload(monitor))
        answers = await devs[0].read_answers(1)
        for dev in devs:
            dev.close()
        return third_closed, answers, gw.counters["refused_connections"]

    third_closed, answers, refused = run(scenario)
    assert third_closed and refused == 1 and [a.cn for a in answers] == ["9014"]


def test_subpackets_answered_after_the_whole_upload_is_stored(monitor):
    at = dt.datetime(2026, 11, 25, 10, 5, tzinfo=SH)
    parts = []
    for pno, factor in ((1, "a34002-Rtd=81.0,a34002-Flag=N"), (2, "a34004-Rtd=33.0,a34004-Flag=N")):
        parts.append(hj212.build_frame(
            f"QN=2026112510050000{pno};ST=39;CN=2011;PW={monitor.hj212_password};MN={monitor.hj212_mn};"
            f"Flag=7;PNUM=2;PNO={pno};CP=&&DataTime={at:%Y%m%d%H%M%S};{factor}&&"))

    async def scenario(gw):
        dev = await Device_.connect(gw.port)
        await dev.send(parts[0])
        nothing_yet = await dev.silent_for(0.5)
        await dev.send(parts[1])
        answers = await dev.read_answers(2)
        dev.close()
        return nothing_yet, answers

    nothing_yet, answers = run(scenario)
    assert nothing_yet
    assert sorted(a.qn for a in answers) == ["20261125100500001", "20261125100500002"]
    reading = Reading.objects.get(device=monitor)
    assert reading.pm10 == 81.0 and reading.pm25 == 33.0


def test_store_failure_means_no_answer(monitor):
    def broken_store(items):
        raise RuntimeError("database is locked")

    async def scenario():
        gw = Gateway(store=broken_store)
        await gw.start("127.0.0.1", 0)
        try:
            dev = await Device_.connect(gw.port)
            await dev.send(upload(monitor))
            silent = await dev.silent_for(1.0)
            dev.close()
            return silent, gw.counters["store_failed"]
        finally:
            await gw.close()

    silent, failed = asyncio.run(scenario())
    assert silent and failed == 1


def test_crc_variant_cleared_by_the_operator_is_no_longer_accepted(monitor):
    gateway = Gateway()
    gateway.crc_variants.update({monitor.hj212_mn: hj212.CrcVariant.NONE, "OTHER": hj212.CrcVariant.MODBUS})
    held = gateway.crc_variants
    gateway._replace_crc_variants({"OTHER": hj212.CrcVariant.MODBUS})
    assert gateway.crc_variants is held and held == {"OTHER": hj212.CrcVariant.MODBUS}
