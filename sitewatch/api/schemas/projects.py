"""Districts and projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from sitewatch.api.pagination import PageQuery
from sitewatch.api.schemas.common import (
    Changes,
    Text,
    choice,
    labels,
    model_field,
    out_field,
    partial,
    ref_field,
)
from sitewatch.registry.models import District, Project, ProjectStage, ProjectStatus

FIRMS_URL = "GET /api/v1/firms"
NUMBER_NOTE = "可用数字或十进制字符串（如 \"1000000.00\"）；输出为字符串。"


class DistrictOut(Schema):
    id: int
    code: str = out_field(District, "code")
    name: str = out_field(District, "name")
    sort_order: int = out_field(District, "sort_order")


class ProjectIn(Changes):
    """登记工程项目。必须接入（must_connect）由投资额、建筑面积与状态计算，不可填写。"""

    name: str = model_field(Project, "name")
    district: int = ref_field(Project, "district", listed_at="GET /api/v1/districts")
    investment_cny: Decimal = model_field(Project, "investment_cny", description=f"工程投资额（元）。{NUMBER_NOTE}")
    floor_area_m2: Decimal = model_field(Project, "floor_area_m2", description=f"建筑面积（平方米）。{NUMBER_NOTE}")
    address: Text = model_field(Project, "address", "")
    longitude: Decimal | None = model_field(Project, "longitude", None)
    latitude: Decimal | None = model_field(Project, "latitude", None)
    stage: choice(ProjectStage) = model_field(Project, "stage", ProjectStage.EARTHWORK.value,
                                              description=labels(ProjectStage))
    status: choice(ProjectStatus) = model_field(Project, "status", ProjectStatus.ACTIVE.value,
                                                description=labels(ProjectStatus))
    planned_start: dt.date | None = model_field(Project, "planned_start", None, description="格式 YYYY-MM-DD。")
    planned_finish: dt.date | None = model_field(Project, "planned_finish", None, description="格式 YYYY-MM-DD。")
    builder: int | None = ref_field(Project, "builder", None, listed_at=FIRMS_URL)
    contractor: int | None = ref_field(Project, "contractor", None, listed_at=FIRMS_URL)
    supervisor: int | None = ref_field(Project, "supervisor", None, listed_at=FIRMS_URL)
    integrator: int | None = ref_field(Project, "integrator", None, listed_at=FIRMS_URL)
    manager_name: Text = model_field(Project, "manager_name", "")
    manager_phone: Text = model_field(Project, "manager_phone", "")


ProjectPatch = partial(ProjectIn, "ProjectPatch")


class ProjectFilters(PageQuery):
    district: int | None = Field(None, title="县（市、区）编号")
    status: choice(ProjectStatus) | None = Field(None, title="状态", description=labels(ProjectStatus))
    must_connect: bool | None = Field(None, title="是否必须接入", description="true 只列必须接入的项目，false 只列不必接入的。")
    q: str | None = Field(None, title="关键词", description="按工程名称、地址、施工单位名称查找。", max_length=100)


class ProjectOut(Schema):
    id: int
    name: str = out_field(Project, "name")
    district: int = out_field(Project, "district", "district_id")
    district_name: str = Field(..., validation_alias="district.name", title="县（市、区）名称")
    address: str = out_field(Project, "address")
    longitude: Decimal | None = out_field(Project, "longitude")
    latitude: Decimal | None = out_field(Project, "latitude")
    investment_cny: Decimal | None = out_field(Project, "investment_cny")
    floor_area_m2: Decimal | None = out_field(Project, "floor_area_m2")
    must_connect: bool = Field(
        ..., title="必须接入监管平台",
        description="在建且投资额≥100万元或建筑面积≥500平方米（“以上”含本数）时为 true；只读。",
    )
    stage: str = out_field(Project, "stage")
    stage_label: str = Field(..., validation_alias="get_stage_display", title="项目建设阶段（名称）")
    status: str = out_field(Project, "status")
    status_label: str = Field(..., validation_alias="get_status_display", title="状态（名称）")
    planned_start: dt.date | None = out_field(Project, "planned_start")
    planned_finish: dt.date | None = out_field(Project, "planned_finish")
    builder: int | None = out_field(Project, "builder", "builder_id")
    builder_name: str | None = Field(None, validation_alias="builder.name", title="建设单位名称")
    contractor: int | None = out_field(Project, "contractor", "contractor_id")
    contractor_name: str | None = Field(None, validation_alias="contractor.name", title="施工单位名称")
    supervisor: int | None = out_field(Project, "supervisor", "supervisor_id")
    supervisor_name: str | None = Field(None, validation_alias="supervisor.name", title="监理单位名称")
    integrator: int | None = out_field(Project, "integrator", "integrator_id")
    integrator_name: str | None = Field(None, validation_alias="integrator.name", title="系统集成商名称")
    manager_name: str = out_field(Project, "manager_name")
    manager_phone: str = out_field(Project, "manager_phone")
    created_at: dt.datetime = out_field(Project, "created_at")
    updated_at: dt.datetime = out_field(Project, "updated_at")
