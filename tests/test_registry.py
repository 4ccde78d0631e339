"""Registry rules: must-connect thresholds, validation, uniqueness and write permissions."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sitewatch.registry import services
from sitewatch.registry.models import Device, District, Firm, Project

pytestmark = pytest.mark.django_db


def _project(scope, **extra):
    district = District.objects.get(name="霞山区")
    fields = {"name": "测试项目", "district": district.pk, "investment_cny": Decimal("0"), "floor_area_m2": Decimal("0")}
    fields.update(extra)
    return services.project_create(scope=scope, **fields)


@pytest.mark.parametrize(
    ("investment", "area", "expected"),
    [
        ("1000000", "0", True),  # 以上 includes the number itself
        ("999999.99", "0", False),
        ("0", "500", True),
        ("0", "499.99", False),
        ("999999.99", "499.99", False),
        ("5000000", "100", True),
    ],
)
def test_must_connect_thresholds_are_inclusive(scope_of, investment, area, expected):
    project = _project(scope_of("xiashan"), investment_cny=Decimal(investment), floor_area_m2=Decimal(area))
    assert project.must_connect is expected
    assert Project.objects.must_connect().filter(pk=project.pk).exists() is expected


def test_suspended_project_need_not_connect(scope_of):
    project = _project(scope_of("xiashan"), investment_cny=Decimal("2000000"), status="suspended")
    assert not project.must_connect
    assert not Project.objects.must_connect().filter(pk=project.pk).exists()


def test_must_connect_threshold_is_a_setting(scope_of, settings):
    settings.MUST_CONNECT_MIN_INVESTMENT_CNY = Decimal("3000000")
    project = _project(scope_of("xiashan"), investment_cny=Decimal("2000000"))
    assert not project.must_connect


def test_district_official_cannot_register_a_project_in_another_district(scope_of):
    with pytest.raises(ValidationError, match="只能在本辖区登记项目"):
        _project(scope_of("xiashan"), district=District.objects.get(name="赤坎区").pk)


def test_contractor_cannot_register_projects(scope_of):
    with pytest.raises(PermissionDenied):
        _project(scope_of("contractor"))


def test_finish_before_start_is_refused(scope_of):
    import datetime as dt

    with pytest.raises(ValidationError, match="计划竣工日期不能早于计划开工日期"):
        _project(scope_of("city"), planned_start=dt.date(2026, 5, 1), planned_finish=dt.date(2026, 4, 1))


def test_party_must_be_registered_in_that_role(scope_of):
    supervisor = Firm.objects.filter(is_supervisor=True, is_contractor=False).first()
    with pytest.raises(ValidationError, match="未登记为施工单位"):
        _project(scope_of("city"), contractor=supervisor)


def test_gb_device_id_must_be_twenty_digits(scope_of):
    project = Project.objects.filter(district__name="霞山区").first()
    with pytest.raises(ValidationError, match="国标编码应为20位数字"):
        services.device_create(scope=scope_of("xiashan"), project=project.pk, kind="camera", name="球机",
                               gb_device_id="4408030000132")


def test_gb_device_id_is_unique(scope_of):
    existing = Device.objects.exclude(gb_device_id=None).first()
    project = Project.objects.filter(district__name="霞山区").first()
    with pytest.raises(ValidationError, match="该国标设备编码已被其他设备使用"):
        services.device_create(scope=scope_of("city"), project=project.pk, kind="camera", name="重复球机",
                               gb_device_id=existing.gb_device_id)


def test_hj212_mn_is_unique(scope_of):
    existing = Device.objects.exclude(hj212_mn=None).first()
    project = Project.objects.filter(district__name="霞山区").first()
    with pytest.raises(ValidationError, match="该MN已被其他设备使用"):
        services.device_create(scope=scope_of("city"), project=project.pk, kind="dust_monitor", name="重复扬尘",
                               hj212_mn=existing.hj212_mn)


def test_devices_without_protocol_ids_do_not_collide(scope_of):
    project = Project.objects.filter(district__name="霞山区").first()
    for n in range(2):
        services.device_create(scope=scope_of("city"), project=project.pk, kind="router", name=f"路由器{n}",
                               gb_device_id="", hj212_mn="")
    assert Device.objects.filter(project=project, name__startswith="路由器").count() == 2


def test_mn_only_on_dust_monitors(scope_of):
    project = Project.objects.filter(district__name="霞山区").first()
    with pytest.raises(ValidationError, match="只有扬尘监测仪使用"):
        services.device_create(scope=scope_of("city"), project=project.pk, kind="camera", name="球机X",
                               hj212_mn="ABC123")


def test_point_of_another_project_is_refused(scope_of):
    project, other = Project.objects.filter(district__name="霞山区")[:2]
    point = other.points.first()
    with pytest.raises(ValidationError, match="点位不存在或不属于该项目"):
        services.device_create(scope=scope_of("city"), project=project.pk, point=point.pk, kind="camera", name="球机Y")


def test_integrator_registers_devices_as_their_installer(scope_of, users):
    scope = scope_of("integrator")
    project = scope.projects().first()
    device = services.device_create(scope=scope, project=project.pk, kind="router", name="备用路由器")
    assert device.installer_id == users["integrator"].organisation.firm_id
    assert scope.devices().filter(pk=device.pk).exists()


def test_integrator_cannot_register_another_firms_device(scope_of):
    scope = scope_of("integrator")
    project = scope.projects().first()
    other = Firm.objects.filter(is_integrator=True).exclude(pk=scope.firm_id).first()
    with pytest.raises(ValidationError, match="只能登记本单位安装的设备"):
        services.device_create(scope=scope, project=project.pk, kind="router", name="他人路由器", installer=other.pk)


def test_operator_edits_commitment_list(scope_of):
    from sitewatch.registry.models import DeviceModel

    model = DeviceModel.objects.filter(commitment_listed=False).first()
    services.device_model_update(scope=scope_of("operator"), device_model=model, commitment_listed=True)
    model.refresh_from_db()
    assert model.commitment_listed


def test_district_cannot_edit_commitment_list(scope_of):
    from sitewatch.registry.models import DeviceModel

    with pytest.raises(PermissionDenied):
        services.device_model_update(scope=scope_of("xiashan"), device_model=DeviceModel.objects.first(),
                                     commitment_listed=True)


def test_device_repr_never_shows_secrets():
    device = Device.objects.exclude(gb_password="").first()
    assert device.gb_password not in repr(device)
    assert device.gb_password not in str(device)
