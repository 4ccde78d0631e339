"""Readings of a device, and the 未登记设备 list."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.pagination import PageQuery, page_of, paginate
from sitewatch.api.routes import OBJECT_ID, route, visible
from sitewatch.telemetry import selectors

router = Router(tags=["监测数据"])
unregistered_router = Router(tags=["未登记设备"])


class ReadingFilters(Schema):
    since: dt.datetime | None = Field(None, title="起始时间", description="ISO 8601，须带时区；默认 until 前24小时。")
    until: dt.datetime | None = Field(None, title="截止时间", description="ISO 8601，须带时区；默认当前时间。")
    cn: str | None = Field(None, title="命令编码", description="2011 实时、2051 分钟、2061 小时、2031 日数据。",
                           pattern=r"^\d{4}$")


class ReadingOut(Schema):
    data_time: dt.datetime = Field(..., title="数据时间")
    cn: str = Field(..., title="命令编码")
    values: dict = Field(..., title="数值", description="{因子编码: {后缀: 值}}，后缀与设备上报一致。")
    flags: list[str] = Field(..., title="合理性标记", description="zeros 全零、order 颗粒物大小顺序异常、flag 数据标记非N。")

    @staticmethod
    def resolve_data_time(obj) -> dt.datetime:
        return timezone.localtime(obj.data_time)

    @staticmethod
    def resolve_flags(obj) -> list[str]:
        return [f for f in obj.flags.split(",") if f]


class ReadingsOut(Schema):
    items: list[ReadingOut]
    count: int
    since: dt.datetime
    until: dt.datetime


@route(router, "get", "/{id}/readings", response=ReadingsOut, operation_id="devices_readings",
       summary="设备监测数据", description="扬尘监测仪上报的数据，按数据时间排序；跨度最长31天，最多10000条。")
def device_readings(request, filters: Query[ReadingFilters], id: int = OBJECT_ID):
    scope = scope_of(request)
    device = visible(scope.devices(), id)
    try:
        since, until = selectors.reading_range(since=filters.since, until=filters.until, now=timezone.now())
    except selectors.RangeError as exc:
        raise ValidationError({"since": str(exc)}) from None
    items = list(selectors.reading_list(scope=scope, device_id=device.pk, since=since, until=until, cn=filters.cn))
    return {"items": items, "count": len(items), "since": timezone.localtime(since), "until": timezone.localtime(until)}


class UnregisteredOut(Schema):
    id: int
    protocol: str
    identifier: str = Field(..., title="设备标识", description="HJ 212 的 MN 或国标设备编码。")
    reason: str
    reason_label: str = Field(..., validation_alias="get_reason_display")
    district: int | None = Field(None, validation_alias="district_id")
    remote_address: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int


class UnregisteredFilters(PageQuery):
    protocol: str | None = Field(None, title="协议", pattern=r"^(hj212|gb28181)$")


@route(unregistered_router, "get", "", response=page_of(UnregisteredOut), operation_id="unregistered_list",
       summary="未登记设备", description="向平台发送数据但未登记（或密码错误）的设备标识。市住建局、平台运维单位可见全部，"
       "县（市、区）可见推定在本辖区的。")
def unregistered_list(request, filters: Query[UnregisteredFilters]):
    scope = scope_of(request)
    if not scope.can_read_unregistered:
        raise PermissionDenied("您没有权限查看未登记设备。")
    qs = scope.unregistered_devices()
    if filters.protocol:
        qs = qs.filter(protocol=filters.protocol)
    return paginate(qs.order_by("-last_seen", "id"), filters)
