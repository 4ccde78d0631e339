"""Video channels of NVRs and cameras (GB/T 28181 catalogue)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.routes import OBJECT_ID, route, visible
from sitewatch.monitoring import selectors
from sitewatch.monitoring.streams import MAIN_MINIMUM, SUB_MINIMUM, meets

router = Router(tags=["视频通道"])



class ChannelOut(Schema):
    id: int
    gb_channel_id: str = Field(..., title="通道编码")
    name: str = Field(..., title="通道名称")
    online: bool = Field(..., title="在线", description="设备在线且目录状态为 ON（或未上报）时为在线。")
    catalog_status: str = Field(..., title="目录状态", description="ON、OFF、VLOST、DEFECT，未上报为空。")
    in_catalog: bool = Field(..., title="在设备目录中")
    changed_at: dt.datetime | None = Field(None, title="状态变化时间")
    main_resolution: str | None = Field(None, title="主码流分辨率", description='如 "1920x1080"；未知为 null。')
    sub_resolution: str | None = Field(None, title="子码流分辨率", description='如 "704x576"；未知为 null。')
    main_resolution_ok: bool | None = Field(None, title="主码流达标", description="不低于 1920×1080；未知为 null。")
    sub_resolution_ok: bool | None = Field(None, title="子码流达标", description="不低于 704×576；未知为 null。")
    resolution_source: str | None = Field(None, title="分辨率来源", description="device_config 设备配置查询，measured 码流实测。")
    resolution_at: dt.datetime | None = Field(None, title="分辨率获取时间")
    point: int | None = Field(None, title="监控点位", validation_alias="point_id")
    point_name: str | None = Field(None, title="点位名称", validation_alias="point.name")

    @staticmethod
    def resolve_main_resolution(obj) -> str | None:
        return obj.main_resolution or None

    @staticmethod
    def resolve_sub_resolution(obj) -> str | None:
        return obj.sub_resolution or None

    @staticmethod
    def resolve_resolution_source(obj) -> str | None:
        return obj.resolution_source or None

    @staticmethod
    def resolve_main_resolution_ok(obj) -> bool | None:
        return meets(obj.main_resolution, MAIN_MINIMUM)

    @staticmethod
    def resolve_sub_resolution_ok(obj) -> bool | None:
        return meets(obj.sub_resolution, SUB_MINIMUM)


class ChannelsOut(Schema):
    items: list[ChannelOut]
    count: int


@route(router, "get", "/{id}/channels", response=ChannelsOut, operation_id="devices_channels",
       summary="设备视频通道", description="NVR 或摄像机目录中的通道及其在线状态、主/子码流分辨率；不可见的设备答 404。")
def device_channels(request, id: int = OBJECT_ID):
    scope = scope_of(request)
    device = visible(scope.devices(), id)
    items = list(selectors.channel_list(scope=scope, device_id=device.pk))
    return {"items": items, "count": len(items)}
