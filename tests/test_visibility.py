"""The one visibility layer: each role sees exactly its share of the registry."""

import pytest

from sitewatch.accounts.models import Organisation, Role, User
from sitewatch.accounts.visibility import PUBLIC, scope_for
from sitewatch.registry.models import Device, District, Firm, MonitoringPoint, Project

pytestmark = pytest.mark.django_db


def test_city_sees_every_project(scope_of):
    assert scope_of("city").projects().count() == Project.objects.count()


def test_operator_sees_every_project(scope_of):
    assert scope_of("operator").projects().count() == Project.objects.count()


def test_district_sees_only_its_district(scope_of):
    projects = scope_of("xiashan").projects()
    assert projects.count() == 3
    assert set(projects.values_list("district__name", flat=True)) == {"霞山区"}


def test_district_sees_only_its_districts_points_and_devices(scope_of):
    scope = scope_of("xiashan")
    assert set(scope.points().values_list("project__district__name", flat=True)) == {"霞山区"}
    assert set(scope.devices().values_list("project__district__name", flat=True)) == {"霞山区"}


def test_district_sees_no_firm_only_active_in_another_district(scope_of, users):
    chikan = District.objects.get(name="赤坎区")
    lonely = Firm.objects.create(credit_code="91440800MA59000001", name="仅赤坎施工企业", is_contractor=True)
    Project.objects.filter(district=chikan).update(contractor=lonely)
    assert not scope_of("xiashan").firms().filter(pk=lonely.pk).exists()
    assert scope_of("chikan").firms().filter(pk=lonely.pk).exists()


def test_district_sees_unattached_firms_to_use_them(scope_of):
    fresh = Firm.objects.create(credit_code="91440800MA59000002", name="新登记监理企业", is_supervisor=True)
    assert scope_of("xiashan").firms().filter(pk=fresh.pk).exists()


@pytest.mark.parametrize(("username", "field"), [("builder", "builder"), ("contractor", "contractor"),
                                                  ("supervisor", "supervisor")])
def test_party_sees_only_projects_where_it_is_that_party(scope_of, users, username, field):
    firm_id = users[username].organisation.firm_id
    visible = scope_of(username).projects()
    assert visible.count() == Project.objects.filter(**{f"{field}_id": firm_id}).count() > 0
    assert all(getattr(p, f"{field}_id") == firm_id for p in visible)


def test_integrator_sees_only_devices_it_installed(scope_of, users):
    firm_id = users["integrator"].organisation.firm_id
    devices = scope_of("integrator").devices()
    assert devices.count() == Device.objects.filter(installer_id=firm_id).count() > 0
    assert set(devices.values_list("installer_id", flat=True)) == {firm_id}


def test_integrator_sees_projects_where_it_installed_a_device(scope_of, users):
    firm_id = users["integrator"].organisation.firm_id
    other = Project.objects.exclude(integrator_id=firm_id).first()
    assert not scope_of("integrator").projects().filter(pk=other.pk).exists()
    Device.objects.create(project=other, kind="router", name="代装路由器", installer_id=firm_id)
    assert scope_of("integrator").projects().filter(pk=other.pk).exists()
    # ...but not the other integrator's devices there
    assert not scope_of("integrator").devices().filter(project=other).exclude(installer_id=firm_id).exists()


def test_public_sees_no_registry_data():
    assert not PUBLIC.projects().exists()
    assert not PUBLIC.devices().exists()
    assert not PUBLIC.points().exists()
    assert not PUBLIC.firms().exists()
    assert not PUBLIC.districts().exists()


def test_user_without_organisation_sees_nothing():
    user = User.objects.create_user("nobody", password="x" * 12)
    scope = scope_for(user)
    assert not scope.projects().exists()
    assert not scope.devices().exists()


def test_inactive_user_sees_nothing(users):
    user = users["city"]
    user.is_active = False
    assert not scope_for(user).projects().exists()


def test_only_city_reads_the_audit_log(scope_of):
    assert scope_of("city").can_read_audit
    assert not scope_of("operator").can_read_audit
    assert not scope_of("xiashan").can_read_audit


def test_district_writes_only_in_its_district(scope_of):
    assert list(scope_of("xiashan").writable_districts().values_list("name", flat=True)) == ["霞山区"]
    assert scope_of("contractor").writable_districts().count() == 0


def test_district_organisation_without_district_is_refused():
    from django.core.exceptions import ValidationError

    org = Organisation(name="无辖区的局", role=Role.DISTRICT)
    with pytest.raises(ValidationError):
        org.full_clean()


def test_points_follow_projects_for_parties(scope_of, users):
    firm_id = users["contractor"].organisation.firm_id
    points = scope_of("contractor").points()
    assert points.count() == MonitoringPoint.objects.filter(project__contractor_id=firm_id).count()
