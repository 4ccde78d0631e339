"""The JSON API v1 (django-ninja), mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from sitewatch.api import errors
from sitewatch.api.auth import BearerToken, with_audit_actor
from sitewatch.api.docs import ServerRenderedDocs
from sitewatch.api.routes import (
    applications,
    assessments,
    bulletins,
    cases,
    changes,
    channels,
    device_models,
    devices,
    districts,
    firms,
    notices,
    points,
    projects,
    sanctions,
    statements,
    telemetry,
)


class ChineseJSONRenderer(JSONRenderer):
    # Chinese as characters rather than \u escapes: readable in logs and curl.
    json_dumps_params = {"ensure_ascii": False}


DESCRIPTION = (
    "湛江市智慧渣土综合服务监管平台的数据接口：县（市、区）、企业、工程项目、监控点位、设备与设备型号。"
    "请求头 Authorization: Bearer <令牌>；每个账号只能访问其管辖或参建的数据。"
)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="湛江市智慧渣土综合服务监管平台接口",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        auth=BearerToken(),
        docs=ServerRenderedDocs(),
        docs_url="/docs",
        openapi_url="/openapi.json",
        renderer=ChineseJSONRenderer(),
    )
    errors.install(api)
    api.add_decorator(with_audit_actor)
    api.add_router("/districts", districts.router)
    api.add_router("/firms", firms.router)
    api.add_router("/projects", projects.router)
    api.add_router("/points", points.router)
    api.add_router("/devices", devices.router)
    api.add_router("/devices", telemetry.router)
    api.add_router("/devices", channels.router)
    api.add_router("/applications", applications.router)
    api.add_router("/changes", changes.router)
    api.add_router("/notices", notices.router)
    api.add_router("/cannot-connect", statements.router)
    api.add_router("/sanctions", sanctions.router)
    api.add_router("/unregistered-devices", telemetry.unregistered_router)
    api.add_router("/device-models", device_models.router)
    api.add_router("/assessments", assessments.router)
    api.add_router("/episodes", assessments.episode_router)
    api.add_router("/cases", cases.router)
    api.add_router("/site-records", cases.record_router)
    api.add_router("/violation-types", cases.type_router)
    api.add_router("/bulletins", bulletins.router)
    return api


api = build_api()
