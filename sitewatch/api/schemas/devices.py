"""Monitoring points (点位) and devices (设备).

The protocol secrets (HJ 212 PW, 国标注册密码) are write-only: input schemas take them,
no output schema has a field that reads them, only `has_…` booleans.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from ninja import Field, Schema

from sitewatch.api.pagination import PageQuery
from sitewatch.api.schemas.common import (
    Changes,
    NullableText,
    Text,
    choice,
    labels,
    model_field,
    out_field,
    partial,
    ref_field,
)
from sitewatch.registry.models import Brand, Device, DeviceKind, MonitoringPoint, PointKind, PointStatus

PROJECTS_URL = "GET /api/v1/projects"
WRITE_ONLY = {"writeOnly": True}


class PointIn(Changes):
    """登记监控点位（一个摄像机通道或一台扬尘监测仪）。"""

    project: int = ref_field(MonitoringPoint, "project", listed_at=PROJECTS_URL)
    kind: choice(PointKind) = model_field(MonitoringPoint, "kind", description=labels(PointKind))
    name: str = model_field(MonitoringPoint, "name")
    location: Text = model_field(MonitoringPoint, "location", "")
    status: choice(PointStatus) = model_field(MonitoringPoint, "status", PointStatus.ACTIVE.value,
                                              description=labels(PointStatus))


PointPatch = partial(PointIn, "PointPatch")


class PointFilters(PageQuery):
    project: int | None = Field(None, title="项目编号")


class PointOut(Schema):
    id: int
    project: int = out_field(MonitoringPoint, "project", "project_id")
    project_name: str = Field(..., validation_alias="project.name", title="工程名称")
    kind: str = out_field(MonitoringPoint, "kind")
    kind_label: str = Field(..., validation_alias="get_kind_display", title="点位类型（名称）")
    name: str = out_field(MonitoringPoint, "name")
    location: str = out_field(MonitoringPoint, "location")
    status: str = out_field(MonitoringPoint, "status")
    status_label: str = Field(..., validation_alias="get_status_display", title="状态（名称）")
    created_at: dt.datetime = out_field(MonitoringPoint, "created_at")
    updated_at: dt.datetime = out_field(MonitoringPoint, "updated_at")


class DeviceIn(Changes):
    """登记设备。扬尘监测仪填 hj212_mn 与 hj212_password；摄像机、NVR 填 gb_device_id 与 gb_password。
    两个密码只写不读：任何响应都不会返回，只返回 has_hj212_password / has_gb_password。"""

    project: int = ref_field(Device, "project", listed_at=PROJECTS_URL)
    kind: choice(DeviceKind) = model_field(Device, "kind", description=labels(DeviceKind))
    name: str = model_field(Device, "name")
    point: int | None = ref_field(Device, "point", None, listed_at="GET /api/v1/points")
    brand: choice(Brand) = model_field(Device, "brand", Brand.OTHER.value, description=labels(Brand))
    device_model: int | None = ref_field(Device, "device_model", None, listed_at="GET /api/v1/device-models")
    model: Text = model_field(Device, "model", "")
    serial: Text = model_field(Device, "serial", "")
    apn_card: Text = model_field(Device, "apn_card", "")
    ip_address: NullableText = model_field(Device, "ip_address", None, max_length=39)
    installer: int | None = ref_field(Device, "installer", None, listed_at="GET /api/v1/firms?role=integrator")
    hj212_mn: NullableText = model_field(Device, "hj212_mn", None, description="HJ 212 设备唯一标识，1至24位。")
    hj212_password: Text = model_field(Device, "hj212_password", "", description="只写，不会返回。",
                                       json_schema_extra=WRITE_ONLY)
    gb_device_id: NullableText = model_field(Device, "gb_device_id", None, description="20位数字。")
    gb_password: Text = model_field(Device, "gb_password", "", description="只写，不会返回。",
                                    json_schema_extra=WRITE_ONLY)


DevicePatch = partial(DeviceIn, "DevicePatch")


class DeviceFilters(PageQuery):
    project: int | None = Field(None, title="项目编号")
    kind: choice(DeviceKind) | None = Field(None, title="设备类型", description=labels(DeviceKind))
    district: int | None = Field(None, title="县（市、区）编号")
    q: str | None = Field(None, title="关键词", description="按设备名称、序列号、型号、MN、国标编码查找。", max_length=100)


def _state(device: Device):
    try:
        return device.state
    except ObjectDoesNotExist:
        return None


class DeviceOut(Schema):
    id: int
    project: int = out_field(Device, "project", "project_id")
    project_name: str = Field(..., validation_alias="project.name", title="工程名称")
    point: int | None = out_field(Device, "point", "point_id")
    point_name: str | None = Field(None, validation_alias="point.name", title="点位名称")
    kind: str = out_field(Device, "kind")
    kind_label: str = Field(..., validation_alias="get_kind_display", title="设备类型（名称）")
    name: str = out_field(Device, "name")
    brand: str = out_field(Device, "brand")
    brand_label: str = Field(..., validation_alias="get_brand_display", title="品牌（名称）")
    device_model: int | None = out_field(Device, "device_model", "device_model_id")
    model: str = out_field(Device, "model")
    serial: str = out_field(Device, "serial")
    apn_card: str = out_field(Device, "apn_card")
    ip_address: str | None = out_field(Device, "ip_address")
    installer: int | None = out_field(Device, "installer", "installer_id")
    installer_name: str | None = Field(None, validation_alias="installer.name", title="安装单位名称")
    hj212_mn: str | None = out_field(Device, "hj212_mn")
    has_hj212_password: bool = Field(..., title="已设置 HJ 212 访问密码")
    gb_device_id: str | None = out_field(Device, "gb_device_id")
    has_gb_password: bool = Field(..., title="已设置国标注册密码")
    online: bool = Field(..., title="在线", description="平台当前判定设备在线。")
    last_seen: dt.datetime | None = Field(None, title="最后收到数据时间")
    created_at: dt.datetime = out_field(Device, "created_at")
    updated_at: dt.datetime = out_field(Device, "updated_at")

    @staticmethod
    def resolve_online(obj: Device) -> bool:
        state = _state(obj)
        return bool(state and state.online)

    @staticmethod
    def resolve_last_seen(obj: Device) -> dt.datetime | None:
        state = _state(obj)
        return timezone.localtime(state.last_seen) if state and state.last_seen else None

    @staticmethod
    def resolve_has_hj212_password(obj: Device) -> bool:
        return bool(obj.hj212_password)

    @staticmethod
    def resolve_has_gb_password(obj: Device) -> bool:
        return bool(obj.gb_password)
