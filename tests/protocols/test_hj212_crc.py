"""The HJ 212 CRC16 of Appendix A and the vendor variants."""

from __future__ import annotations

import random

import pytest

from sitewatch.protocols.hj212 import CrcVariant, crc_for, format_crc, hj212_crc16, modbus_crc16
from sitewatch.protocols.hj212.crc import match_variant

APPENDIX_A_SEGMENT = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


def appendix_a_bitwise(data: bytes) -> int:
    """Appendix A as printed: drop the low byte, XOR the byte in, eight shift/XOR rounds."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            carry = reg & 1
            reg >>= 1
            if carry:
                reg ^= 0xA001
    return reg


def test_check_value_of_123456789_is_2f80():
    assert hj212_crc16(b"123456789") == 0x2F80


def test_modbus_check_value_of_123456789_is_4b37():
    assert modbus_crc16(b"123456789") == 0x4B37


def test_appendix_a_example_frame_crc_is_1c80_not_the_misprinted_1c08():
    assert format_crc(hj212_crc16(APPENDIX_A_SEGMENT)) == "1C80"


@pytest.mark.parametrize("length", [*range(0, 12), 255, 256, 1023, 1024, 1025, 4096])
def test_table_driven_crc_equals_the_bitwise_algorithm(length):
    data = random.Random(length).randbytes(length)
    assert hj212_crc16(data) == appendix_a_bitwise(data)


def test_standard_crc_low_byte_is_always_one_of_eight_values():
    rng = random.Random(7)
    lows = {hj212_crc16(rng.randbytes(rng.randint(1, 64))) & 0xFF for _ in range(2000)}
    assert lows <= {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}


def test_crc_for_each_variant_as_printed():
    modbus = modbus_crc16(APPENDIX_A_SEGMENT)
    standard = hj212_crc16(APPENDIX_A_SEGMENT)
    assert crc_for(APPENDIX_A_SEGMENT, CrcVariant.STANDARD) == standard
    assert crc_for(APPENDIX_A_SEGMENT, CrcVariant.MODBUS) == modbus
    assert crc_for(APPENDIX_A_SEGMENT, CrcVariant.MODBUS_SWAPPED) == ((modbus & 0xFF) << 8) | (modbus >> 8)
    assert crc_for(APPENDIX_A_SEGMENT, CrcVariant.STANDARD_SWAPPED) == 0x801C
    assert crc_for(APPENDIX_A_SEGMENT, CrcVariant.NONE) == standard  # answers still carry a CRC


def test_rx_log_vendor_crc_a6ec_is_modbus_printed_low_byte_first():
    from .hj212_support import BY_NAME

    frame = BY_NAME["rxlog_modbus_swapped"].frame
    segment, printed = frame[6:-4], int(frame[-4:], 16)
    assert printed == 0xA6EC
    assert match_variant(segment, printed, (CrcVariant.MODBUS, CrcVariant.MODBUS_SWAPPED)) is (
        CrcVariant.MODBUS_SWAPPED
    )


def test_format_crc_pads_to_four_upper_case_digits():
    assert format_crc(0x0A1) == "00A1"
