"""The audit log: who changed which registry record, before and after; logins; never editable."""

import pytest
from django.test import Client

from sitewatch.accounts.audit import SECRET_CHANGED, SECRET_MASK, acting_as
from sitewatch.accounts.models import AuditAction, AuditEntry
from sitewatch.core.demo import DEMO_PASSWORD
from sitewatch.registry import services
from sitewatch.registry.models import Device, Project

pytestmark = pytest.mark.django_db


def test_update_records_who_and_the_changed_values(users, scope_of):
    project = Project.objects.filter(district__name="霞山区").first()
    old_name = project.name
    with acting_as(users["xiashan"], via="web"):
        services.project_update(scope=scope_of("xiashan"), project=project, name="霞山区改名项目")
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, model="registry.Project",
                                      object_id=str(project.pk)).latest("id")
    assert entry.actor == users["xiashan"]
    assert entry.actor_name == "xiashan"
    assert entry.before == {"name": old_name}
    assert entry.after == {"name": "霞山区改名项目"}
    assert entry.at.tzinfo is not None


def test_create_records_the_new_values(users, scope_of):
    project = Project.objects.filter(district__name="霞山区").first()
    with acting_as(users["city"]):
        point = services.point_create(scope=scope_of("city"), project=project.pk, kind="other_dome", name="新增球机点位")
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, model="registry.MonitoringPoint", object_id=str(point.pk))
    assert entry.after["name"] == "新增球机点位"
    assert entry.actor_name == "city"


def test_delete_records_the_values_before(users):
    device = Device.objects.filter(kind="router").first()
    pk = device.pk
    with acting_as(users["city"]):
        device.delete()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, model="registry.Device", object_id=str(pk))
    assert entry.before["name"] == device.name


def test_secrets_are_masked_in_the_audit_log(users):
    device = Device.objects.exclude(gb_password="").first()
    with acting_as(users["city"]):
        device.gb_password = "NewSecret#2026"
        device.save()
    entry = AuditEntry.objects.filter(model="registry.Device", object_id=str(device.pk)).latest("id")
    assert entry.before == {"gb_password": SECRET_MASK}
    assert entry.after == {"gb_password": SECRET_CHANGED}
    assert "NewSecret#2026" not in str(entry.before) + str(entry.after)


def test_unchanged_save_writes_no_entry(users):
    project = Project.objects.first()
    before = AuditEntry.objects.count()
    project.save()
    assert AuditEntry.objects.count() == before


def test_audit_entry_cannot_be_changed(users):
    entry = AuditEntry.objects.first()
    entry.actor_name = "someone-else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_name="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_login_and_failed_login_are_recorded():
    client = Client()
    client.post("/login/", {"username": "xiashan", "password": "wrong-password"}, REMOTE_ADDR="10.1.1.1")
    client.post("/login/", {"username": "xiashan", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.1.1.2")
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="xiashan",
                                     remote_addr="10.1.1.1").exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_name="xiashan", remote_addr="10.1.1.2").exists()


def test_command_changes_are_attributed_to_the_system():
    project = Project.objects.first()
    with acting_as(None, via="command"):
        project.address = "湛江市霞山区新地址1号"
        project.save()
    entry = AuditEntry.objects.filter(model="registry.Project", object_id=str(project.pk)).latest("id")
    assert entry.actor_name == "system"
    assert entry.via == "command"
