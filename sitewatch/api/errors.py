"""Every error the API answers, as Chinese JSON.

401/403/404 answer `{"detail": "..."}`; input errors answer 422
`{"detail": "输入有误", "errors": [{"field": ..., "message": ...}]}` whether they come
from pydantic (the request's shape) or from Django (the model's and the services' rules).
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sitewatch.lib.workflow import TransitionRefused

log = logging.getLogger(__name__)

INPUT_INVALID = "输入有误"
NOT_FOUND = "对象不存在或不在您的管辖范围内。"
NO_TOKEN = "未提供接口令牌：请在请求头中携带 Authorization: Bearer <令牌>。"
BAD_TOKEN = "接口令牌无效或已吊销。"
FORBIDDEN = "您没有权限执行此操作。"
BAD_JSON = "请求体不是有效的 JSON。"
NO_BODY = "缺少请求体：请提交 JSON 对象。"
CONFLICT = "与已有记录重复，请检查后重试。"

NUMBER = "请输入有效的数字。"
DATE = "请输入有效的日期（格式：YYYY-MM-DD）。"
DATETIME = "请输入有效的日期时间（ISO 8601 格式）。"

# pydantic error type -> Chinese message; {name} is filled from the error's ctx.
PYDANTIC_MESSAGES = {
    "missing": "此字段为必填项。",
    "decimal_parsing": NUMBER,
    "decimal_type": NUMBER,
    "float_parsing": NUMBER,
    "float_type": NUMBER,
    "int_parsing": NUMBER,
    "int_type": NUMBER,
    "int_from_float": "请输入整数。",
    "int_parsing_size": "数字超出范围。",
    "finite_number": NUMBER,
    "decimal_max_digits": "数字总位数不能超过 {max_digits} 位。",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位。",
    "decimal_whole_digits": "整数部分位数过多（最多 {whole_digits} 位）。",
    "greater_than": "必须大于 {gt}。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than": "必须小于 {lt}。",
    "less_than_equal": "不能大于 {le}。",
    "string_type": "请输入文本。",
    "string_too_long": "长度不能超过 {max_length} 个字符。",
    "string_too_short": "长度不能少于 {min_length} 个字符。",
    "string_pattern_mismatch": "格式不正确。",
    "bool_parsing": "请输入 true 或 false。",
    "bool_type": "请输入 true 或 false。",
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": DATE,
    "date_type": DATE,
    "datetime_parsing": DATETIME,
    "datetime_from_date_parsing": DATETIME,
    "datetime_type": DATETIME,
    "enum": "取值无效，可选：{expected}。",
    "literal_error": "取值无效，可选：{expected}。",
    "json_invalid": BAD_JSON,
    "dict_type": "应为 JSON 对象。",
    "model_type": "应为 JSON 对象。",
    "model_attributes_type": "应为 JSON 对象。",
    "list_type": "应为列表。",
    "too_long": "最多 {max_length} 项。",
    "too_short": "至少 {min_length} 项。",
    "extra_forbidden": "不支持此字段。",
}
FALLBACK = "取值无效。"
# Where ninja puts a parameter in `loc`; the rest of `loc` is the field's path.
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _expected(ctx: dict) -> str:
    """pydantic writes "'a', 'b' or 'c'"; the user reads "a、b、c"."""
    return "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) or str(ctx.get("expected", ""))


def pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error") or kind.startswith("sitewatch_"):
        # Our own validators raise Chinese; pydantic prefixes "Value error, ".
        message = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return message if _CJK.search(message) else FALLBACK
    template = PYDANTIC_MESSAGES.get(kind)
    if template is None:
        return FALLBACK
    if kind in ("enum", "literal_error"):
        ctx["expected"] = _expected(ctx)
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return FALLBACK


def field_of(loc) -> str | None:
    """("body", "payload", "investment_cny") -> "investment_cny"; ("query", "page") -> "page"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        # The body schema sits under its parameter's name ("payload"), which is ours, not the client's.
        parts = parts[2:] if parts[0] == "body" else parts[1:]
    return ".".join(parts) or None


def pydantic_errors(errors: list[dict]) -> list[dict]:
    result = []
    for error in errors:
        field = field_of(error.get("loc", ()))
        if field is None and error.get("type") == "missing":
            message = NO_BODY
        else:
            message = pydantic_message(error)
        result.append({"field": field, "message": message})
    return result


def _single_field_constraints():
    """(model, constraint, field) for every one-column unique constraint of the registry."""
    from django.apps import apps

    for model in apps.get_app_config("registry").get_models():
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if len(fields) == 1:
                yield model, constraint, fields[0]


def _field_of_unique_message(message: str) -> str | None:
    # Django files a unique constraint with its own message under NON_FIELD_ERRORS even
    # when it covers one column; the client is better served by that column's name.
    for _model, constraint, field in _single_field_constraints():
        if str(constraint.violation_error_message) == message:
            return field
    return None


def django_errors(exc: DjangoValidationError) -> list[dict]:
    if not hasattr(exc, "error_dict"):
        return [{"field": None, "message": str(message)} for message in exc.messages]
    errors = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            name = _field_of_unique_message(str(message)) if field == NON_FIELD_ERRORS else field
            errors.append({"field": name, "message": str(message)})
    return errors


def _integrity_rules():
    """(texts naming it in a database error, field or None, Chinese message) for every
    constraint and unique column of the registry."""
    from django.apps import apps

    for model in apps.get_app_config("registry").get_models():
        table = model._meta.db_table
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            columns = ", ".join(f"{table}.{model._meta.get_field(f).column}" for f in fields)
            texts = [f'"{constraint.name}"', f"failed: {constraint.name}"] + ([f"failed: {columns}"] if columns else [])
            yield texts, (fields[0] if len(fields) == 1 else None), str(constraint.violation_error_message)
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key:
                texts = [f'"{table}_{field.column}_key"', f"failed: {table}.{field.column}"]
                yield texts, field.name, f"该{field.verbose_name}已被使用。"


def integrity_errors(exc: IntegrityError) -> list[dict]:
    """A constraint lost to a concurrent write (full_clean checked it a moment earlier).

    PostgreSQL names the constraint ("device_gb_id_unique", "registry_firm_credit_code_key"),
    SQLite names it or its columns ("UNIQUE constraint failed: registry_device.gb_device_id");
    either leads back to a Chinese message.
    """
    text = str(exc)
    for texts, field, message in _integrity_rules():
        if any(t in text for t in texts):
            return [{"field": field, "message": message}]
    return [{"field": None, "message": CONFLICT}]


def _input_invalid(api, request, errors: list[dict]):
    return api.create_response(request, {"detail": INPUT_INVALID, "errors": errors}, status=422)


def install(api) -> None:
    """Register the handlers on a NinjaAPI."""

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request, exc):
        return _input_invalid(api, request, pydantic_errors(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc):
        return _input_invalid(api, request, django_errors(exc))

    @api.exception_handler(IntegrityError)
    def on_integrity(request, exc):
        log.warning("integrity error answered as 422: %s", exc)
        return _input_invalid(api, request, integrity_errors(exc))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        message = str(exc) if _CJK.search(str(exc)) else FORBIDDEN
        return api.create_response(request, {"detail": message}, status=403)

    @api.exception_handler(TransitionRefused)
    def on_refused(request, exc):
        if exc.status == 422:  # the shape every 422 has: detail plus the errors list
            return _input_invalid(api, request, [{"field": None, "message": exc.message}])
        return api.create_response(request, {"detail": exc.message}, status=exc.status)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        return api.create_response(request, {"detail": http_error_message(exc)}, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        response = api.create_response(request, {"detail": http_error_message(exc)}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="sitewatch"'
        return response


def http_error_message(exc: HttpError) -> str:
    message = str(exc)
    if _CJK.search(message):
        return message
    if isinstance(exc, AuthenticationError):
        return NO_TOKEN
    if isinstance(exc, AuthorizationError):
        return FORBIDDEN
    if message.startswith("Cannot parse request body"):
        return BAD_JSON
    return {404: NOT_FOUND, 429: "请求过于频繁，请稍后再试。"}.get(exc.status_code, "请求有误。")
