"""Admin pages for online state, readings, aliases and unregistered devices."""

import datetime as dt

import pytest

from sitewatch.monitoring.models import DeviceState
from sitewatch.monitoring.services import devices_seen
from sitewatch.registry.models import Device

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("url", ["/admin/monitoring/devicestate/", "/admin/monitoring/flip/",
                                 "/admin/monitoring/unregistereddevice/", "/admin/telemetry/reading/",
                                 "/admin/telemetry/rawpacket/", "/admin/telemetry/factoralias/"])
def test_operator_reads_the_telemetry_admin_pages(login, url):
    assert login("operator").get(url).status_code == 200


def test_operator_sets_a_devices_crc_variant(login):
    device = Device.objects.filter(kind="dust_monitor").first()
    devices_seen(seen={device.pk: NOW})
    response = login("operator").post(f"/admin/monitoring/devicestate/{device.pk}/change/",
                                      {"crc_variant": "modbus_swapped"})
    assert response.status_code == 302
    assert DeviceState.objects.get(pk=device.pk).crc_variant == "modbus_swapped"


def test_flips_cannot_be_edited(login):
    device = Device.objects.filter(kind="dust_monitor").first()
    devices_seen(seen={device.pk: NOW})
    from sitewatch.monitoring.models import Flip

    flip = Flip.objects.get(device=device)
    client = login("city")
    assert client.post(f"/admin/monitoring/flip/{flip.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Flip.objects.filter(pk=flip.pk).exists()
