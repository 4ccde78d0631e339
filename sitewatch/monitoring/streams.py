"""The stream-resolution rule (DOMAIN §8): main stream at least 1920×1080, sub stream at
least 704×576; a resolution not known (empty or unparsable) is neither pass nor fail. The
pages, the API and the onboarding "connected" check all ask here."""

from __future__ import annotations

from sitewatch.protocols.gb28181.manscdp import Resolution, parse_resolution

MAIN_MINIMUM = Resolution(1920, 1080)
SUB_MINIMUM = Resolution(704, 576)


def meets(text: str, minimum: Resolution) -> bool | None:
    """True or False against ``minimum``; None when ``text`` is not a known resolution. A
    rotated stream counts by its long side (Resolution.meets)."""
    resolution = parse_resolution(text) if text else None
    return None if resolution is None else resolution.meets(minimum)
