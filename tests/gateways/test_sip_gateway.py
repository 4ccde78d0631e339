"""The SIP gateway over real UDP and TCP sockets on 127.0.0.1, with simulated GB/T 28181
devices, storing through the test database (committed data: `transactional_db`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import time

import pytest

from sitewatch.core.demo import build_demo
from sitewatch.gateways.sip import Gateway
from sitewatch.monitoring.models import Channel, DeviceState, Flip, GbRegistration, UnregisteredDevice
from sitewatch.protocols.gb28181 import manscdp
from sitewatch.registry.models import Device
from sitewatch.simulators.camera import Fleet, SimCamera, SimChannel, channel_ids

DOMAIN, SERVER = "4408000000", "44080000002000000001"


@pytest.fixture(autouse=True)
def world(transactional_db, settings):
    build_demo()
    settings.SIP_KEEPALIVE_INTERVAL = 1
    settings.SIP_KEEPALIVE_MISSES = 2
    settings.SIP_DOMAIN = DOMAIN
    settings.SIP_SERVER_ID = SERVER


@pytest.fixture
def nvr():
    return Device.objects.filter(kind="nvr", gb_device_id__isnull=False).order_by("id").first()


def sim_of(device, *, channels=6, off=(), transport="udp", interval=0.3) -> SimCamera:
    ids = channel_ids(device.gb_device_id, channels)
    return SimCamera(device_id=device.gb_device_id, password=device.gb_password, transport=transport,
                     keepalive_interval=interval,
                     channels=[SimChannel(cid, f"通道{i}", status="OFF" if i in off else "ON")
                               for i, cid in enumerate(ids, 1)])


async def started() -> Gateway:
    gateway = Gateway()
    await gateway.start("127.0.0.1", 0)
    return gateway


async def until(gateway: Gateway, predicate, timeout=8.0):
    """Poll ``predicate`` on the gateway's database thread: reads from another thread would
    meet the test database's table locks (SQLite shared cache) while the gateway writes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await gateway.db.run_sync(predicate):
            return True
        await asyncio.sleep(0.05)
    return await gateway.db.run_sync(predicate)


def channels_of(device):
    return list(Channel.objects.filter(device=device).order_by("gb_channel_id"))


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_device_registers_and_its_two_packet_catalogue_gives_channel_states_and_resolutions(nvr, transport):
    async def scenario():
        gateway = await started()
        sim = sim_of(nvr, channels=6, off={3}, transport=transport)
        sim.set_resolution(1, main="1280x720", sub="640x480")
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start()
        try:
            assert await until(gateway, lambda: Channel.objects.filter(device=nvr).exclude(main_resolution="").count() == 6)
            assert await until(gateway, lambda: GbRegistration.objects.filter(device=nvr, channel_count=6).exists())
        finally:
            await fleet.close()
            await gateway.close()
        return gateway

    gateway = asyncio.run(scenario())
    assert gateway.counters["catalog_packets"] == 2 and gateway.counters["catalogs_complete"] == 1
    channels = channels_of(nvr)
    assert [c.online for c in channels] == [True, True, False, True, True, True]
    assert channels[2].catalog_status == "OFF"
    assert (channels[0].main_resolution, channels[0].sub_resolution) == ("1920x1080", "704x576")
    assert (channels[1].main_resolution, channels[1].sub_resolution) == ("1280x720", "640x480")
    assert {c.resolution_source for c in channels} == {"device_config"}
    reg = GbRegistration.objects.get(device=nvr)
    assert reg.registered and reg.transport == transport and reg.manufacturer == "Hikvision"
    assert DeviceState.objects.get(device=nvr).online


def test_silent_device_goes_offline_on_time_with_its_channels_and_comes_back(nvr):
    async def scenario():
        gateway = await started()
        sim = sim_of(nvr, channels=2)
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start()
        try:
            assert await until(gateway, lambda: Channel.objects.filter(device=nvr, online=True).count() == 2)
            # Its BasicParam answer (3 misses) has been taken in before it goes quiet.
            assert await until(gateway, lambda: GbRegistration.objects.filter(device=nvr, keepalive_misses=3).exists())
            await asyncio.sleep(0.4)  # and at least one keepalive since
            sim.go_offline()
            silent_at = time.monotonic()
            assert await until(gateway, lambda: not DeviceState.objects.get(device=nvr).online, timeout=6)
            lost_after = time.monotonic() - silent_at
            # Before it comes back: the keepalive it went silent after, and the loss.
            gap = await gateway.db.run_sync(lambda: Flip.objects.get(
                device=nvr, channel=None, reason="keepalive_missed").at - GbRegistration.objects.get(
                device=nvr).last_keepalive_at)
            assert await until(gateway, lambda: not Channel.objects.filter(device=nvr, online=True).exists())
            sim.come_back()
            assert await until(gateway, lambda: DeviceState.objects.get(device=nvr).online, timeout=8)
            assert await until(gateway, lambda: Channel.objects.filter(device=nvr, online=True).count() == 2)
        finally:
            await fleet.close()
            await gateway.close()
        return lost_after, gap

    lost_after, gap = asyncio.run(scenario())
    # The device's BasicParam says 3 misses (the platform's setting is 2) at 1 s: lost 3 s
    # after its last keepalive (at most 0.3 s before it went silent), recorded within 1 s.
    assert lost_after >= 3 - 0.3 - 0.1
    assert dt.timedelta(seconds=3) <= gap <= dt.timedelta(seconds=3 + 1)
    device_reasons = list(Flip.objects.filter(device=nvr, channel=None).order_by("at", "id")
                          .values_list("reason", flat=True))
    assert device_reasons == ["register", "keepalive_missed", "register"]
    channel_reasons = set(Flip.objects.filter(device=nvr, channel__isnull=False).values_list("reason", flat=True))
    assert {"parent_offline", "parent_online"} <= channel_reasons


def test_unknown_device_is_refused_and_listed_with_its_district_from_the_id():
    unknown = Device(gb_device_id="44080300001320099999", gb_password="x")  # 霞山区 centre code, not registered

    async def scenario():
        gateway = await started()
        sim = sim_of(unknown, channels=1)
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start(lives=False)
        try:
            assert not await fleet.register(sim)  # 403 after the digest
        finally:
            await fleet.close()
            await gateway.close()

    asyncio.run(scenario())
    entry = UnregisteredDevice.objects.get(protocol="gb28181", identifier="44080300001320099999")
    assert entry.reason == "unknown" and entry.district.name == "霞山区"


def test_hostile_datagrams_and_streams_do_not_disturb_a_registered_device(nvr):
    async def scenario():
        gateway = await started()
        sim = sim_of(nvr, channels=1)
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start()
        try:
            assert await until(gateway, lambda: DeviceState.objects.filter(device=nvr, online=True).exists())
            before = sim.keepalives
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for junk in (b"", b"\x00" * 100, b"REGISTER", b"INVITE sip:x SIP/2.0\r\nVia: ???\r\n\r\n",
                             b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 99999\r\n\r\nabc", bytes(range(256)) * 200,
                             b"SIP/2.0 200 OK\r\n\r\n"):
                    udp.sendto(junk[:60000], ("127.0.0.1", gateway.port))
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(b"\xff\xfe garbage\r\n\r\n" + b"A" * 70000 + b"\r\n\r\nMESSAGE sip:x SIP/2.0\r\n")
            await writer.drain()
            writer.close()
            assert await until(gateway, lambda: sim.keepalives >= before + 3)
        finally:
            await fleet.close()
            await gateway.close()
        return gateway

    gateway = asyncio.run(scenario())
    bad = sum(v for k, v in gateway.counters.items() if k.startswith("bad_"))
    assert bad >= 4
    assert DeviceState.objects.get(device=nvr).online


def test_restart_keeps_devices_online_for_one_keepalive_window(nvr, settings):
    settings.SIP_KEEPALIVE_INTERVAL = 2

    async def scenario():
        gateway = await started()
        sim = sim_of(nvr, channels=1, interval=0.5)
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start()
        assert await until(gateway, lambda: DeviceState.objects.filter(device=nvr, online=True).exists())
        await fleet.close()  # the device goes quiet while the gateway restarts
        await gateway.close()
        restarted = await started()
        try:
            restored = nvr.gb_device_id in restarted.registrar
            await asyncio.sleep(1.5)  # within the 4 s window: still online
            still_online = await restarted.db.run_sync(lambda: DeviceState.objects.get(device=nvr).online)
            assert await until(restarted, lambda: not DeviceState.objects.get(device=nvr).online, timeout=6)
        finally:
            await restarted.close()
        return restored, still_online

    restored, still_online = asyncio.run(scenario())
    assert restored and still_online
    assert Flip.objects.filter(device=nvr, channel=None).first().reason == "keepalive_missed"


def test_resolution_codes_parse_like_the_simulator_sends():
    assert str(manscdp.parse_resolution("6")) == "1920x1080"


def test_rate_limit_drops_a_flood_from_one_address_without_touching_others():
    from sitewatch.gateways.sip import RateLimit

    limit = RateLimit(rate=10, burst=20)
    flood = [limit.allow("10.0.0.1", 100.0) for _ in range(50)]
    assert flood.count(True) == 20
    assert limit.allow("10.0.0.2", 100.0)
    assert not limit.allow("10.0.0.1", 100.05)
    assert limit.allow("10.0.0.1", 100.2)  # refilled at 10 per second


def test_tcp_stream_with_an_oversized_body_is_closed_and_counted():
    async def scenario():
        gateway = await started()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(b"MESSAGE sip:44080000002000000001@4408000000 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1\r\n"
                         b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n"
                         b"Content-Length: 99999999\r\n\r\n")
            await writer.drain()
            closed = await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
        finally:
            await gateway.close()
        return closed, gateway

    closed, gateway = asyncio.run(scenario())
    assert closed
    assert gateway.counters["tcp_closed_bad_framing"] == 1


def test_a_changed_resolution_is_recorded_at_the_next_periodic_query(nvr, settings):
    settings.SIP_QUERY_INTERVAL = 2

    async def scenario():
        gateway = await started()
        sim = sim_of(nvr, channels=1)
        fleet = Fleet([sim], host="127.0.0.1", port=gateway.port, domain=DOMAIN, server_id=SERVER)
        await fleet.start()
        try:
            assert await until(gateway, lambda: Channel.objects.filter(device=nvr, sub_resolution="704x576").exists())
            sim.set_resolution(0, sub="640x480")
            assert await until(gateway, lambda: Channel.objects.filter(device=nvr, sub_resolution="640x480").exists())
        finally:
            await fleet.close()
            await gateway.close()

    asyncio.run(scenario())
    from sitewatch.monitoring.models import StreamResolution

    history = list(StreamResolution.objects.filter(channel__device=nvr, stream="sub").order_by("at")
                   .values_list("resolution", flat=True))
    assert history == ["704x576", "640x480"]
