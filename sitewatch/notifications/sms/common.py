"""What both providers share: the outcome of one send, mainland mobile numbers, and how a
notice (subject, body) becomes the values of a pre-approved template (口径 K-S2)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# A mainland mobile number: 11 digits starting 13–19 (GB/T numbering plan as the carriers
# use it). Landlines (0759-…) cannot receive SMS; providers reject them anyway.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()（）]")
_WHITESPACE = re.compile(r"\s+")
ELLIPSIS = "…"


@dataclass(frozen=True)
class SendOutcome:
    """One provider answer: a message id, or an error code with whether trying again can help."""

    message_id: str = ""
    error_code: str = ""
    error_message: str = ""
    retryable: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_code


def mainland_mobile(phone: str) -> str | None:
    """The 11-digit mainland mobile number in `phone` (spaces, dashes, +86/0086/86 allowed), or None."""
    digits = _SEPARATORS.sub("", phone or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _MOBILE.fullmatch(digits) else None


def shorten(text: str, max_chars: int) -> str:
    """`text` on one line, cut to `max_chars` characters ending in "…" when it was longer.

    Template variables have length limits (Alibaba Cloud: 35 characters for a notice variable;
    Tencent Cloud per account type); the full text stays readable on the platform."""
    flat = _WHITESPACE.sub(" ", text or "").strip()
    if len(flat) <= max_chars:
        return flat
    return flat[: max(max_chars - 1, 0)] + ELLIPSIS


def template_values(*, subject: str, body: str, max_chars: int) -> tuple[str, str]:
    """(subject, content): the two values every SMS template of the platform takes."""
    return shorten(subject, max_chars), shorten(body, max_chars)


def require_aware(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("拒绝无时区的时间：请传入带时区的 datetime。")
    return now.astimezone(dt.UTC)


def clean_message(message: str, *, limit: int = 300) -> str:
    """A provider's error message fit to store and show: one line, bounded, and without the
    request it sometimes echoes back (Alibaba Cloud's SignatureDoesNotMatch repeats the whole
    string to sign, phone number included)."""
    text = _WHITESPACE.sub(" ", str(message or "")).strip()
    for marker in ("server string to sign is", "string to sign is"):
        cut = text.lower().find(marker)
        if cut >= 0:
            text = text[:cut].rstrip(" .:：")
    return text[:limit]
