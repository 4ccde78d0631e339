"""Figures for the GB/T 28181 gateway (issue 4):

1. Keepalives per second processed (answered 200) by one `sitewatch gateway sip` process:
   R devices register with digest, then send keepalive MESSAGEs over UDP as fast as the
   gateway answers them (at most WINDOW unanswered per load process), from W load
   processes. Figure: answered / (last answer − first send).
2. Memory and storage per channel with 300,000 channels tracked on one node: N NVRs × K
   channels written to the database as registered and online, a fresh gateway started
   (it restores every device into its deadline table), each device sends one keepalive;
   printed: the gateway's RSS against a gateway holding no devices, per device and per
   channel, and the database bytes per channel.
3. Detection latency: D devices keep alive every second with SIP_KEEPALIVE_INTERVAL=2 and
   SIP_KEEPALIVE_MISSES=2 (a 4 s window), then all stop at once; for each device, the time
   from its last keepalive + 4 s to the offline flip the gateway recorded: min, median,
   p95, max. Goal: within 1 s.

The gateway runs as a subprocess on a throwaway database (a temp SQLite file, or with
--postgres URL a database created on that server and dropped afterwards) holding the demo
world plus the benchmark's devices. Load and gateway share this machine's cores.

    .venv/bin/python benchmarks/sip_keepalive.py [--devices 2000] [--seconds 5] [--workers 1]
        [--window 400] [--nvrs 10000] [--channels 30] [--detect 300] [--postgres URL]
        [--skip throughput,scale,detect]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitewatch.protocols.gb28181 import digest, manscdp  # noqa: E402
from sitewatch.protocols.gb28181 import sip as sipmsg  # noqa: E402
from tests.servers import (  # noqa: E402
    as_utc,
    free_port,
    manage,
    query,
    run_manage,
    server_env,
    start_gateway,
    stop,
    throwaway_database,
)

DOMAIN, SERVER = "4408000000", "44080000002000000001"
PASSWORD = "Bench2026"


def device_id(i: int) -> str:
    return f"44080200001329{i:06d}"  # 赤坎区 centre code, type 132 (IPC), 9xxxxxx: not the demo's


def nvr_id(i: int) -> str:
    return f"44080200001189{i:06d}"


# --- database ------------------------------------------------------------------------------

def setup(url: str, tmp: Path, *, devices: int, nvrs: int = 0, channels: int = 0) -> None:
    """Migrate, load the demo, add the benchmark's cameras (and NVRs with channels, stored
    as registered and online) — in a subprocess so this process keeps no Django state."""
    env = server_env(url, tmp)
    run_manage(env, "migrate", "--no-input")
    run_manage(env, "demo")
    code = f"""
import datetime as dt
from sitewatch.accounts.audit import acting_as
from sitewatch.monitoring.models import Channel, DeviceState, GbRegistration
from sitewatch.registry.models import Device, DeviceKind, Project
now = dt.datetime.now(dt.UTC)
projects = list(Project.objects.order_by("id"))
with acting_as(None, via="command"):
    Device.objects.bulk_create([Device(project=projects[i % len(projects)], kind=DeviceKind.CAMERA,
        name=f"基准摄像机{{i:06d}}", gb_device_id="44080200001329" + f"{{i:06d}}", gb_password="{PASSWORD}")
        for i in range({devices})], batch_size=2000)
    nvrs = Device.objects.bulk_create([Device(project=projects[i % len(projects)], kind=DeviceKind.NVR,
        name=f"基准NVR{{i:06d}}", gb_device_id="44080200001189" + f"{{i:06d}}", gb_password="{PASSWORD}")
        for i in range({nvrs})], batch_size=2000)
if {nvrs}:
    nvrs = list(Device.objects.filter(kind=DeviceKind.NVR, name__startswith="基准NVR").order_by("id"))
    DeviceState.objects.bulk_create([DeviceState(device=d, online=True, last_seen=now, changed_at=now)
                                     for d in nvrs], batch_size=5000)
    GbRegistration.objects.bulk_create([GbRegistration(device=d, registered=True, transport="udp",
        contact_address="127.0.0.1:5999", registered_at=now, expires_at=now + dt.timedelta(hours=12),
        last_keepalive_at=now, channel_count={channels}) for d in nvrs], batch_size=5000)
    batch = []
    for d in nvrs:
        for k in range({channels}):
            batch.append(Channel(device=d, gb_channel_id=d.gb_device_id[:10] + "131" + f"{{k:07d}}",
                                 name=f"通道{{k + 1}}", catalog_status="ON", online=True, changed_at=now,
                                 first_seen=now, last_catalog_at=now, main_resolution="1920x1080",
                                 sub_resolution="704x576", resolution_source="device_config",
                                 resolution_at=now))
            if len(batch) >= 20000:
                Channel.objects.bulk_create(batch); batch = []
    Channel.objects.bulk_create(batch)
"""
    run_manage(env, "shell", "-c", code, timeout=1800)


def gateway_env(url: str, tmp: Path, **extra: str) -> dict[str, str]:
    return server_env(url, tmp, SIP_DOMAIN=DOMAIN, SIP_SERVER_ID=SERVER, SIP_RATE_PER_ADDRESS="100000000",
                      SIP_KEEPALIVE_INTERVAL=extra.pop("interval", "60"), SIP_KEEPALIVE_MISSES=extra.pop("misses", "3"),
                      **extra)


def start(env: dict[str, str], tmp: Path, name: str) -> tuple:
    port = free_port()
    process = start_gateway(env, port=port, log=tmp / f"{name}.log",
                            argv=manage("gateway", "sip", "--host", "127.0.0.1", "--port", str(port)))
    return process, port


def rss_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


# --- a device client (load processes) ----------------------------------------------------------

class Client(asyncio.DatagramProtocol):
    """Many devices behind one UDP socket: registers them, sends keepalives, counts 200s."""

    def __init__(self):
        self.transport = None
        self.waiting: dict[str, asyncio.Future] = {}
        self.ok = 0
        self.queries = 0
        self.event = asyncio.Event()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if data.startswith(b"SIP/2.0 200") and b" MESSAGE\r\n" in data:
            self.ok += 1
            self.event.set()
            return
        if data.startswith(b"SIP/2.0"):
            try:
                response = sipmsg.parse_message(data)
            except Exception:
                return
            future = self.waiting.pop(response.call_id, None)
            if future is not None and not future.done():
                future.set_result(response)
            return
        self.queries += 1  # the gateway's Catalog/DeviceInfo queries: not answered here


def request(method: str, gb_id: str, local, *, call_id: str, cseq: int, body=b"", headers=None) -> bytes:
    return sipmsg.serialise(sipmsg.build_request(
        method, uri=f"sip:{SERVER}@{DOMAIN}", from_uri=f"sip:{gb_id}@{DOMAIN}", from_tag=f"b{gb_id[-7:]}",
        to_uri=f"sip:{SERVER if method == 'MESSAGE' else gb_id}@{DOMAIN}", call_id=call_id, cseq=cseq,
        via_host=local[0], via_port=local[1], branch=sipmsg.new_branch(), body=body,
        content_type="Application/MANSCDP+xml" if body else None, extra_headers=headers,
        contact=f"<sip:{gb_id}@{local[0]}:{local[1]}>"))


async def exchange(client: Client, data: bytes, call_id: str, timeout=10.0):
    future = asyncio.get_running_loop().create_future()
    client.waiting[call_id] = future
    client.transport.sendto(data)
    return await asyncio.wait_for(future, timeout)


async def register(client: Client, local, gb_id: str, *, expires=3600) -> bool:
    call_id = f"r{secrets.token_hex(6)}"
    answer = await exchange(client, request("REGISTER", gb_id, local, call_id=call_id, cseq=1,
                                            headers=[("Expires", str(expires))]), call_id)
    challenge = digest.parse_digest(answer.headers.get("WWW-Authenticate") or "")
    uri = f"sip:{SERVER}@{DOMAIN}"
    cnonce = secrets.token_hex(4)
    response = digest.expected_response(username=gb_id, realm=challenge["realm"], password=PASSWORD,
                                        method="REGISTER", uri=uri, nonce=challenge["nonce"], nc="00000001",
                                        cnonce=cnonce, qop="auth")
    auth = (f'Digest username="{gb_id}", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", uri="{uri}", '
            f'response="{response}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc=00000001')
    answer = await exchange(client, request("REGISTER", gb_id, local, call_id=call_id, cseq=2,
                                            headers=[("Expires", str(expires)), ("Authorization", auth)]), call_id)
    return answer.status == 200


async def open_client(port: int):
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(Client, local_addr=("127.0.0.1", 0),
                                                            remote_addr=("127.0.0.1", port))
    sock = transport.get_extra_info("socket")
    sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 8 << 20)
    return client, transport.get_extra_info("sockname")[:2]


async def register_all(client, local, ids, concurrency=50) -> int:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(gb_id):
        async with semaphore:
            for _ in range(3):
                try:
                    return await register(client, local, gb_id)
                except TimeoutError:
                    continue
            return False

    return sum(await asyncio.gather(*(one(i) for i in ids)))


def keepalive_worker(port: int, ids: list[str], seconds: float, window: int, barrier, results) -> None:
    async def main():
        client, local = await open_client(port)
        registered = await register_all(client, local, ids)
        await asyncio.sleep(1.0)  # the gateway's first queries arrive and are left unanswered
        frames = [request("MESSAGE", gb_id, local, call_id=f"k{gb_id}", cseq=20,
                          body=manscdp.build_keepalive(gb_id, 1)) for gb_id in ids]
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        client.ok = 0
        sent = 0
        started = time.monotonic()
        deadline = started + seconds
        last = started
        cycle = 0
        while time.monotonic() < deadline:
            while sent - client.ok < window:
                client.transport.sendto(frames[cycle % len(frames)])
                cycle += 1
                sent += 1
            client.event.clear()
            try:
                await asyncio.wait_for(client.event.wait(), 0.5)
            except TimeoutError:
                sent = client.ok  # datagrams lost on the way: refill the window
            last = time.monotonic()
        results.put({"registered": registered, "answered": client.ok, "started": started, "finished": last,
                     "queries": client.queries})

    asyncio.run(main())


# --- the figures -------------------------------------------------------------------------------

def throughput(args, url: str, tmp: Path) -> None:
    setup(url, tmp, devices=args.devices)
    env = gateway_env(url, tmp)
    process, port = start(env, tmp, "throughput")
    try:
        ids = [device_id(i) for i in range(args.devices)]
        shares = [ids[k::args.workers] for k in range(args.workers)]
        barrier = multiprocessing.Barrier(args.workers + 1)
        results = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=keepalive_worker,
                                           args=(port, share, args.seconds, args.window, barrier, results))
                   for share in shares]
        for worker in workers:
            worker.start()
        barrier.wait(timeout=600)
        cpu_before = cpu_seconds(process.pid)
        parts = [results.get(timeout=600) for _ in workers]
        cpu = cpu_seconds(process.pid) - cpu_before
        for worker in workers:
            worker.join(timeout=30)
    finally:
        stop(process)
    answered = sum(p["answered"] for p in parts)
    elapsed = max(p["finished"] for p in parts) - min(p["started"] for p in parts)
    print(f"keepalives: {sum(p['registered'] for p in parts):,} devices registered with digest; "
          f"{answered:,} keepalives answered in {elapsed:.2f} s = {answered / elapsed:,.0f} keepalives/s "
          f"(one gateway process; its CPU {cpu:.2f} s = {cpu / elapsed:.0%} of one core)")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scale(args, url: str, tmp: Path) -> None:
    empty_url_tmp = tmp / "empty"
    empty_url_tmp.mkdir()
    with throwaway_database(empty_url_tmp, url if url.startswith("postgres") else None, label="sipempty") as empty:
        setup(empty, empty_url_tmp, devices=0)
        process, _ = start(gateway_env(empty, empty_url_tmp), empty_url_tmp, "empty")
        time.sleep(1.0)
        baseline = rss_kib(process.pid)["VmRSS"]
        stop(process)
    started = time.monotonic()
    setup(url, tmp, devices=0, nvrs=args.nvrs, channels=args.channels)
    print(f"scale: wrote {args.nvrs:,} NVRs × {args.channels} channels in {time.monotonic() - started:.0f} s")
    channels = query(url, "SELECT COUNT(*) FROM monitoring_channel")[0][0]
    env = gateway_env(url, tmp)
    process, port = start(env, tmp, "scale")
    try:
        time.sleep(1.0)
        restored_rss = rss_kib(process.pid)["VmRSS"]

        async def ping_all():
            client, local = await open_client(port)
            for i in range(args.nvrs):
                client.transport.sendto(request("MESSAGE", nvr_id(i), local, call_id=f"s{i}", cseq=20,
                                                body=manscdp.build_keepalive(nvr_id(i), 1)))
                if i % 200 == 199:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(2.0)
            return client.ok

        answered = asyncio.run(ping_all())
        memory = rss_kib(process.pid)
    finally:
        stop(process)
    size = database_bytes(url)
    print(f"scale: {channels:,} channels of {args.nvrs:,} registered NVRs tracked; the gateway restored them all "
          f"and answered {answered:,} of {args.nvrs:,} keepalives (one each)")
    print(f"  gateway RSS {memory['VmRSS'] / 1024:.0f} MiB (peak {memory['VmHWM'] / 1024:.0f} MiB) against "
          f"{baseline / 1024:.0f} MiB holding no device: {(restored_rss - baseline) * 1024 / args.nvrs:,.0f} bytes "
          f"per registered device, {(restored_rss - baseline) * 1024 / max(1, channels):,.1f} bytes per channel")
    print(f"  database {size / 2**20:,.0f} MiB in all, about {size / max(1, channels):,.0f} bytes per channel "
          f"(demo data included)")


def database_bytes(url: str) -> int:
    if url.startswith("postgres"):
        return int(query(url, "SELECT pg_database_size(current_database())")[0][0])
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def detect(args, url: str, tmp: Path) -> None:
    setup(url, tmp, devices=args.detect)
    interval, misses = 2, 2
    env = gateway_env(url, tmp, interval=str(interval), misses=str(misses))
    process, port = start(env, tmp, "detect")
    try:
        async def run():
            client, local = await open_client(port)
            ids = [device_id(i) for i in range(args.detect)]
            registered = await register_all(client, local, ids)
            for _ in range(4):
                for gb_id in ids:
                    client.transport.sendto(request("MESSAGE", gb_id, local, call_id=f"d{secrets.token_hex(4)}",
                                                    cseq=20, body=manscdp.build_keepalive(gb_id, 1)))
                await asyncio.sleep(1.0)
            return registered

        registered = asyncio.run(run())
        time.sleep(interval * misses + 3)
        rows = query(url, "SELECT r.last_keepalive_at, f.at FROM monitoring_flip f JOIN monitoring_gbregistration r "
                          "ON r.device_id = f.device_id JOIN registry_device d ON d.id = f.device_id "
                          "WHERE f.reason = 'keepalive_missed' AND f.channel_id IS NULL AND d.name LIKE '基准%%'")
    finally:
        stop(process)
    window = dt.timedelta(seconds=interval * misses)
    latencies = sorted((as_utc(at) - as_utc(last) - window).total_seconds() for last, at in rows)
    if not latencies:
        print("detection: no device was seen offline")
        return
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"detection: {len(latencies):,} of {registered:,} devices seen offline after keepalive timeout "
          f"({interval} s × {misses}); delay past the timeout: min {latencies[0]:.2f} s, median "
          f"{statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s (goal ≤ 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--window", type=int, default=400)
    parser.add_argument("--nvrs", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=30)
    parser.add_argument("--detect", type=int, default=300)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"database={'postgresql' if args.postgres else 'sqlite'} cpus={os.cpu_count()} "
          f"python {sys.version.split()[0]}", flush=True)
    for name, figure in (("throughput", throughput), ("scale", scale), ("detect", detect)):
        if name in skip:
            continue
        with tempfile.TemporaryDirectory() as tmp, \
                throwaway_database(Path(tmp), args.postgres, label=f"sip{name}") as url:
            figure(args, url, Path(tmp))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
