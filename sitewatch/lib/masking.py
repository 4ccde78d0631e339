"""Secrets kept out of what people read."""

from __future__ import annotations

import re

# HJ 212 carries its access password in clear ("PW=123456;"): a sample packet of an 未登记设备
# (a wrong password is one reason) must not show it, as no device password is ever shown.
_HJ212_PASSWORD = re.compile(r"(?<![A-Za-z])(PW=)[^;&\r\n]*")


def mask_passwords(text: str) -> str:
    return _HJ212_PASSWORD.sub(r"\1******", text or "")
