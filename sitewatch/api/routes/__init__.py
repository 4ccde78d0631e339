"""One router per resource. Routes parse input, ask the Scope or a selector for
querysets and call the registry services; they hold no rules of their own."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from ninja import Path, Router, Schema, Status

STATUS_TEXT = {
    200: "成功",
    201: "已创建",
    400: "请求体不是有效的 JSON",
    401: "缺少或无效的接口令牌",
    403: "无权执行此操作",
    404: "对象不存在或不在您的管辖范围内",
    409: "当前状态不允许此操作，或已被他人办理",
    422: "输入有误（errors 列出每个字段的中文说明）",
}

# The `{id}` of every item path.
OBJECT_ID = Path(..., title="编号", description="对象的 id。")


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    field: str | None
    message: str


class InvalidOut(Schema):
    detail: str
    errors: list[FieldError]


def _responses(method: str, path: str, response, *, public: bool = False) -> dict:
    responses = dict(response) if isinstance(response, dict) else {200: response}
    errors = {422: InvalidOut} if public else {401: ErrorOut, 422: InvalidOut}
    if method in ("post", "patch"):
        errors.update({400: ErrorOut, 403: ErrorOut})
    if "{" in path:
        errors[404] = ErrorOut
    return {**responses, **{code: schema for code, schema in errors.items() if code not in responses}}


def route(router: Router, method: str, path: str, *, response, **kwargs):
    """Register `path` (the contract, no trailing slash) and `path/` too, the latter hidden from the schema.

    Every operation documents its error answers, with Chinese descriptions.
    """
    register = getattr(router, method)
    # auth=None: a public operation (the published bulletin), answered without a token.
    responses = _responses(method, path, response, public="auth" in kwargs and kwargs["auth"] is None)
    openapi_extra = {"responses": {code: {"description": STATUS_TEXT[code]} for code in responses}}

    def decorator(func):
        register(path, response=responses, openapi_extra=openapi_extra, **kwargs)(func)
        hidden = {k: v for k, v in kwargs.items() if k != "operation_id"}
        register(path + "/", response=responses, include_in_schema=False, **hidden)(func)
        return func

    return decorator


def visible(qs: QuerySet, pk: int):
    """The object from a Scope's queryset; outside the scope it does not exist (404, no hint it does)."""
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404 from None


def created(instance: Model) -> Status:
    """201 with the row as stored (decimals at their column's scale, defaults filled in)."""
    instance.refresh_from_db()
    return Status(201, instance)


def saved(instance: Model) -> Model:
    instance.refresh_from_db()
    return instance
