"""Nothing but a message or ManscdpError comes out of parse_manscdp, whatever the bytes:
thousands of seeded random mutations of every fixture."""

from __future__ import annotations

import random
import time

import pytest

from sitewatch.protocols.gb28181.manscdp import (
    AlarmNotify,
    CatalogNotify,
    CatalogResponse,
    ConfigDownloadResponse,
    DeviceInfoResponse,
    DeviceStatusResponse,
    Keepalive,
    ManscdpError,
    Query,
    Unknown,
    parse_manscdp,
)

from .manscdp_support import FIXTURE_NAMES, fixture

MESSAGES = (AlarmNotify, CatalogNotify, CatalogResponse, ConfigDownloadResponse, DeviceInfoResponse,
            DeviceStatusResponse, Keepalive, Query, Unknown)
MUTATIONS_PER_FIXTURE = 150
TOKENS = [b"<", b">", b"&", b"</", b"/>", b"<Item>", b"</Item>", b"</Response>", b"<!DOCTYPE x>", b"<!--",
          b"-->", b"<?", b"?>", b"=", b'"', b"'", b"\x00", b"\xff\xfe", "东".encode("gb18030"), b"&#0;",
          b"&#x110000;", b"&lol;", b"<a:b>", b"<![CDATA[", b"]]>", b"\r\n", b" Num=", b"<Info>"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:  # delete a run
            del data[at : at + rng.randint(1, 40)]
        elif kind == 2:  # insert a markup token
            data[at:at] = rng.choice(TOKENS)
        elif kind == 3:  # insert random bytes
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 4:  # duplicate a slice somewhere else
            start = rng.randrange(len(data) + 1)
            chunk = data[start : start + rng.randint(1, 60)]
            data[at:at] = chunk
        else:  # truncate
            del data[at:]
    return bytes(data)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_mutated_fixture_gives_a_message_or_a_manscdp_error(name):
    rng = random.Random(f"manscdp-fuzz-{name}")
    original = fixture(name)
    outcomes = {"message": 0, "error": 0}
    for _ in range(MUTATIONS_PER_FIXTURE):
        body = mutate(original, rng)
        try:
            message = parse_manscdp(body)
        except ManscdpError:
            outcomes["error"] += 1
        else:
            assert isinstance(message, MESSAGES), (body, message)
            outcomes["message"] += 1
    # The mutations must exercise both paths, or the test proves nothing.
    assert outcomes["message"] > 0 and outcomes["error"] > 0, outcomes


def test_random_bytes_give_a_manscdp_error():
    rng = random.Random("manscdp-fuzz-random")
    for _ in range(300):
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        with pytest.raises(ManscdpError):
            parse_manscdp(body)


PATHOLOGICAL = {
    "unclosed comments": b"<!--" * 60000,
    "unclosed instructions": b"<?" * 120000,
    "unclosed start tags": b"<a " * 80000,
    "children of one element": b"<Response>" + b"<a/> " * 50000,
    "stray end tags under a deep stack": b"<R>" + b"<a>" * 30000 + b"</zz>" * 30000 + b"</R>",
    "bare ampersands": b"<R>" + b"&" * 200000 + b"</R>",
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_body_near_the_cap_is_handled_in_linear_time(name):
    # Each of these once took, or would take, time quadratic in the body (a lazy regex
    # rescanning from every unclosed "<!--"): tens of seconds per packet at the cap.
    body = PATHOLOGICAL[name]
    started = time.perf_counter()
    with pytest.raises(ManscdpError):
        parse_manscdp(body)
    assert time.perf_counter() - started < 2.0


def test_deeply_nested_body_is_handled():
    body = b"<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><DeviceList><Item><DeviceID>2</DeviceID>"
    body += b"<X>" * 20000 + b"</X>" * 20000 + b"</Item></DeviceList></Response>"
    message = parse_manscdp(body)
    assert [item.device_id for item in message.items] == ["2"]
    assert len(message.items[0].extra) == 1  # flattened to the depth limit, no deeper
