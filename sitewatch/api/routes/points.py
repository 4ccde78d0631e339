from __future__ import annotations

from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import page_of, paginate
from sitewatch.api.routes import OBJECT_ID, created, route, saved, visible
from sitewatch.api.schemas import PointFilters, PointIn, PointOut, PointPatch
from sitewatch.registry import selectors, services

router = Router(tags=["监控点位"])

WRITERS = "市住建局、县（市、区）住建主管部门、平台运维单位、施工单位、系统集成商可登记其管辖或参建项目的点位。"


@route(router, "get", "", response=page_of(PointOut), operation_id="points_list",
       summary="监控点位列表", description="您可见的监控点位，可按项目筛选。")
def list_points(request, filters: Query[PointFilters]):
    return paginate(selectors.point_list(scope=scope_of(request), project=filters.project), filters)


@route(router, "post", "", response={201: PointOut}, operation_id="points_create",
       summary="登记监控点位", description=f"同一项目内点位名称不能重复。{WRITERS}")
def create_point(request, payload: PointIn):
    return created(services.point_create(scope=scope_of(request), **payload.fields()))


@route(router, "get", "/{id}", response=PointOut, operation_id="points_read",
       summary="读取监控点位", description="按编号读取一个点位；不可见的点位答 404。")
def read_point(request, id: int = OBJECT_ID):
    return visible(selectors.point_list(scope=scope_of(request)), id)


@route(router, "patch", "/{id}", response=PointOut, operation_id="points_update",
       summary="修改监控点位", description=f"只修改请求中给出的字段。{WRITERS}")
def update_point(request, payload: PointPatch, id: int = OBJECT_ID):
    scope = scope_of(request)
    point = visible(scope.points(), id)
    return saved(services.point_update(scope=scope, point=point, **payload.fields()))
