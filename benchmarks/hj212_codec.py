"""Figure: HJ 212 packets per second through one ``Connection``, against a baseline
that only splits the stream on ``##`` and the length field (no CRC, no parsing).

The packets are 2017 real-time dust uploads shaped like the real ones in
tests/fixtures/hj212 (ST=39, Flag=5, PM2.5/PM10/TSP, temperature, humidity, pressure,
wind, noise: about 380 bytes), each with its own QN, DataTime and values. Two feeding
patterns: one packet per ``receive_data`` (what a device connection sees) and 64 KiB
reads (a backlog). Both sides copy each frame's bytes out of the buffer.

    .venv/bin/python benchmarks/hj212_codec.py [--packets 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitewatch.protocols.hj212 import NEED_DATA, Connection, DataUpload, build_frame  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 5, 6, 8, 0, tzinfo=SHANGHAI)


def dust_packets(count: int, seed: int = 39) -> list[bytes]:
    rng = random.Random(seed)
    packets = []
    for i in range(count):
        moment = START + timedelta(seconds=30 * i)
        stamp = moment.strftime("%Y%m%d%H%M%S")
        pm25 = rng.uniform(5, 150)
        values = [
            ("a34004", f"{pm25:.1f}"),
            ("a34002", f"{pm25 * rng.uniform(1.2, 2.0):.1f}"),
            ("a34001", f"{pm25 * rng.uniform(2.0, 3.5):.1f}"),
            ("a01001", f"{rng.uniform(5, 38):.1f}"),
            ("a01002", f"{rng.uniform(20, 99):.1f}"),
            ("a01006", f"{rng.uniform(99.5, 102.5):.2f}"),
            ("a01007", f"{rng.uniform(0, 12):.1f}"),
            ("a01008", f"{rng.randint(0, 359)}"),
            ("LA", f"{rng.uniform(40, 85):.1f}"),
        ]
        cp = ";".join(f"{code}-Rtd={value},{code}-Flag=N" for code, value in values)
        mn = f"44080{rng.randint(0, 9999):04d}A{rng.randint(0, 99999):05d}"
        segment = (
            f"QN={stamp}{i % 1000:03d};ST=39;CN=2011;PW=123456;MN={mn};Flag=5;CP=&&DataTime={stamp};{cp}&&"
        )
        packets.append(build_frame(segment))
    return packets


def run_codec(reads: list[bytes], expected: int) -> float:
    conn = Connection(zone=SHANGHAI)
    now = START
    seen = 0
    started = time.perf_counter()
    for chunk in reads:
        conn.receive_data(chunk)
        while (event := conn.next_event(now)) is not NEED_DATA:
            seen += 1
    elapsed = time.perf_counter() - started
    assert seen == expected and isinstance(event, type(NEED_DATA)), seen
    return elapsed


def run_baseline(reads: list[bytes], expected: int) -> float:
    """Split on "##" and the length field only: the least any framer must do."""
    buf = bytearray()
    seen = 0
    started = time.perf_counter()
    for chunk in reads:
        buf += chunk
        while True:
            start = buf.find(b"##")
            if start < 0:
                del buf[: len(buf) - 1]  # keep a last "#": it may start the next "##"
                break
            if start:
                del buf[:start]
            if len(buf) < 6:
                break
            end = 6 + int(buf[2:6]) + 4
            if len(buf) < end:
                break
            frame = bytes(buf[:end])
            del buf[:end]
            seen += 1
    elapsed = time.perf_counter() - started
    assert seen == expected and frame, seen
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    packets = dust_packets(args.packets)
    stream = b"".join(packets)
    sizes = sorted(len(p) for p in packets)
    check = Connection(zone=SHANGHAI)
    check.receive_data(packets[0])
    assert isinstance(check.next_event(START), DataUpload)
    print(
        f"{args.packets:,} real-time dust packets, {sizes[0]}-{sizes[-1]} bytes, {len(stream) / 1e6:.1f} MB"
    )
    print(f"python {sys.version.split()[0]}, best of {args.repeat}")
    for label, reads in (
        ("one packet per read", packets),
        ("64 KiB reads", [stream[i : i + 65536] for i in range(0, len(stream), 65536)]),
    ):
        codec = min(run_codec(reads, args.packets) for _ in range(args.repeat))
        base = min(run_baseline(reads, args.packets) for _ in range(args.repeat))
        codec_rate, base_rate = args.packets / codec, args.packets / base
        print(
            f"{label:>20}: Connection {codec_rate:>10,.0f} packets/s | baseline (##/length split) "
            f"{base_rate:>10,.0f} packets/s | ratio {base_rate / codec_rate:.1f}x slower"
        )


if __name__ == "__main__":
    main()
