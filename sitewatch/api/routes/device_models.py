from __future__ import annotations

from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import page_of, paginate
from sitewatch.api.routes import OBJECT_ID, created, route, saved, visible
from sitewatch.api.schemas import DeviceModelFilters, DeviceModelIn, DeviceModelOut, DeviceModelPatch
from sitewatch.registry import selectors, services

router = Router(tags=["设备型号目录"])

WRITERS = "市住建局、平台运维单位可维护设备型号目录。"


@route(router, "get", "", response=page_of(DeviceModelOut), operation_id="device_models_list",
       summary="设备型号列表", description="设备型号目录；commitment_listed 为 true 的型号列入承诺制设备参数清单（附件1-2）。")
def list_device_models(request, filters: Query[DeviceModelFilters]):
    return paginate(selectors.device_model_list(scope=scope_of(request), kind=filters.kind,
                                               commitment_listed=filters.commitment_listed, q=filters.q), filters)


@route(router, "post", "", response={201: DeviceModelOut}, operation_id="device_models_create",
       summary="登记设备型号", description=f"同一品牌型号只能登记一次。{WRITERS}")
def create_device_model(request, payload: DeviceModelIn):
    return created(services.device_model_create(scope=scope_of(request), **payload.fields()))


@route(router, "get", "/{id}", response=DeviceModelOut, operation_id="device_models_read",
       summary="读取设备型号", description="按编号读取一个设备型号。")
def read_device_model(request, id: int = OBJECT_ID):
    return visible(scope_of(request).device_models(), id)


@route(router, "patch", "/{id}", response=DeviceModelOut, operation_id="device_models_update",
       summary="修改设备型号", description=f"只修改请求中给出的字段。{WRITERS}")
def update_device_model(request, payload: DeviceModelPatch, id: int = OBJECT_ID):
    scope = scope_of(request)
    device_model = visible(scope.device_models(), id)
    return saved(services.device_model_update(scope=scope, device_model=device_model, **payload.fields()))
