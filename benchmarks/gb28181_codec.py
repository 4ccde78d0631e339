"""Figure: GB/T 28181 keepalives per second through the codec alone, and microseconds per
step of the SIP gateway's hot path.

For every keepalive datagram the gateway does::

    request = sip.parse_message(datagram)
    request.from_.user
    manscdp.parse_manscdp(request.body)
    sip.serialise(sip.response_to(request, 200, source=address, to_tag=tag))

Each step is timed on its own over all the datagrams (median of ``--repeat`` runs), then
the four together ("keepalive"), which gives keepalives/s for one Python process. No
sockets, registrar or database: the codec alone.

The datagrams are shaped like the Hikvision IPC keepalives in
tests/fixtures/gb28181/sip_messages.txt (about 500 bytes: MESSAGE with rport in Via,
From tag, ``User-Agent: IP Camera``, a UTF-8 or GB2312 ``<Notify>`` body with LF line
endings and an empty ``<Info>``), from ``--devices`` cameras, each datagram with its own
branch, tag, Call-ID, CSeq and SN. A second set has NVR keepalives that list faulty
channels in ``<Info>``: their bodies take the full MANSCDP path (decode, repair,
ElementTree) instead of the keepalive fast path.

    .venv/bin/python benchmarks/gb28181_codec.py [--messages 20000] [--repeat 5] [--devices 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitewatch.protocols.gb28181 import manscdp, sip  # noqa: E402

PLATFORM = "34020000002000000001"
DOMAIN = "3402000000"


def keepalives(
    count: int, devices: int, *, faulty_channels: int = 0, seed: int = 28181
) -> list[tuple[bytes, tuple]]:
    """(datagram, source address) pairs, as cameras (or NVRs) send them."""
    rng = random.Random(seed)
    cameras = [
        (f"{DOMAIN}1{'11' if faulty_channels else '32'}{n:07d}", f"192.168.{n // 250}.{n % 250 + 2}")
        for n in range(devices)
    ]
    sn = dict.fromkeys(range(devices), 0)
    out = []
    for _ in range(count):
        n = rng.randrange(devices)
        device_id, ip = cameras[n]
        sn[n] += 1
        info = [f"{device_id[:10]}132{rng.randrange(10**7):07d}" for _ in range(faulty_channels)]
        encoding = "UTF-8" if n % 2 else "GB2312"
        body = manscdp.build_keepalive(device_id, sn[n], info=info, encoding=encoding).replace(b"\r\n", b"\n")
        if not info:  # as Hikvision writes it: an empty Info
            body = body.replace(b"</Notify>", b"<Info>\n</Info>\n</Notify>")
        padding = " " * rng.choice([0, 0, 2])  # some send "Content-Length:   175"
        head = (
            f"MESSAGE sip:{PLATFORM}@{DOMAIN} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ip}:5060;rport;branch=z9hG4bK{rng.randrange(10**10)}\r\n"
            f"From: <sip:{device_id}@{DOMAIN}>;tag={rng.randrange(10**10)}\r\n"
            f"To: <sip:{PLATFORM}@{DOMAIN}>\r\n"
            f"Call-ID: {rng.randrange(10**10)}\r\n"
            f"CSeq: {20 + sn[n]} MESSAGE\r\n"
            "Content-Type: Application/MANSCDP+xml\r\n"
            "Max-Forwards: 70\r\n"
            "User-Agent: IP Camera\r\n"
            f"Content-Length: {padding}{len(body)}\r\n\r\n"
        )
        out.append((head.encode() + body, (ip, 5060 + rng.randrange(3) * 1000)))
    return out


def median_us(run, repeat: int, count: int) -> float:
    """Median over ``repeat`` runs of one pass, in µs per message."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) / count * 1e6


def measure(data: list[tuple[bytes, tuple]], repeat: int) -> dict[str, float]:
    parse, serialise, response_to, parse_manscdp = (
        sip.parse_message,
        sip.serialise,
        sip.response_to,
        manscdp.parse_manscdp,
    )
    datagrams = [datagram for datagram, _ in data]
    requests = [parse(datagram) for datagram in datagrams]
    bodies = [request.body for request in requests]
    pairs = [(request, source) for request, (_, source) in zip(requests, data, strict=True)]
    tag = "a1b2c3d4"

    def parse_all():
        for datagram in datagrams:
            parse(datagram)

    def from_user_all():
        for request in fresh:
            request.from_.user  # noqa: B018

    def manscdp_all():
        for body in bodies:
            parse_manscdp(body)

    def respond_all():
        for request, source in pairs:
            serialise(response_to(request, 200, source=source, to_tag=tag))

    def keepalive_all():
        for datagram, source in data:
            request = parse(datagram)
            request.from_.user  # noqa: B018
            parse_manscdp(request.body)
            serialise(response_to(request, 200, source=source, to_tag=tag))

    count = len(data)
    results = {"parse_message": median_us(parse_all, repeat, count)}
    from_user = []
    for _ in range(repeat):  # on messages just parsed, as the gateway reads it
        fresh = [parse(datagram) for datagram in datagrams]
        from_user.append(median_us(from_user_all, 1, count))
    results["from_.user"] = statistics.median(from_user)
    results["parse_manscdp"] = median_us(manscdp_all, repeat, count)
    results["response_to+serialise"] = median_us(respond_all, repeat, count)
    results["keepalive (all four)"] = median_us(keepalive_all, repeat, count)
    return results


def check(data: list[tuple[bytes, tuple]]) -> None:
    """The benchmark measures real work: every datagram parses to what it says."""
    for datagram, source in data[:200]:
        request = sip.parse_message(datagram)
        body = manscdp.parse_manscdp(request.body)
        assert isinstance(body, manscdp.Keepalive) and body.device_id == request.from_.user
        response = sip.parse_message(sip.serialise(sip.response_to(request, 200, source=source, to_tag="t")))
        assert response.status == 200 and response.via[0].rport == source[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="median of this many runs")
    parser.add_argument("--devices", type=int, default=500)
    args = parser.parse_args()

    print(
        f"python {sys.version.split()[0]}, {args.messages:,} keepalives per run, median of {args.repeat} runs"
    )
    for label, faulty in (
        ("IPC keepalives (empty Info)", 0),
        ("NVR keepalives (6 faulty channels in Info)", 6),
    ):
        data = keepalives(args.messages, args.devices, faulty_channels=faulty)
        check(data)
        sizes = sorted(len(datagram) for datagram, _ in data)
        results = measure(data, args.repeat)
        print(f"\n{label}, {sizes[0]}-{sizes[-1]} bytes")
        for name, us in results.items():
            print(f"  {name:>22}: {us:6.2f} µs")
        print(f"  {'keepalives/s':>22}: {1e6 / results['keepalive (all four)']:,.0f}")


if __name__ == "__main__":
    main()
