"""The audit log for dust monitoring: threshold versions, reference values, factor aliases and
a device's CRC variant are recorded with who, when and the values; the gateways' constant
updates of the online state are not."""

import datetime as dt

import pytest
from django.utils import timezone

from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.models import AuditAction, AuditEntry
from sitewatch.alarms.models import DustReference, DustThreshold
from sitewatch.monitoring.models import DeviceState
from sitewatch.monitoring.services import devices_seen
from sitewatch.registry.models import Device, District
from sitewatch.telemetry.models import FactorAlias

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def entries(model: str, pk) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=model, object_id=str(pk)).order_by("id"))


def dust_monitor() -> Device:
    return Device.objects.filter(kind="dust_monitor").order_by("pk").first()


def test_threshold_version_added_by_the_city_administrator_is_recorded(login, users):
    local = timezone.localtime(timezone.now() + dt.timedelta(minutes=5))
    started = timezone.now()
    response = login("city").post("/admin/alarms/dustthreshold/add/", {
        "parameter": "pm10", "period": "hourly", "mode": "absolute", "warning_value": "120", "alarm_value": "180",
        "enabled": "on", "effective_from_0": local.strftime("%Y-%m-%d"),
        "effective_from_1": local.strftime("%H:%M:%S"), "note": "秋冬季加严",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    version = DustThreshold.objects.get(parameter="pm10", period="hourly", version=2)
    [entry] = entries("alarms.DustThreshold", version.pk)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == users["city"] and entry.actor_name == "city" and entry.via == "web"
    assert started <= entry.at <= timezone.now()
    assert entry.before is None
    assert entry.after["warning_value"] == 120 and entry.after["alarm_value"] == 180
    assert entry.after["version"] == 2 and entry.after["note"] == "秋冬季加严"
    assert entry.after["created_by_id"] == users["city"].pk


def test_reference_value_entered_and_corrected_is_recorded(login, users):
    xiashan = District.objects.get(name="霞山区")
    response = login("operator").post("/admin/alarms/dustreference/add/", {
        "district": xiashan.pk, "parameter": "pm10", "hour_0": "2026-11-25", "hour_1": "10:00:00", "value": "62.5",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    reference = DustReference.objects.get(district=xiashan)
    [created] = entries("alarms.DustReference", reference.pk)
    assert created.action == AuditAction.CREATE and created.actor == users["operator"]
    assert created.after["value"] == 62.5 and created.after["entered_by_id"] == users["operator"].pk

    with acting_as(users["city"], via="web"):
        reference.value = 58.0
        reference.save()
    updated = entries("alarms.DustReference", reference.pk)[-1]
    assert updated.action == AuditAction.UPDATE and updated.actor_name == "city"
    assert (updated.before, updated.after) == ({"value": 62.5}, {"value": 58.0})


def test_factor_alias_is_recorded(users):
    with acting_as(users["operator"], via="web"):
        alias = FactorAlias.objects.create(vendor_code="PM10-X", parameter="pm10", scale=1000)
    [entry] = entries("telemetry.FactorAlias", alias.pk)
    assert entry.action == AuditAction.CREATE and entry.actor_name == "operator"
    assert entry.after["vendor_code"] == "PM10-X" and entry.after["scale"] == 1000


def test_gateway_updates_of_the_online_state_write_no_audit_entry():
    device = dust_monitor()
    before = AuditEntry.objects.count()
    devices_seen(seen={device.pk: NOW})
    devices_seen(seen={device.pk: NOW + dt.timedelta(minutes=1)}, addresses={device.pk: "10.2.3.4:5000"})
    state = DeviceState.objects.get(pk=device.pk)
    # The same update by way of the model, as a gateway might write it.
    state.last_seen = NOW + dt.timedelta(minutes=2)
    state.save(update_fields=["last_seen"])
    state.remote_addr, state.clock_skew_seconds = "10.2.3.4:5001", 12
    state.save()
    assert AuditEntry.objects.count() == before


def test_crc_variant_set_by_the_operator_is_recorded(login, users):
    device = dust_monitor()
    devices_seen(seen={device.pk: NOW})
    response = login("operator").post(f"/admin/monitoring/devicestate/{device.pk}/change/",
                                      {"crc_variant": "modbus_swapped"})
    assert response.status_code == 302
    [entry] = entries("monitoring.DeviceState", device.pk)
    assert entry.action == AuditAction.UPDATE and entry.actor == users["operator"]
    assert (entry.before, entry.after) == ({"crc_variant": ""}, {"crc_variant": "modbus_swapped"})


def test_deleting_a_device_records_the_device_not_its_state(users):
    device = dust_monitor()
    devices_seen(seen={device.pk: NOW})
    pk = device.pk
    with acting_as(users["city"]):
        device.delete()
    assert entries("registry.Device", pk)[-1].action == AuditAction.DELETE
    assert entries("monitoring.DeviceState", pk) == []
