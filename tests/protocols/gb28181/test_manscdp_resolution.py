"""Resolution codes (SDP f= / Appendix G) and the WxH spellings devices use."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.manscdp import (
    Resolution,
    format_resolutions,
    parse_resolution,
    parse_resolutions,
)

MAIN_MINIMUM = Resolution(1920, 1080)
SUB_MINIMUM = Resolution(704, 576)


@pytest.mark.parametrize(
    ("code", "size"),
    [("1", (176, 144)), ("2", (352, 288)), ("3", (704, 576)), ("4", (704, 576)), ("5", (1280, 720)),
     ("6", (1920, 1080))],
)
def test_codes_map_to_their_pal_sizes(code, size):
    resolution = parse_resolution(code)
    assert (resolution.width, resolution.height, resolution.code) == (*size, int(code))


def test_d1_is_704_wide_as_in_chinese_cctv_usage():
    assert parse_resolution("4") == Resolution(704, 576) != Resolution(720, 576)


@pytest.mark.parametrize("text", ["1920x1080", "1920X1080", "1920*1080", "1920×1080", " 1920 x 1080 ", "1080P", "1080p"])
def test_all_spellings_of_1080p_parse_alike(text):
    assert parse_resolution(text) == Resolution(1920, 1080)


@pytest.mark.parametrize("text", ["D1", "d1", "4CIF"])
def test_names_are_accepted(text):
    assert parse_resolution(text) == Resolution(704, 576)


@pytest.mark.parametrize("text", [None, "", "0", "7", "12", "abc", "0x1080", "1920x0", "99999x1080", "1920x1080x3", "1920/1080"])
def test_unknown_codes_and_nonsense_are_none(text):
    assert parse_resolution(text) is None


def test_str_is_width_x_height():
    assert str(parse_resolution("6")) == "1920x1080"
    assert str(parse_resolution("2560*1440")) == "2560x1440"


def test_code_is_remembered_but_not_compared():
    assert parse_resolution("6").code == 6
    assert parse_resolution("1920x1080").code is None
    assert parse_resolution("6") == parse_resolution("1920x1080")


@pytest.mark.parametrize(
    ("text", "minimum", "meets"),
    [
        ("6", MAIN_MINIMUM, True),
        ("2560x1440", MAIN_MINIMUM, True),
        ("5", MAIN_MINIMUM, False),
        ("1920x1072", MAIN_MINIMUM, False),
        ("1080x1920", MAIN_MINIMUM, True),  # corridor mode: rotated, as sharp
        ("4", SUB_MINIMUM, True),
        ("3", SUB_MINIMUM, True),
        ("640x480", SUB_MINIMUM, False),
        ("2", SUB_MINIMUM, False),
    ],
)
def test_meets_compares_both_sides(text, minimum, meets):
    assert parse_resolution(text).meets(minimum) is meets


def test_slash_separated_lists_keep_order_and_skip_garbage():
    assert parse_resolutions("5/6") == (Resolution(1280, 720), Resolution(1920, 1080))
    assert parse_resolutions("1920*1080/junk/1280*720/") == (Resolution(1920, 1080), Resolution(1280, 720))
    assert parse_resolutions(None) == ()


def test_format_writes_codes_where_they_were_codes():
    assert format_resolutions(parse_resolutions("4/5/2560x1440")) == "4/5/2560x1440"
