"""Number and label formatting for the Chinese pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from sitewatch.lib import masking

register = template.Library()
DASH = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """1000000 → "1000000", 499.99 → "499.99": no exponent, no trailing zeros."""
    return format(number.normalize(), "f")


@register.filter
def grouped(value, places: int = 2) -> str:
    """85000000 → "85,000,000.00"."""
    number = _decimal(value)
    return DASH if number is None else f"{number:,.{int(places)}f}"


@register.filter
def yuan(value) -> str:
    """An amount in 元, with the 万元 figure people quote beside it."""
    number = _decimal(value)
    if number is None:
        return DASH
    text = f"{number:,.2f} 元"
    if abs(number) >= 10000:
        text += f"（{_plain((number / 10000).quantize(Decimal('0.01')))} 万元）"
    return text


@register.filter
def square_metres(value) -> str:
    number = _decimal(value)
    return DASH if number is None else f"{number:,.2f} 平方米"


@register.filter
def yes_no(value) -> str:
    return "是" if value else "否"


@register.simple_tag
def must_connect_note() -> str:
    """The 口径说明 of DOMAIN §2, from the configured thresholds; 以上 includes the number."""
    investment = _plain(settings.MUST_CONNECT_MIN_INVESTMENT_CNY / 10000)
    area = _plain(Decimal(settings.MUST_CONNECT_MIN_FLOOR_AREA_M2))
    return f"投资额{investment}万元以上（含）或建筑面积{area}平方米以上（含）的在建项目须接入"


@register.filter
def brand_model(device) -> str:
    from sitewatch.registry.models import Brand

    if device.device_model_id:
        brand = device.device_model.brand_display
    else:  # "其他" says nothing; the model text usually names the maker
        brand = "" if device.brand == Brand.OTHER and device.model else device.get_brand_display()
    return " ".join(part for part in (brand, device.model) if part) or DASH


@register.filter
def protocol_id(device) -> str:
    """The id a device registers with: HJ 212 MN or GB/T 28181 code. Never its password."""
    return device.hj212_mn or device.gb_device_id or DASH


@register.filter
def online_state(device) -> str:
    """在线 / 离线 / 未接入 (never heard from), from the device's state row if it has one."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        state = device.state
    except ObjectDoesNotExist:
        return "未接入"
    return "在线" if state.online else "离线"


@register.filter
def mask_passwords(text: str) -> str:
    return masking.mask_passwords(text)
