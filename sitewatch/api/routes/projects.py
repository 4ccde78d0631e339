from __future__ import annotations

from django.http import Http404
from ninja import Query, Router

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import page_of, paginate
from sitewatch.api.routes import OBJECT_ID, created, route, saved, visible
from sitewatch.api.schemas import ProjectFilters, ProjectIn, ProjectOut, ProjectPatch
from sitewatch.registry import selectors, services
from sitewatch.registry.models import Project

router = Router(tags=["工程项目"])

WRITERS = "市住建局、平台运维单位可登记任一辖区的项目；县（市、区）住建主管部门只能登记本辖区的项目。"


@route(router, "get", "", response=page_of(ProjectOut), operation_id="projects_list",
       summary="工程项目列表", description="您管辖范围内的工程项目，可按辖区、状态、是否必须接入、关键词筛选。")
def list_projects(request, filters: Query[ProjectFilters]):
    qs = selectors.project_list(scope=scope_of(request), district=filters.district, status=filters.status,
                                must_connect=filters.must_connect, q=filters.q)
    return paginate(qs, filters)


@route(router, "post", "", response={201: ProjectOut}, operation_id="projects_create",
       summary="登记工程项目", description=f"登记一个工程项目，返回含 id 与 must_connect（只读）的项目。{WRITERS}")
def create_project(request, payload: ProjectIn):
    return created(services.project_create(scope=scope_of(request), **payload.fields()))


@route(router, "get", "/{id}", response=ProjectOut, operation_id="projects_read",
       summary="读取工程项目", description="按编号读取一个项目；不在管辖范围内的项目答 404。")
def read_project(request, id: int = OBJECT_ID):
    try:
        return selectors.project_get(scope=scope_of(request), pk=id)
    except Project.DoesNotExist:
        raise Http404 from None


@route(router, "patch", "/{id}", response=ProjectOut, operation_id="projects_update",
       summary="修改工程项目", description=f"只修改请求中给出的字段。{WRITERS}")
def update_project(request, payload: ProjectPatch, id: int = OBJECT_ID):
    scope = scope_of(request)
    project = visible(scope.projects(), id)
    return saved(services.project_update(scope=scope, project=project, **payload.fields()))
