"""Firms (企业) and the device-model catalogue (设备型号目录)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from sitewatch.api.pagination import PageQuery
from sitewatch.api.schemas.common import Changes, Text, choice, labels, model_field, out_field, partial
from sitewatch.registry.models import Brand, DeviceKind, DeviceModel, Firm

FIRM_ROLES = "、".join(f"{role}（{Firm._meta.get_field(f).verbose_name}）" for role, f in Firm.ROLE_FIELDS.items())


class FirmIn(Changes):
    """登记企业。一家企业可同时承担多个角色（is_builder 等）。"""

    credit_code: str = model_field(Firm, "credit_code", description="18位统一社会信用代码。")
    name: str = model_field(Firm, "name")
    contact_name: Text = model_field(Firm, "contact_name", "")
    contact_phone: Text = model_field(Firm, "contact_phone", "")
    contact_email: Text = model_field(Firm, "contact_email", "")
    address: Text = model_field(Firm, "address", "")
    is_builder: bool = model_field(Firm, "is_builder", False)
    is_contractor: bool = model_field(Firm, "is_contractor", False)
    is_supervisor: bool = model_field(Firm, "is_supervisor", False)
    is_integrator: bool = model_field(Firm, "is_integrator", False)
    is_operator: bool = model_field(Firm, "is_operator", False)


FirmPatch = partial(FirmIn, "FirmPatch")


class FirmFilters(PageQuery):
    role: Literal[tuple(Firm.ROLE_FIELDS)] | None = Field(None, title="角色", description=f"可选：{FIRM_ROLES}。")
    q: str | None = Field(None, title="关键词", description="按单位名称或统一社会信用代码查找。", max_length=100)


class FirmOut(Schema):
    id: int
    credit_code: str = out_field(Firm, "credit_code")
    name: str = out_field(Firm, "name")
    contact_name: str = out_field(Firm, "contact_name")
    contact_phone: str = out_field(Firm, "contact_phone")
    contact_email: str = out_field(Firm, "contact_email")
    address: str = out_field(Firm, "address")
    is_builder: bool = out_field(Firm, "is_builder")
    is_contractor: bool = out_field(Firm, "is_contractor")
    is_supervisor: bool = out_field(Firm, "is_supervisor")
    is_integrator: bool = out_field(Firm, "is_integrator")
    is_operator: bool = out_field(Firm, "is_operator")
    roles: list[str] = Field(..., title="角色代码", description=f"可能的值：{FIRM_ROLES}。")
    role_labels: list[str] = Field(..., title="角色名称")
    created_at: dt.datetime = out_field(Firm, "created_at")
    updated_at: dt.datetime = out_field(Firm, "updated_at")

    @staticmethod
    def resolve_roles(obj: Firm) -> list[str]:
        return [role for role, field in Firm.ROLE_FIELDS.items() if getattr(obj, field)]

    @staticmethod
    def resolve_role_labels(obj: Firm) -> list[str]:
        return [str(label) for label in obj.role_labels]


class DeviceModelIn(Changes):
    """登记设备型号；commitment_listed 表示列入附件1-2 承诺制设备参数清单。"""

    kind: choice(DeviceKind) = model_field(DeviceModel, "kind", description=labels(DeviceKind))
    brand: choice(Brand) = model_field(DeviceModel, "brand", description=labels(Brand))
    brand_name: Text = model_field(DeviceModel, "brand_name", "")
    model: str = model_field(DeviceModel, "model")
    commitment_listed: bool = model_field(DeviceModel, "commitment_listed", False)
    parameters: Text = model_field(DeviceModel, "parameters", "")


DeviceModelPatch = partial(DeviceModelIn, "DeviceModelPatch")


class DeviceModelFilters(PageQuery):
    kind: choice(DeviceKind) | None = Field(None, title="设备类型", description=labels(DeviceKind))
    commitment_listed: bool | None = Field(None, title="是否列入承诺制清单")
    q: str | None = Field(None, title="关键词", description="按型号或品牌名称查找。", max_length=100)


class DeviceModelOut(Schema):
    id: int
    kind: str = out_field(DeviceModel, "kind")
    kind_label: str = Field(..., validation_alias="get_kind_display", title="设备类型（名称）")
    brand: str = out_field(DeviceModel, "brand")
    brand_label: str = Field(..., validation_alias="brand_display", title="品牌（名称）")
    brand_name: str = out_field(DeviceModel, "brand_name")
    model: str = out_field(DeviceModel, "model")
    commitment_listed: bool = out_field(DeviceModel, "commitment_listed")
    parameters: str = out_field(DeviceModel, "parameters")
    created_at: dt.datetime = out_field(DeviceModel, "created_at")
    updated_at: dt.datetime = out_field(DeviceModel, "updated_at")
