"""The data segment: ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&``.

Parsing is lenient because real devices and the standard's own examples are not
consistent (reference hj212.md §5 items 8-10): header fields in any order, separated by
``;`` or ``,`` (Table C.48 prints ``QN=…534,ST=32``), ``Flag=5CP=&&`` without a ``;``
(C.19), spaces around names and values (C.4, C.44), unknown keys (``CmdFlag``, ``USCC``)
kept. In the CP area items are split on ``;`` and ``,``; ``code-Suffix=value`` items become
:class:`Factor` entries (split at the first ``-``, so ``LA-Rtd-Rtd`` is code ``LA`` with
suffix ``Rtd-Rtd``), other ``name=value`` items are plain fields (``DataTime``,
``QnRtn``, a bare ``Flag=N``), and items without ``=`` are kept in ``unparsed``. One bad
item never fails the packet. Values stay the original strings; numbers are parsed
alongside (a round trip through float changes ``1.230`` into ``1.23``, and with it the
CRC, so forward the raw bytes, never a re-serialisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["CpData", "Factor", "Segment", "parse_number", "parse_segment"]

_NUMBER_START = frozenset("0123456789+-.")


def parse_number(text: str) -> float | None:
    """``text`` as a finite float, or None (``N``, ``A01``, ``1.2.3``, ``nan``)."""
    if not text or text[0] not in _NUMBER_START:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(slots=True)
class Factor:
    """One monitored quantity in CP: ``a34004-Rtd=35,a34004-Flag=N`` → code ``a34004``."""

    code: str
    values: dict[str, str] = field(default_factory=dict)  # suffix -> original string
    numbers: dict[str, float | None] = field(default_factory=dict)  # suffix -> parsed value

    def value(self, suffix: str) -> float | None:
        return self.numbers.get(suffix)

    @property
    def flag(self) -> str | None:
        """The data flag (``N`` normal, ``F``, ``M``, ``S``, ``D``, ``C``, ``T``, ``B``)."""
        return self.values.get("Flag")


@dataclass(slots=True)
class CpData:
    """The CP data area, ``CP=&&`` … ``&&``."""

    text: str  # the area between the ampersands, as received
    fields: dict[str, str] = field(default_factory=dict)  # DataTime, QnRtn, SystemTime, …
    factors: dict[str, Factor] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)  # items with no "="

    def merged_with(self, other: CpData) -> CpData:
        """This area followed by ``other`` (subpacket reassembly; later values win)."""
        factors = {code: Factor(code, dict(f.values), dict(f.numbers)) for code, f in self.factors.items()}
        for code, extra in other.factors.items():
            target = factors.get(code)
            if target is None:
                factors[code] = Factor(code, dict(extra.values), dict(extra.numbers))
            else:
                target.values.update(extra.values)
                target.numbers.update(extra.numbers)
        return CpData(
            text=f"{self.text};{other.text}" if self.text and other.text else self.text or other.text,
            fields={**self.fields, **other.fields},
            factors=factors,
            unparsed=[*self.unparsed, *other.unparsed],
        )


@dataclass(slots=True)
class Segment:
    header: dict[str, str]  # every header field, unknown ones included, values stripped
    cp: CpData
    has_cp: bool  # False when the segment has no ``CP=&&`` at all


def _parse_cp(text: str) -> CpData:
    fields: dict[str, str] = {}
    factors: dict[str, Factor] = {}
    unparsed: list[str] = []
    # Devices almost never pad; strip only when the area has whitespace at all.
    padded = " " in text or "\t" in text
    starts = _NUMBER_START
    for group in text.split(";"):
        for item in group.split(",") if "," in group else (group,):
            name, sep, value = item.partition("=")
            if padded:
                name = name.strip()
                value = value.strip()
            if not sep:
                if name:
                    unparsed.append(name)
                continue
            code, dash, suffix = name.partition("-")
            if dash and code and suffix:
                factor = factors.get(code)
                if factor is None:
                    factor = factors[code] = Factor(code, {}, {})
                factor.values[suffix] = value
                number = None
                if value and value[0] in starts:
                    try:
                        number = float(value)
                    except ValueError:
                        pass
                    else:
                        if not math.isfinite(number):
                            number = None
                factor.numbers[suffix] = number
            elif name:
                fields[name] = value
            else:
                unparsed.append(item.strip())
    return CpData(text, fields, factors, unparsed)


def parse_segment(text: str) -> Segment:
    """Split a decoded data segment into header fields and the CP area (never raises)."""
    start = text.find("CP=&&")
    if start < 0:
        head, cp_text, has_cp = text, "", False
    else:
        head = text[:start]
        body = text[start + 5 :]
        # The area ends at the last "&&"; anything after it is not CP (should be empty).
        end = body.rfind("&&")
        cp_text = body[:end] if end >= 0 else body
        has_cp = True
    header: dict[str, str] = {}
    if "," in head:
        head = head.replace(",", ";")
    for item in head.split(";"):
        name, sep, value = item.partition("=")
        if sep:
            header[name.strip()] = value.strip()
    return Segment(header, _parse_cp(cp_text), has_cp)
