"""Shared helpers for the SIP codec tests: fixture loading and feeding the TCP framer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from sitewatch.protocols.gb28181 import NEED_DATA, BadMessage, ConnectionClosed, StreamFramer, parse_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gb28181"


@dataclass(frozen=True)
class Fixture:
    name: str
    meta: dict[str, str]
    published: bytes  # exactly as the source prints it (LF line endings)

    @property
    def ok(self) -> bool:
        return "expect.error" not in self.meta

    @property
    def wire(self) -> bytes:
        return to_wire(self.published, crlf_body=self.meta.get("wire_body") == "crlf")

    def expect(self) -> dict[str, str]:
        return {k.removeprefix("expect."): v for k, v in self.meta.items() if k.startswith("expect.")}


def to_wire(published: bytes, *, crlf_body: bool = False) -> bytes:
    """Header lines joined with CR LF, the blank line, then the body (LFs → CR LFs if asked)."""
    head, sep, body = published.partition(b"\n\n")
    lines = head.rstrip(b"\n").split(b"\n")
    if crlf_body:
        body = body.replace(b"\n", b"\r\n")
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body if sep else b"")


def load(filename: str = "sip_messages.txt") -> list[Fixture]:
    fixtures: list[Fixture] = []
    name: str | None = None
    meta: dict[str, str] = {}
    body: list[str] | None = None

    def close() -> None:
        if name is not None:
            fixtures.append(Fixture(name, meta, "".join(body or []).encode("utf-8")))

    for line in (FIXTURES / filename).read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("=== "):
            close()
            name, meta, body = line[4:].strip(), {}, None
        elif name is None:
            continue  # the file's header comments
        elif body is None:
            if line.rstrip("\n") == "---":
                body = []
            else:
                key, _, value = line.partition(":")
                meta[key.strip()] = value.strip()
        else:
            body.append(line)
    close()
    return fixtures


ALL = load()
OK = [f for f in ALL if f.ok]
BY_NAME = {f.name: f for f in ALL}


def drain(framer: StreamFramer) -> list:
    events = []
    while (event := framer.next_event()) is not NEED_DATA:
        events.append(event)
        if isinstance(event, ConnectionClosed):
            break
    return events


def feed(chunks, **options) -> list:
    """Feed chunks one by one (draining after each), then EOF; every event in order."""
    framer = StreamFramer(**options)
    events = []
    for chunk in chunks:
        framer.receive_data(chunk)
        events += drain(framer)
    framer.receive_data(b"")
    return events + drain(framer)


def whole(data: bytes, **options) -> list:
    return feed([data], **options)


def bytewise(data: bytes, **options) -> list:
    return feed([data[i : i + 1] for i in range(len(data))], **options)


def random_chunks(data: bytes, rng: random.Random, **options) -> list:
    cuts = sorted(rng.sample(range(1, len(data)), k=min(len(data) - 1, rng.randint(1, 12))))
    bounds = [0, *cuts, len(data)]
    return feed([data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], **options)


def kinds(events) -> list[str]:
    """Event names, with a BadMessage's reason: ["Request", "BadMessage:junk", …]."""
    return [f"BadMessage:{e.error.reason}" if isinstance(e, BadMessage) else type(e).__name__ for e in events]


def parsed(fixture: Fixture):
    return parse_message(fixture.wire)
