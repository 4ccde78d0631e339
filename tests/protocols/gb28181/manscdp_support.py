"""Shared helpers for the MANSCDP tests: fixture bytes and the derived NVR catalogue."""

from __future__ import annotations

from pathlib import Path

from sitewatch.protocols.gb28181.manscdp import CatalogResponse, parse_manscdp

MANSCDP_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gb28181" / "manscdp"
FIXTURE_NAMES = sorted(p.name for p in MANSCDP_FIXTURES.glob("*.xml"))

NVR_ID = "34020000001110000001"
NVR_SN = 419315752


def fixture(name: str) -> bytes:
    return (MANSCDP_FIXTURES / name).read_bytes()


def channel_id(n: int) -> str:
    return f"3402000000132{n:07d}"


def nvr_packet(index: int) -> bytes:
    """Packet ``index`` (0-3) of the SRS NVR's 4-packet catalogue (SumNum 8, Num 2). Only
    packet 0 was published; the others are derived from it by renumbering its two
    channels, so they differ from a real packet in nothing the assembler reads but the ids."""
    body = fixture("srs_nvr_catalog_response_gb2312.xml")
    first, second = 2 * index + 1, 2 * index + 2
    return body.replace(channel_id(1).encode(), channel_id(first).encode()).replace(
        channel_id(2).encode(), channel_id(second).encode()
    )


def nvr_response(index: int) -> CatalogResponse:
    message = parse_manscdp(nvr_packet(index))
    assert isinstance(message, CatalogResponse)
    return message
