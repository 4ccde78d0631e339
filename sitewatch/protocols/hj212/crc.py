"""The HJ 212 CRC16 (Appendix A) and the vendor variants seen in real traffic.

Appendix A of HJ 212-2017 calls its checksum "CRC16" but it is not CRC-16/MODBUS: for
every byte the register first drops its low byte (``reg = (reg >> 8) ^ byte``) and only
then runs the eight shift/XOR-0xA001 rounds. Only the old high byte survives from one
byte to the next, so the state between bytes is 8 bits wide and the result is
``T[hi ^ last_byte]`` (T = the reflected 0xA001 table). Check values for b"123456789":
HJ 212 0x2F80, CRC-16/MODBUS 0x4B37. The standard's own example frame ends in ``1C80``
(the sentence under it says "1C08", a typo).

Variants (accepted only when the caller allows them for a device, or auto-detects):

* ``MODBUS``: CRC-16/MODBUS printed high byte first (lua-HJ212 ``crc_serial.lua``, RuleGo).
* ``MODBUS_SWAPPED``: the MODBUS register printed low byte first (``A6EC`` for register
  ``ECA6``): 21 of 50 packets in tonyxia2016/HJ212Receiver's real ``rx.log``.
* ``STANDARD_SWAPPED``: the standard CRC with its bytes swapped (a dust-monitor vendor).
* ``NONE``: a per-device "do not check" switch; never auto-detected.
"""

from __future__ import annotations

import enum
import sys

__all__ = [
    "AUTO_DETECTABLE",
    "CrcVariant",
    "crc_for",
    "format_crc",
    "hj212_crc16",
    "match_variant",
    "modbus_crc16",
]


class CrcVariant(enum.StrEnum):
    STANDARD = "standard"
    MODBUS = "modbus"
    MODBUS_SWAPPED = "modbus_swapped"
    STANDARD_SWAPPED = "standard_swapped"
    NONE = "none"


# Order matters only for reporting: the first variant that matches is reported.
AUTO_DETECTABLE: tuple[CrcVariant, ...] = (
    CrcVariant.MODBUS_SWAPPED,
    CrcVariant.MODBUS,
    CrcVariant.STANDARD_SWAPPED,
)


def _build_tables() -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    table = []
    for i in range(256):
        reg = i
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    high = [value >> 8 for value in table]
    # Two bytes at a time: the 16-bit word w (native order) XOR the 8-bit state h puts
    # h on the first byte of the pair, so one lookup advances the state by two bytes.
    little = sys.byteorder == "little"
    pair = [0] * 65536
    for first in range(256):
        after_first = high[first]
        for second in range(256):
            word = first | (second << 8) if little else (first << 8) | second
            pair[word] = high[after_first ^ second]
    return tuple(table), tuple(high), tuple(pair)


_TABLE, _HIGH, _PAIR = _build_tables()
_LITTLE = sys.byteorder == "little"


def hj212_crc16(data: bytes) -> int:
    """The HJ 212-2017 Appendix A CRC of ``data`` (0xFFFF, the initial register, for b"")."""
    n = len(data)
    if n == 0:
        return 0xFFFF
    last = n - 1
    state = 0xFF
    start = last & 1
    if start:
        state = _HIGH[state ^ data[0]]
    if last > start:
        pair = _PAIR
        if _LITTLE:
            for word in memoryview(data)[start:last].cast("H"):
                state = pair[word ^ state]
        else:  # pragma: no cover - big-endian hosts
            for word in memoryview(data)[start:last].cast("H"):
                state = pair[word ^ (state << 8)]
    return _TABLE[state ^ data[last]]


def modbus_crc16(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) of ``data``."""
    reg = 0xFFFF
    table = _TABLE
    for byte in data:
        reg = (reg >> 8) ^ table[(reg ^ byte) & 0xFF]
    return reg


def _swap(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8)


def crc_for(data: bytes, variant: CrcVariant) -> int:
    """The value a device using ``variant`` prints (as 4 hex digits) for ``data``."""
    if variant is CrcVariant.MODBUS:
        return modbus_crc16(data)
    if variant is CrcVariant.MODBUS_SWAPPED:
        return _swap(modbus_crc16(data))
    if variant is CrcVariant.STANDARD_SWAPPED:
        return _swap(hj212_crc16(data))
    return hj212_crc16(data)  # STANDARD, and NONE answers with the standard CRC


def format_crc(value: int) -> str:
    return f"{value:04X}"


def match_variant(data: bytes, printed: int, candidates: tuple[CrcVariant, ...]) -> CrcVariant | None:
    """The first of ``candidates`` whose CRC of ``data`` equals ``printed``, if any."""
    modbus: int | None = None
    for variant in candidates:
        if variant is CrcVariant.STANDARD:
            value = hj212_crc16(data)
        elif variant is CrcVariant.STANDARD_SWAPPED:
            value = _swap(hj212_crc16(data))
        elif variant in (CrcVariant.MODBUS, CrcVariant.MODBUS_SWAPPED):
            if modbus is None:
                modbus = modbus_crc16(data)
            value = modbus if variant is CrcVariant.MODBUS else _swap(modbus)
        else:
            continue
        if value == printed:
            return variant
    return None
