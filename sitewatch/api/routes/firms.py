from __future__ import annotations

from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import page_of, paginate
from sitewatch.api.routes import OBJECT_ID, created, route, saved, visible
from sitewatch.api.schemas import FirmFilters, FirmIn, FirmOut, FirmPatch
from sitewatch.registry import selectors, services

router = Router(tags=["企业"])

WRITERS = "市住建局、县（市、区）住建主管部门、平台运维单位可登记和修改企业。"


@route(router, "get", "", response=page_of(FirmOut), operation_id="firms_list",
       summary="企业列表", description="您可见的企业（参建您可见项目的单位），可按角色、关键词筛选。")
def list_firms(request, filters: Query[FirmFilters]):
    return paginate(selectors.firm_list(scope=scope_of(request), role=filters.role, q=filters.q), filters)


@route(router, "post", "", response={201: FirmOut}, operation_id="firms_create",
       summary="登记企业", description=f"统一社会信用代码全平台唯一。{WRITERS}")
def create_firm(request, payload: FirmIn):
    return created(services.firm_create(scope=scope_of(request), **payload.fields()))


@route(router, "get", "/{id}", response=FirmOut, operation_id="firms_read",
       summary="读取企业", description="按编号读取一家企业；不可见的企业答 404。")
def read_firm(request, id: int = OBJECT_ID):
    return visible(scope_of(request).firms(), id)


@route(router, "patch", "/{id}", response=FirmOut, operation_id="firms_update",
       summary="修改企业", description=f"只修改请求中给出的字段。{WRITERS}")
def update_firm(request, payload: FirmPatch, id: int = OBJECT_ID):
    scope = scope_of(request)
    firm = visible(scope.firms(), id)
    return saved(services.firm_update(scope=scope, firm=firm, **payload.fields()))
