from __future__ import annotations

from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, route, visible
from sitewatch.api.schemas import DistrictOut

router = Router(tags=["县（市、区）"])


@route(router, "get", "", response=page_of(DistrictOut), operation_id="districts_list",
       summary="县（市、区）列表", description="湛江市各县（市、区），按排序号排列。只读：名单是数据，由迁移维护。")
def list_districts(request, params: Query[PageQuery]):
    return paginate(scope_of(request).districts(), params)


@route(router, "get", "/{id}", response=DistrictOut, operation_id="districts_read",
       summary="读取县（市、区）", description="按编号读取一个县（市、区）。")
def read_district(request, id: int = OBJECT_ID):
    return visible(scope_of(request).districts(), id)
