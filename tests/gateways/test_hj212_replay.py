"""Real public HJ 212 packets replayed over TCP to the gateway: stored with the right values and
times, and answered exactly when they ask for it (fixtures: tests/fixtures/hj212/real_packets.ini)."""

from __future__ import annotations

import asyncio

import pytest

from sitewatch.core.demo import build_demo
from sitewatch.gateways.hj212 import Gateway
from sitewatch.protocols import hj212
from sitewatch.registry.models import Device, Project
from sitewatch.telemetry.models import Reading
from tests.gateways.test_hj212_gateway import Device_
from tests.protocols.hj212_support import REAL, SHANGHAI

UPLOADS = [f for f in REAL if f.expect.get("event") == "DataUpload"]
BAD = [f for f in REAL if f.expect.get("event") == "BadFrame"]


def decoded(fixture) -> hj212.DataUpload:
    """What the codec makes of the frame on its own (its tests check that against the fixture)."""
    conn = hj212.Connection(zone=SHANGHAI, auto_detect_crc=True)
    conn.receive_data(fixture.frame + b"\r\n")
    return conn.next_event()


def _header(frame: bytes) -> dict[str, str]:
    segment = frame.decode("utf-8", errors="replace").split("CP=&&")[0]
    return dict(item.split("=", 1) for item in segment[6:].split(";") if "=" in item)


@pytest.fixture
def registered(transactional_db, settings):
    """A dust monitor registered for every MN in the real uploads, with the PW they carry."""
    build_demo()
    settings.HJ212_CALIBRATE_ON_CONNECT = False
    project = Project.objects.first()
    for fixture in UPLOADS:
        header = _header(fixture.frame)
        Device.objects.get_or_create(hj212_mn=header["MN"], defaults={
            "project": project, "kind": "dust_monitor", "name": f"回放设备{header['MN']}",
            "hj212_password": header.get("PW", "")})
    return project


def _replay(stream: bytes) -> tuple[list[hj212.Packet], dict]:
    async def scenario():
        gateway = Gateway()
        await gateway.start("127.0.0.1", 0)
        try:
            dev = await Device_.connect(gateway.port)
            await dev.send(stream)
            answers = await dev.read_answers(len(UPLOADS), timeout=3.0)
            dev.close()
            return answers, dict(gateway.counters)
        finally:
            await gateway.close()

    return asyncio.run(scenario())


def test_real_uploads_are_stored_with_their_times_and_values(registered):
    stream = b"".join(f.frame + b"\r\n" for f in UPLOADS)
    _replay(stream)
    for fixture in UPLOADS:
        event = decoded(fixture)
        reading = Reading.objects.get(device__hj212_mn=event.mn, cn=event.cn, data_time=event.data_time)
        assert reading.data_time == event.data_time
        for code, factor in event.factors.items():
            for suffix, text in factor.values.items():
                stored = reading.values[code][suffix]
                assert str(stored) == text or float(stored) == pytest.approx(float(text)), (fixture.name, code)


def test_real_uploads_are_answered_exactly_when_they_ask(registered):
    stream = b"junk\x00".join(f.frame + b"\r\n" for f in UPLOADS)
    answers, counters = _replay(stream)
    asked = sorted(decoded(f).qn for f in UPLOADS if decoded(f).needs_answer)
    assert sorted(a.qn for a in answers if a.cn == "9014") == asked
    assert counters["outcome_stored"] + counters.get("outcome_duplicate", 0) == len(UPLOADS)


def test_real_broken_frames_are_counted_and_not_stored(registered):
    before = Reading.objects.count()
    answers, counters = _replay(b"".join(f.frame + b"\r\n" for f in BAD))
    assert answers == [] and Reading.objects.count() == before
    assert sum(v for k, v in counters.items() if k.startswith("bad_")) >= len(BAD)
