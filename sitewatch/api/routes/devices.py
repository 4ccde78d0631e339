from __future__ import annotations

from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import page_of, paginate
from sitewatch.api.routes import OBJECT_ID, created, route, saved, visible
from sitewatch.api.schemas import DeviceFilters, DeviceIn, DeviceOut, DevicePatch
from sitewatch.registry import selectors, services

router = Router(tags=["设备"])

WRITERS = ("市住建局、县（市、区）住建主管部门、平台运维单位、施工单位、系统集成商可登记其管辖或参建项目的设备；"
           "系统集成商登记的设备，安装单位即为本单位。")
SECRETS = "hj212_password、gb_password 只写不读，响应中只有 has_hj212_password、has_gb_password。"


@route(router, "get", "", response=page_of(DeviceOut), operation_id="devices_list",
       summary="设备列表", description="您可见的设备（系统集成商只看到本单位安装的设备），可按项目、类型、辖区、关键词筛选。")
def list_devices(request, filters: Query[DeviceFilters]):
    qs = selectors.device_list(scope=scope_of(request), project=filters.project, kind=filters.kind,
                               district=filters.district, q=filters.q)
    return paginate(qs, filters)


@route(router, "post", "", response={201: DeviceOut}, operation_id="devices_create",
       summary="登记设备", description=f"MN 与国标设备编码全平台唯一。{SECRETS}{WRITERS}")
def create_device(request, payload: DeviceIn):
    return created(services.device_create(scope=scope_of(request), **payload.fields()))


@route(router, "get", "/{id}", response=DeviceOut, operation_id="devices_read",
       summary="读取设备", description=f"按编号读取一台设备；不可见的设备答 404。{SECRETS}")
def read_device(request, id: int = OBJECT_ID):
    return visible(selectors.device_list(scope=scope_of(request)), id)


@route(router, "patch", "/{id}", response=DeviceOut, operation_id="devices_update",
       summary="修改设备", description=f"只修改请求中给出的字段；给出密码即更换密码。{SECRETS}")
def update_device(request, payload: DevicePatch, id: int = OBJECT_ID):
    scope = scope_of(request)
    device = visible(scope.devices(), id)
    return saved(services.device_update(scope=scope, device=device, **payload.fields()))
