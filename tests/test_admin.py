"""The admin: only the city bureau and the operator; edits go through the visibility layer's rules."""

import pytest

from sitewatch.accounts.models import AuditEntry
from sitewatch.holidays.models import CalendarDay, CalendarYear
from sitewatch.registry.models import Device, DeviceModel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["xiashan", "contractor", "integrator", "builder", "supervisor"])
def test_admin_is_closed_to_districts_and_firms(login, username):
    response = login(username).get("/admin/registry/project/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("username", ["city", "operator"])
def test_admin_is_open_to_city_and_operator(login, username):
    assert login(username).get("/admin/registry/project/").status_code == 200


def test_device_admin_never_shows_passwords(login):
    device = Device.objects.exclude(gb_password="").first()
    client = login("operator")
    for url in ("/admin/registry/device/", f"/admin/registry/device/{device.pk}/change/"):
        body = client.get(url).content.decode()
        assert device.gb_password not in body, url


def test_device_admin_keeps_the_password_when_left_blank(login):
    device = Device.objects.filter(kind="dust_monitor").first()
    client = login("operator")
    data = {
        "project": device.project_id, "point": device.point_id or "", "kind": device.kind, "name": "扬尘仪改名",
        "brand": device.brand, "device_model": device.device_model_id or "", "model": device.model,
        "serial": device.serial, "apn_card": device.apn_card, "ip_address": device.ip_address or "",
        "installer": device.installer_id or "", "hj212_mn": device.hj212_mn, "hj212_password": "",
        "gb_device_id": "", "gb_password": "",
    }
    response = client.post(f"/admin/registry/device/{device.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.name == "扬尘仪改名"
    assert device.hj212_password == "123456"


def test_operator_edits_the_commitment_list(login):
    model = DeviceModel.objects.filter(commitment_listed=False).first()
    response = login("operator").post(f"/admin/registry/devicemodel/{model.pk}/change/", {
        "kind": model.kind, "brand": model.brand, "brand_name": model.brand_name, "model": model.model,
        "commitment_listed": "on", "parameters": model.parameters,
    })
    assert response.status_code == 302
    model.refresh_from_db()
    assert model.commitment_listed


def test_city_admin_enters_next_years_calendar_with_who_and_when(login, users):
    response = login("city").post("/admin/holidays/calendaryear/add/", {
        "year": "2027", "source_notice": "国务院办公厅关于2027年部分节假日安排的通知",
        "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
        "days-0-date": "2027-01-01", "days-0-kind": "holiday", "days-0-name": "元旦",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2027)
    assert year.entered_by == users["city"]
    assert year.entered_at is not None
    assert CalendarDay.objects.filter(date="2027-01-01", kind="holiday").exists()
    assert AuditEntry.objects.filter(model="holidays.CalendarYear", object_id="2027", actor_name="city").exists()


def test_operator_cannot_edit_the_calendar(login):
    assert login("operator").get("/admin/holidays/calendaryear/add/").status_code == 403


def test_city_reads_the_audit_log(login):
    assert login("city").get("/admin/accounts/auditentry/").status_code == 200


def test_audit_log_cannot_be_edited_in_the_admin(login):
    entry = AuditEntry.objects.first()
    client = login("city")
    client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"actor_name": "forged"})
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.actor_name != "forged"


def test_operator_cannot_read_the_audit_log(login):
    assert login("operator").get("/admin/accounts/auditentry/").status_code == 403
