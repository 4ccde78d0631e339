"""Video resolutions as GB/T 28181 writes them.

Two forms appear: the resolution codes of the SDP ``f=`` field (2016 Appendix F, 2022
Appendix G), also used by ``VideoParamOpt``/``VideoParamAttribute`` and catalogue
``Info/Resolution``; and ``WxH`` (2022, "其余分辨率用WxH表示"), which devices also write
as ``1920*1080``, ``1920X1080`` or ``1920×1080``. Several values are ``/``-separated.

The regulator's rule "main stream ≥ 1920×1080, sub-stream ≥ 704×576" maps onto codes 6
(1080P) and 4 (D1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["RESOLUTION_CODES", "Resolution", "format_resolutions", "parse_resolution", "parse_resolutions"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """Width × height in pixels. ``code`` remembers the f-code it was written as (not part
    of equality: code 3 and code 4 are the same 704×576)."""

    width: int
    height: int
    code: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def meets(self, minimum: Resolution) -> bool:
        """At least ``minimum`` in both dimensions, orientation-independent: a camera in
        corridor mode sends 1080×1920, which is as sharp as 1920×1080, so the long sides
        and the short sides are compared."""
        long_side, short_side = max(self.width, self.height), min(self.width, self.height)
        return long_side >= max(minimum.width, minimum.height) and short_side >= min(minimum.width, minimum.height)


# f-codes. 4 (D1) is 704×576 here, not the broadcast 720×576: in Chinese CCTV usage D1
# and 4CIF name the same 704×576 PAL frame (what DVRs and IPC sub-streams actually send),
# and the regulator's sub-stream minimum "704×576" is written with D1 in mind.
RESOLUTION_CODES: dict[int, Resolution] = {
    1: Resolution(176, 144, 1),  # QCIF
    2: Resolution(352, 288, 2),  # CIF
    3: Resolution(704, 576, 3),  # 4CIF
    4: Resolution(704, 576, 4),  # D1
    5: Resolution(1280, 720, 5),  # 720P
    6: Resolution(1920, 1080, 6),  # 1080P / 1080I
}

# Names some devices write instead of the code.
_NAMES = {"QCIF": 1, "CIF": 2, "4CIF": 3, "D1": 4, "720P": 5, "1080P": 6, "1080I": 6}
_WXH = re.compile(r"([0-9]{1,5})\s*[xX×*]\s*([0-9]{1,5})")
# Anything past 16K is a typo or garbage, not a camera.
_MAX_SIDE = 16384


def parse_resolution(text: str | None) -> Resolution | None:
    """One resolution from a code (``"6"``), a name (``"1080P"``) or ``WxH`` in any of its
    spellings; None for anything else (including unknown codes and zero sizes)."""
    if not text:
        return None
    value = text.strip()
    if value.isascii() and value.isdigit():
        return RESOLUTION_CODES.get(int(value)) if len(value) <= 2 else None
    name = _NAMES.get(value.upper())
    if name is not None:
        return RESOLUTION_CODES[name]
    match = _WXH.fullmatch(value)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        return None
    return Resolution(width, height)


def parse_resolutions(text: str | None) -> tuple[Resolution, ...]:
    """All resolutions of a ``/``-separated list, unparseable parts skipped."""
    if not text:
        return ()
    found = (parse_resolution(part) for part in text.split("/"))
    return tuple(resolution for resolution in found if resolution is not None)


def format_resolutions(resolutions: tuple[Resolution, ...] | list[Resolution]) -> str:
    """The ``/``-separated text for ``resolutions``: each as its f-code when it was written
    as one, else as ``WxH``."""
    return "/".join(str(r.code) if r.code is not None else str(r) for r in resolutions)
