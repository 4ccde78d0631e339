"""Figure: HJ 212 real-time uploads stored and answered per second by one gateway process,
against a bare asyncio server that only frames and answers (no storage) under the same
load in the same run; and the peak RSS of a gateway holding 10,000 idle connections.

The gateway is the real `sitewatch gateway hj212` in a subprocess, on a fresh database
(a temp SQLite file; with --postgres URL a database created on that server and dropped
afterwards) holding the demo world plus C dust monitors, one per connection, each with
its own MN and password.

The load: C connections from W worker processes (asyncio each), every connection first
sends one upload and waits for its answer (the device's first contact: online flip,
time calibration — not timed), then P real-time uploads with Flag=5 (answer bit),
pre-built with `build_frame`, in bursts of B with at most WINDOW unanswered, counting the
9014 answers as they come. Figure: C×P / (last answer − first send). Afterwards the
stored readings are counted in the database.

The bare server (`--bare-server`, run as a subprocess of this script) frames with the
same steps a minimal server must take — find "##", read the length, check the CRC with
`hj212_crc16` — splits the header fields, and answers 9014 (QN echoed, built with
`build_frame`), one write per read. It stores nothing and parses no CP.

The idle figure: a fresh gateway process and N connections from a client process (both
with RLIMIT_NOFILE raised to the hard limit). Each connection is a registered device that
sends one upload, gets its answer (and the time calibration request) and then stays
silent, as a device between uploads does; with --idle-silent they are bare TCP
connections that send nothing. Printed: the gateway's VmRSS before and while it holds
them, and its VmHWM (peak RSS).

Both the load generator and the server under test run on this machine: they share its
cores (2 on the development box), which caps both figures. Each run also prints the
server's CPU seconds by thread (the event loop, and the others: the gateway's database
thread), the load generator's, and how busy the whole machine was: a gateway whose two
threads add up to the wall time while a core stays idle is bound by the GIL, not by the
load generator. The load is pipelined, which devices are not (one upload every 30 s
each), to find the ceiling.

    .venv/bin/python benchmarks/hj212_ingest.py [--connections 200] [--packets 100]
        [--workers 2] [--burst 10] [--window 50] [--idle 10000] [--idle-silent]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--profile DIR]

--profile DIR runs the gateway under cProfile (its event-loop thread and its database
thread profiled separately) and prints the top functions of each.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitewatch.protocols.hj212 import build_frame, hj212_crc16  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 5, 6, 8, 0, tzinfo=SHANGHAI)
ANSWER = b"CN=9014"


def mn_of(i: int) -> str:
    return f"BENCH{i:08d}"


def password_of(i: int) -> str:
    return f"{(i * 7919) % 1_000_000:06d}"


def upload(i: int, n: int) -> bytes:
    """Device i's n-th real-time upload (n=0 is the untimed first contact)."""
    at = START + dt.timedelta(seconds=30 * n)
    stamp = f"{at:%Y%m%d%H%M%S}"
    pm25 = 20 + (i * 31 + n * 7) % 120
    cp = (f"DataTime={stamp};a34004-Rtd={pm25}.0,a34004-Flag=N;a34002-Rtd={pm25 * 1.6:.1f},a34002-Flag=N;"
          f"a34001-Rtd={pm25 * 2.7:.1f},a34001-Flag=N;a01001-Rtd=26.4,a01001-Flag=N;a01002-Rtd=71.0,a01002-Flag=N;"
          f"a01006-Rtd=101.12,a01006-Flag=N;a01007-Rtd=2.3,a01007-Flag=N;a01008-Rtd={n % 360},a01008-Flag=N;"
          f"LA-Rtd=61.5,LA-Flag=N")
    return build_frame(f"QN={stamp}{n % 1000:03d};ST=39;CN=2011;PW={password_of(i)};MN={mn_of(i)};Flag=5;CP=&&{cp}&&")


# --- the load generator (worker processes) ---------------------------------------------

def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def load_worker(port: int, devices: list[int], packets: int, burst: int, window: int, timeout: float,
                barrier, results) -> None:
    raise_nofile()
    plans = {i: (upload(i, 0), [b"".join(upload(i, n) for n in range(s, min(s + burst, packets + 1)))
                                for s in range(1, packets + 1, burst)]) for i in devices}
    results.put(asyncio.run(_load(port, plans, packets, burst, window, timeout, barrier)))


async def _load(port, plans, packets, burst, window, timeout, barrier) -> dict:
    loop = asyncio.get_running_loop()
    conns = {}
    for i, (first, _) in plans.items():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(first)
        conns[i] = (reader, writer)
    for reader, _ in conns.values():  # first contact answered (online flip, calibration)
        data = b""
        while ANSWER not in data:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                raise RuntimeError("server closed a connection during warm-up")
            data += chunk
    await loop.run_in_executor(None, barrier.wait)  # every worker ready; the parent notes CPU times
    cpu_before = time.process_time()
    started = time.monotonic()
    last_answers = []
    answered = 0

    async def device(i: int) -> None:
        nonlocal answered
        reader, writer = conns[i]
        bursts = plans[i][1]
        got = 0
        progress = asyncio.Event()

        async def read() -> None:
            nonlocal got, answered
            tail = b""
            while got < packets:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                data = tail + chunk
                n = data.count(ANSWER)
                got += n
                answered += n
                tail = data[-(len(ANSWER) - 1):]
                progress.set()
            last_answers.append(time.monotonic())

        reading = asyncio.create_task(read())
        sent = 0
        for chunk in bursts:
            while sent - got >= window and not reading.done():
                progress.clear()
                await progress.wait()
            writer.write(chunk)
            sent += burst
            await writer.drain()
        await reading
        writer.close()

    try:
        await asyncio.wait_for(asyncio.gather(*(device(i) for i in conns)), timeout)
    except TimeoutError:
        pass
    return {"answered": answered, "started": started, "finished": max(last_answers, default=time.monotonic()),
            "cpu": time.process_time() - cpu_before}


def run_load(port: int, server_pid: int, args) -> dict:
    devices = list(range(args.connections))
    shares = [devices[k::args.workers] for k in range(args.workers)]
    barrier = multiprocessing.Barrier(args.workers + 1)
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=load_worker, args=(port, share, args.packets, args.burst, args.window,
                                                                 args.timeout, barrier, results))
               for share in shares]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=args.timeout)
    cpu_before, machine_before = thread_cpu(server_pid), machine_cpu()
    parts = [results.get(timeout=args.timeout + 30) for _ in workers]
    cpu_after, machine_after = thread_cpu(server_pid), machine_cpu()
    for worker in workers:
        worker.join(timeout=10)
    elapsed = max(p["finished"] for p in parts) - min(p["started"] for p in parts)
    answered = sum(p["answered"] for p in parts)
    cpu = {name: cpu_after.get(name, 0) - cpu_before.get(name, 0) for name in cpu_after}
    busy = [after - before for before, after in zip(machine_before, machine_after, strict=True)]
    return {"answered": answered, "elapsed": elapsed, "rate": answered / elapsed, "server_cpu": cpu,
            "client_cpu": sum(p["cpu"] for p in parts), "machine_busy": busy[0] / max(1e-9, busy[1])}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return float(sum(fields) - idle), float(sum(fields))


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of a process from /proc: its main thread (the event loop) and the others
    (the gateway's database thread)."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = "loop" if task.name == str(pid) else "threads"
        fields = stat[stat.rindex(")") + 2:].split()
        cpu[name] = cpu.get(name, 0) + (int(fields[11]) + int(fields[12])) / ticks
    return cpu


def memory(pid: int) -> dict[str, int]:
    """VmHWM (peak RSS) and VmRSS in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


# --- the bare server -------------------------------------------------------------------

class BareProtocol(asyncio.Protocol):
    """Frames (## + length + CRC) and answers 9014; nothing else."""

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        answers = []
        while True:
            start = buf.find(b"##")
            if start < 0:
                del buf[:max(0, len(buf) - 1)]
                break
            if start:
                del buf[:start]
            if len(buf) < 6:
                break
            try:
                length = int(buf[2:6])
            except ValueError:
                del buf[:2]
                continue
            end = 6 + length + 4
            if len(buf) < end:
                break
            segment = bytes(buf[6:6 + length])
            printed = bytes(buf[6 + length:end])
            del buf[:end]
            try:
                if int(printed, 16) != hj212_crc16(segment):
                    continue
            except ValueError:
                continue
            head = segment[:segment.find(b"CP=&&")].decode("utf-8", "replace")
            fields = dict(item.split("=", 1) for item in head.split(";") if "=" in item)
            flag = int(fields.get("Flag", "0") or 0)
            if flag & 1:
                answers.append(build_frame(f"QN={fields.get('QN', '')};ST=91;CN=9014;PW={fields.get('PW', '')};"
                                           f"MN={fields.get('MN', '')};Flag={flag & 0xFC};CP=&&&&"))
        if answers:
            self.transport.write(b"".join(answers))


def bare_server(port: int) -> None:
    raise_nofile()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(BareProtocol, "127.0.0.1", port, backlog=4096)
        print("bare server ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- the idle connections ---------------------------------------------------------------

def idle_client(port: int, devices: range, silent: bool, ready, done) -> None:
    raise_nofile()
    sockets = []
    for i in devices:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if not silent:
            sock.sendall(upload(i, 0))
        sockets.append(sock)
    for sock in sockets if not silent else []:
        data = b""
        while ANSWER not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    for sock in sockets:
        sock.settimeout(None)  # blocking again: MSG_DONTWAIT below must not wait out a timeout
    time.sleep(1.0)
    alive = 0
    for sock in sockets:  # refused or dropped connections read as EOF or a reset
        try:
            alive += sock.recv(1, socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    ready.put(alive)
    done.wait(60)
    for sock in sockets:
        sock.close()


def run_idle(port: int, server_pid: int, devices: range, silent: bool) -> dict:
    before = memory(server_pid)
    ready, done = multiprocessing.Queue(), multiprocessing.Event()
    client = multiprocessing.Process(target=idle_client, args=(port, devices, silent, ready, done))
    client.start()
    started = time.monotonic()
    alive = ready.get(timeout=300)
    held = memory(server_pid)
    done.set()
    client.join(timeout=30)
    return {"before": before, "held": held, "alive": alive, "seconds": time.monotonic() - started}


# --- the profiled gateway ----------------------------------------------------------------

def profiled_gateway(out: Path, argv: list[str]) -> None:
    """`sitewatch <argv>` with the event loop and the database thread under cProfile."""
    import cProfile

    from sitewatch import manage
    from sitewatch.gateways import batcher

    db_profile = cProfile.Profile()
    store = batcher.Batcher._store

    def profiled_store(self, items):
        db_profile.enable()
        try:
            return store(self, items)
        finally:
            db_profile.disable()

    batcher.Batcher._store = profiled_store
    loop_profile = cProfile.Profile()
    sys.argv = ["sitewatch", *argv]
    loop_profile.enable()
    try:
        manage.main()
    finally:
        loop_profile.disable()
        loop_profile.dump_stats(out / "loop.prof")
        db_profile.dump_stats(out / "db.prof")


def print_profile(out: Path) -> None:
    import pstats

    for name in ("loop", "db"):
        print(f"\n--- gateway {name} thread, top 25 by own time ---")
        pstats.Stats(str(out / f"{name}.prof")).sort_stats("tottime").print_stats(25)


# --- the run -----------------------------------------------------------------------------

def setup_database(database_url: str, connections: int) -> None:
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY="benchmark", DJANGO_SETTINGS_MODULE="sitewatch.settings",
                      LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections as db_connections

    from sitewatch.accounts.audit import acting_as
    from sitewatch.core.demo import build_demo
    from sitewatch.registry.models import Device, DeviceKind, Project

    call_command("migrate", verbosity=0)
    build_demo()
    projects = list(Project.objects.order_by("id"))
    with acting_as(None, via="command"):
        Device.objects.bulk_create([
            Device(project=projects[i % len(projects)], kind=DeviceKind.DUST_MONITOR, name=f"基准扬尘监测仪{i:05d}",
                   hj212_mn=mn_of(i), hj212_password=password_of(i))
            for i in range(connections)
        ], batch_size=1000)
    db_connections.close_all()  # before forking the load generator


def stored_readings() -> int:
    from django.db import connections

    from sitewatch.telemetry.models import Reading

    try:
        return Reading.objects.filter(cn="2011", device__hj212_mn__startswith="BENCH").count()
    finally:
        connections.close_all()  # before forking again, and before the database is dropped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", "-c", type=int, default=200)
    parser.add_argument("--packets", "-p", type=int, default=100, help="timed uploads per connection")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--burst", type=int, default=10, help="uploads per write")
    parser.add_argument("--window", type=int, default=50, help="unanswered uploads per connection at most")
    parser.add_argument("--idle", type=int, default=10_000, help="idle connections (0: skip)")
    parser.add_argument("--idle-silent", action="store_true", help="idle connections send nothing at all")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--postgres", metavar="URL", help="server to create the throwaway database on")
    parser.add_argument("--profile", metavar="DIR", type=Path, help="run the gateway under cProfile, stats in DIR")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--profiled-gateway", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    if args.profiled_gateway:
        profiled_gateway(args.profiled_gateway, rest)
        return

    from tests.servers import throwaway_database

    tmp = Path(tempfile.mkdtemp(prefix="sw-hj212-bench-"))
    try:
        with throwaway_database(tmp, args.postgres, label="hj212_ingest") as database_url:
            run(args, database_url, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, database_url: str, tmp: Path) -> None:
    from tests.servers import free_port, server_env, start_gateway, stop

    setup_database(database_url, args.connections + (0 if args.idle_silent else args.idle))
    from django.db import connection

    vendor = connection.vendor
    env = server_env(database_url, tmp, HJ212_MAX_CONNECTIONS_PER_ADDRESS="1000000",
                     HJ212_MAX_CONNECTIONS=str(max(20_000, args.idle + 1000)))

    def gateway(log_name: str) -> tuple[subprocess.Popen, int]:
        port = free_port()
        argv = None
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, str(Path(__file__).resolve()), "--profiled-gateway", str(args.profile),
                    "gateway", "hj212", "--host", "127.0.0.1", "--port", str(port)]
        return start_gateway(env, port=port, log=tmp / log_name, argv=argv, preexec_fn=raise_nofile), port

    total = args.connections * args.packets
    print(f"database={vendor} connections={args.connections} packets/connection={args.packets} "
          f"({total:,} timed uploads) workers={args.workers} burst={args.burst} window={args.window} "
          f"cpus={os.cpu_count()} python {sys.version.split()[0]}")

    process, port = gateway("gateway.log")
    try:
        stored = run_load(port, process.pid, args)
    finally:
        stop(process, timeout=60)
    readings = stored_readings()
    expected = args.connections * (args.packets + 1)
    print(f"gateway: {stored['answered']:,} answered in {stored['elapsed']:.2f} s = "
          f"{stored['rate']:,.0f} packets/s stored and answered; readings in database {readings:,} "
          f"(expected {expected:,}){'' if readings == expected else '  MISMATCH'}")
    print(f"  gateway CPU s by thread {fmt_cpu(stored['server_cpu'])}; load generator CPU s "
          f"{stored['client_cpu']:.2f}; machine busy {stored['machine_busy']:.0%} of {os.cpu_count()} cores")
    if args.profile:
        print_profile(args.profile)

    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--bare-server", str(bare_port)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        bare.stdout.readline()
        baseline = run_load(bare_port, bare.pid, args)
    finally:
        stop(bare)
    print(f"bare framer: {baseline['answered']:,} answered in {baseline['elapsed']:.2f} s = "
          f"{baseline['rate']:,.0f} packets/s answered (no storage)")
    print(f"  server CPU s {fmt_cpu(baseline['server_cpu'])}; load generator CPU s {baseline['client_cpu']:.2f}; "
          f"machine busy {baseline['machine_busy']:.0%} of {os.cpu_count()} cores")
    print(f"ratio gateway / bare framer: {stored['rate'] / baseline['rate']:.2f}")

    if args.idle:
        process, port = gateway("gateway-idle.log")
        try:
            idle = run_idle(port, process.pid, range(args.connections, args.connections + args.idle),
                            args.idle_silent)
        finally:
            stop(process, timeout=60)
        kind = "silent TCP" if args.idle_silent else "device (one upload each, then silent)"
        print(f"idle: {idle['alive']:,} of {args.idle:,} {kind} connections held open; gateway RSS "
              f"{idle['before']['VmRSS'] / 1024:.0f} MiB before, {idle['held']['VmRSS'] / 1024:.0f} MiB holding "
              f"them, peak (VmHWM) {idle['held']['VmHWM'] / 1024:.0f} MiB = "
              f"{(idle['held']['VmRSS'] - idle['before']['VmRSS']) / max(1, idle['alive']):.1f} KiB per connection")


def fmt_cpu(cpu: dict[str, float]) -> str:
    return ", ".join(f"{name}={seconds:.2f}" for name, seconds in sorted(cpu.items()) if seconds >= 0.01) or "-"


if __name__ == "__main__":
    main()
