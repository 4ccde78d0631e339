"""Registry writes. Every caller (pages, API, admin, commands) passes its Scope; the
checks here are the only place that decides who may create or change what."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model

from sitewatch.accounts.visibility import Scope
from sitewatch.registry.models import Device, DeviceModel, Firm, MonitoringPoint, Project

NO_PERMISSION = "您没有权限执行此操作。"


def _apply(instance: Model, fields: dict) -> Model:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    with transaction.atomic():
        instance.save()
    return instance


def _require(scope: Scope, kind: str) -> None:
    if not scope.can_write(kind):
        raise PermissionDenied(NO_PERMISSION)


def _require_district(scope: Scope, district_id) -> None:
    if district_id is None or not scope.writable_districts().filter(pk=district_id).exists():
        raise ValidationError({"district": "只能在本辖区登记项目。"})


def _require_project(scope: Scope, project_id) -> None:
    if project_id is None or not scope.projects().filter(pk=project_id).exists():
        raise ValidationError({"project": "项目不存在或不在您的管辖范围内。"})


def _project_fields(fields: dict) -> dict:
    """District and parties may arrive as ids; an id that names no firm is a field error,
    not a lookup failure inside Project.clean()."""
    fields = _with_ids(fields, ("district", *Project.PARTY_FIELDS))
    errors = {}
    for party in Project.PARTY_FIELDS:
        firm_id = fields.get(f"{party}_id")
        if firm_id is not None and not Firm.objects.filter(pk=firm_id).exists():
            errors[party] = "企业不存在。"
    if errors:
        raise ValidationError(errors)
    return fields


def project_create(*, scope: Scope, **fields) -> Project:
    _require(scope, "project")
    fields = _project_fields(fields)
    _require_district(scope, fields.get("district_id"))
    return _apply(Project(), fields)


def project_update(*, scope: Scope, project: Project, **fields) -> Project:
    _require(scope, "project")
    fields = _project_fields(fields)
    if "district_id" in fields:
        _require_district(scope, fields["district_id"])
    return _apply(project, fields)


def _with_ids(fields: dict, names: tuple[str, ...]) -> dict:
    return {(f"{k}_id" if k in names and not isinstance(v, Model) else k): v for k, v in fields.items()}


def point_create(*, scope: Scope, **fields) -> MonitoringPoint:
    _require(scope, "point")
    fields = _with_ids(fields, ("project",))
    _require_project(scope, fields.get("project_id"))
    return _apply(MonitoringPoint(), fields)


def point_update(*, scope: Scope, point: MonitoringPoint, **fields) -> MonitoringPoint:
    _require(scope, "point")
    fields = _with_ids(fields, ("project",))
    if "project_id" in fields:
        _require_project(scope, fields["project_id"])
    return _apply(point, fields)


DEVICE_FKS = ("project", "point", "installer", "device_model")


def _device_checks(scope: Scope, fields: dict, project_id) -> None:
    _require_project(scope, project_id)
    if fields.get("point_id") is not None and not MonitoringPoint.objects.filter(
        pk=fields["point_id"], project_id=project_id
    ).exists():
        raise ValidationError({"point": "点位不存在或不属于该项目。"})
    if fields.get("installer_id") is not None and not Firm.objects.filter(pk=fields["installer_id"], is_integrator=True).exists():
        raise ValidationError({"installer": "安装单位不存在或未登记为系统集成商。"})
    if fields.get("device_model_id") is not None and not DeviceModel.objects.filter(pk=fields["device_model_id"]).exists():
        raise ValidationError({"device_model": "设备型号不存在。"})


def device_create(*, scope: Scope, **fields) -> Device:
    _require(scope, "device")
    fields = _with_ids(fields, DEVICE_FKS)
    if fields.get("project_id") is None:
        raise ValidationError({"project": "请选择项目。"})
    if scope.role == "integrator" and fields.get("installer_id") in (None, scope.firm_id):
        # An integrator registers the devices it installs; otherwise it could not see them afterwards.
        fields["installer_id"] = scope.firm_id
    elif scope.role == "integrator":
        raise ValidationError({"installer": "系统集成商只能登记本单位安装的设备。"})
    _device_checks(scope, fields, fields["project_id"])
    return _apply(Device(), fields)


def device_update(*, scope: Scope, device: Device, **fields) -> Device:
    _require(scope, "device")
    fields = _with_ids(fields, DEVICE_FKS)
    if scope.role == "integrator" and fields.get("installer_id", scope.firm_id) != scope.firm_id:
        raise ValidationError({"installer": "系统集成商只能登记本单位安装的设备。"})
    _device_checks(scope, fields, fields.get("project_id", device.project_id))
    return _apply(device, fields)


def firm_create(*, scope: Scope, **fields) -> Firm:
    _require(scope, "firm")
    return _apply(Firm(), fields)


def firm_update(*, scope: Scope, firm: Firm, **fields) -> Firm:
    _require(scope, "firm")
    return _apply(firm, fields)


def device_model_create(*, scope: Scope, **fields) -> DeviceModel:
    _require(scope, "device_model")
    return _apply(DeviceModel(), fields)


def device_model_update(*, scope: Scope, device_model: DeviceModel, **fields) -> DeviceModel:
    _require(scope, "device_model")
    return _apply(device_model, fields)
