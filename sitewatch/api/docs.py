"""The API's docs page: server-rendered HTML read from the OpenAPI document.

ninja's Swagger UI page loads its scripts from a CDN unless `ninja` is an installed
app; the platform runs offline, so this page is plain HTML (no script, inline style)
and lists every operation with its parameters and body fields in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render
from ninja.openapi.docs import DocsBase

METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
LOCATIONS = {"query": "查询参数", "path": "路径参数", "header": "请求头", "cookie": "Cookie"}
TYPES = {"integer": "整数", "number": "数字", "string": "文本", "boolean": "布尔", "array": "列表", "object": "对象"}
FORMATS = {"date": "日期", "date-time": "日期时间", "decimal": "十进制数", "binary": "文件"}
BODY_KINDS = {"application/json": "JSON 对象", "multipart/form-data": "multipart/form-data 表单"}


@dataclass
class Param:
    name: str
    where: str
    type: str
    required: bool
    title: str = ""
    description: str = ""
    write_only: bool = False


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    operation_id: str
    params: list[Param] = field(default_factory=list)
    body: list[Param] = field(default_factory=list)
    body_name: str = ""
    body_kind: str = "JSON 对象"
    responses: list[tuple[str, str]] = field(default_factory=list)
    secured: bool = False


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return components.get(ref.rsplit("/", 1)[-1], {})
    return schema


def type_label(schema: dict, components: dict) -> str:
    """A JSON schema as a short Chinese type: 整数, 文本（可选值：a、b）, 数字或文本, 可为空."""
    if "anyOf" in schema:
        nullable = any(s.get("type") == "null" for s in schema["anyOf"])
        kinds = [type_label(s, components) for s in schema["anyOf"] if s.get("type") != "null"]
        label = "或".join(dict.fromkeys(kinds))
        return f"{label}（可为空）" if nullable else label
    if "allOf" in schema:
        return "或".join(type_label(s, components) for s in schema["allOf"])
    schema = _resolve(schema, components)
    if "enum" in schema:
        return "文本，可选：" + "、".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return f"固定值 {schema['const']}"
    kind = schema.get("type", "")
    if kind == "array":
        return "列表（" + type_label(schema.get("items", {}), components) + "）"
    label = FORMATS.get(schema.get("format", ""), TYPES.get(kind, kind or "任意"))
    if "maxLength" in schema:
        label += f"，最长 {schema['maxLength']} 字"
    if "minimum" in schema and "maximum" in schema:
        label += f"，{schema['minimum']}～{schema['maximum']}"
    elif "minimum" in schema:
        label += f"，≥{schema['minimum']}"
    elif "maximum" in schema:
        label += f"，≤{schema['maximum']}"
    return label


def _body_fields(op: dict, components: dict) -> tuple[str, list[Param], str]:
    """The body's name, fields and kind: a JSON object, or a multipart form (file uploads)."""
    bodies = op.get("requestBody", {}).get("content", {})
    media = next((m for m in BODY_KINDS if m in bodies), None)
    if media is None:
        return "", [], ""
    content = bodies[media]
    ref = content.get("schema", {})
    schema = _resolve(ref, components)
    required = set(schema.get("required", []))
    fields = [
        Param(name=name, where="body", type=type_label(prop, components), required=name in required,
              title=prop.get("title", ""), description=prop.get("description", ""),
              write_only=bool(prop.get("writeOnly")))
        for name, prop in schema.get("properties", {}).items()
    ]
    title = "" if media != "application/json" else schema.get("title", "")
    return title, fields, BODY_KINDS[media]


def operations(schema: dict) -> list[tuple[str, list[Operation]]]:
    """Operations grouped by tag, in the order the routers were mounted."""
    components = schema.get("components", {}).get("schemas", {})
    groups: dict[str, list[Operation]] = {}
    for path, methods in schema.get("paths", {}).items():
        for method, op in sorted(methods.items(), key=lambda kv: METHOD_ORDER.get(kv[0], 9)):
            params = [
                Param(name=p["name"], where=LOCATIONS.get(p.get("in", ""), p.get("in", "")),
                      type=type_label(p.get("schema", {}), components), required=bool(p.get("required")),
                      title=p.get("schema", {}).get("title", ""),
                      description=p.get("description") or p.get("schema", {}).get("description", ""))
                for p in op.get("parameters", [])
            ]
            body_name, body, body_kind = _body_fields(op, components)
            responses = sorted((str(code), r.get("description", "")) for code, r in op.get("responses", {}).items())
            operation = Operation(
                method=method.upper(), path=path, summary=op.get("summary", ""), description=op.get("description", ""),
                operation_id=op.get("operationId", ""), params=params, body=body, body_name=body_name, body_kind=body_kind,
                responses=responses, secured=bool(op.get("security")),
            )
            for tag in op.get("tags") or ["其他"]:
                groups.setdefault(tag, []).append(operation)
    return list(groups.items())


class ServerRenderedDocs(DocsBase):
    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        context = {
            "api": api,
            "info": schema.get("info", {}),
            "groups": operations(schema),
            "openapi_url": self.get_openapi_url(api, kwargs),
        }
        return render(request, self.template, context)
