"""Settings from the environment, with helpers that fail loudly on a bad value.

Pattern after healthchecks' hc/settings.py: a misconfigured deployment must stop at
start with a message naming the variable, never run on a silently wrong default.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation


class ConfigError(Exception):
    """A setting in the environment is missing or malformed."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"环境变量 {name} 未设置（必填）。")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"环境变量 {name}={value!r} 不是布尔值：请用 True/False、1/0、yes/no 或 on/off。")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"环境变量 {name}={value!r} 不是整数。") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"环境变量 {name}={number} 小于允许的最小值 {minimum}。")
    if maximum is not None and number > maximum:
        raise ConfigError(f"环境变量 {name}={number} 大于允许的最大值 {maximum}。")
    return number


def env_decimal(name: str, default: str) -> Decimal:
    value = os.environ.get(name) or default
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ConfigError(f"环境变量 {name}={value!r} 不是数字。") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"环境变量 {name}={value!r} 必须是非负数。")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ConfigError(f"环境变量 {name}={value!r} 含空项：请用英文逗号分隔，例如 a.example,b.example。")
    return items


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL; only the engines the platform is tested on are accepted."""
    import dj_database_url

    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"DATABASE_URL 的数据库类型 {scheme!r} 不受支持：请用 sqlite:///路径 或 postgres://用户@主机:端口/库名。"
        )
    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # dj_database_url raises several types on malformed URLs
        raise ConfigError(f"DATABASE_URL 无法解析：{exc}") from None
    if not config.get("NAME"):
        raise ConfigError("DATABASE_URL 缺少数据库名（或 SQLite 文件路径）。")
    return config
