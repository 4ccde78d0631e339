"""Bytes of a MANSCDP body to text, whatever the device declared.

GB/T 28181-2016 §6.10 says signalling "宜采用GB2312"; the 2022 edition says GB18030; real
devices declare ``GB2312``, ``gb2312``, ``UTF-8`` or nothing, and some declare GB2312 while
writing GBK characters or rare characters (生僻字, wvp #1341/#1344) that GB2312 cannot hold.
GB18030 is a superset of GB2312 and GBK, so every GB-family declaration, and a missing one,
decodes as GB18030. A body that declares UTF-8 but is not valid UTF-8 came from a GB device
with a wrong template: retry as GB18030. Decoding never fails: as a last resort invalid bytes
become U+FFFD and the result says so (``lossy``), so a channel name may be garbled but the
keepalive still counts.

wvp's author notes that mixed encodings cannot be detected reliably (#260); we do not try
to guess beyond the rules above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DecodedBody", "decode_body", "decode_body_detail", "declared_encoding"]

# The declaration, tolerating what devices and OCR'd examples do to it: spaces after "<?",
# "xmlversion" without a space, single, double or no quotes, any case.
_DECLARATION = re.compile(rb"<\?\s*xml[^>]*?encoding\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.IGNORECASE)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf_8"})
_BOM_UTF8 = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class DecodedBody:
    text: str
    declared: str | None  # the declared encoding, lower case, or None
    charset: str  # what actually decoded it: "utf-8" or "gb18030"
    lossy: bool  # True when undecodable bytes were replaced by U+FFFD


def declared_encoding(body: bytes) -> str | None:
    """The encoding named in the XML declaration, lower case; None when there is none. Only
    the head of the body is searched: a declaration can only be at the start."""
    match = _DECLARATION.search(body[:256])
    return match.group(1).decode("ascii").lower() if match else None


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def decode_body_detail(body: bytes) -> DecodedBody:
    """Decode ``body``; never raises."""
    raw = bytes(body)
    declared = declared_encoding(raw)
    if raw.startswith(_BOM_UTF8):
        # A BOM outranks the declaration: some Windows tools write one in front of a
        # GB2312 declaration they then ignore.
        text = _try(raw[3:], "utf-8")
        if text is not None:
            return DecodedBody(text, declared, "utf-8", False)
        raw = raw[3:]
    if declared in _UTF8_NAMES:
        order = ("utf-8", "gb18030")
    else:
        # GB2312/GBK/GB18030/none, and anything else (a device declaring ISO-8859-1 still
        # writes Chinese names in GBK). UTF-8 second: a device declaring GB2312 but writing
        # UTF-8 whose bytes happen not to be valid GB18030.
        order = ("gb18030", "utf-8")
    for codec in order:
        text = _try(raw, codec)
        if text is not None:
            return DecodedBody(text, declared, codec, False)
    return DecodedBody(raw.decode(order[0], errors="replace"), declared, order[0], True)


def decode_body(body: bytes) -> str:
    """The text of ``body`` (see :func:`decode_body_detail` for which charset won)."""
    return decode_body_detail(body).text
