"""Demo data: the city's ten districts with about thirty projects, their parties, points
and devices, and one user per role. Idempotent: running it again changes nothing.

The same data is the tests' fixed cast (tests/conftest.py), so every name here is relied on.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from django.db import transaction

from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.models import Organisation, Role, User
from sitewatch.registry.models import (
    Brand,
    Device,
    DeviceKind,
    DeviceModel,
    District,
    Firm,
    MonitoringPoint,
    PointKind,
    Project,
    ProjectStage,
    ProjectStatus,
)
from sitewatch.telemetry.models import FactorAlias

DEMO_PASSWORD = "Zhanjiang@2026"

# (username, role, district name or None, firm key or None, display name)
DISTRICT_USERS = {
    "赤坎区": "chikan", "霞山区": "xiashan", "麻章区": "mazhang", "坡头区": "potou", "湛江经济技术开发区": "kaifaqu",
    "遂溪县": "suixi", "徐闻县": "xuwen", "廉江市": "lianjiang", "雷州市": "leizhou", "吴川市": "wuchuan",
}

FIRMS = {
    # key: (credit code, name, roles, contact, phone)
    "builder_a": ("91440800MA51000001", "湛江市城市投资建设集团有限公司", ("builder",), "陈建国", "0759-3100001"),
    "builder_b": ("91440800MA51000002", "湛江港城置业有限公司", ("builder",), "林海", "0759-3100002"),
    "builder_c": ("91440800MA51000003", "廉江市城乡建设开发有限公司", ("builder",), "黄振华", "0759-3100003"),
    "contractor_a": ("91440800MA52000001", "广东粤西建工集团有限公司", ("contractor",), "李明", "13800000001"),
    "contractor_b": ("91440800MA52000002", "湛江南方建筑工程有限公司", ("contractor",), "王强", "13800000002"),
    "contractor_c": ("91440800MA52000003", "雷州半岛建设工程有限公司", ("contractor",), "吴志刚", "13800000003"),
    "supervisor_a": ("91440800MA53000001", "湛江市建设工程监理有限公司", ("supervisor",), "张华", "13800000011"),
    "supervisor_b": ("91440800MA53000002", "广东海湾工程咨询监理有限公司", ("supervisor",), "周平", "13800000012"),
    "integrator_a": ("91440800MA54000001", "湛江智联安防科技有限公司", ("integrator",), "赵工", "13800000021"),
    "integrator_b": ("91440800MA54000002", "广东云视通信息技术有限公司", ("integrator",), "钱工", "13800000022"),
    "integrator_c": ("91440800MA54000003", "湛江蓝海物联网工程有限公司", ("integrator",), "孙工", "13800000023"),
    "operator": ("91440800MA55000001", "湛江智慧渣土平台运维中心有限公司", ("operator",), "翟工", "17827237980"),
}

FIRM_USERS = [
    ("builder", Role.BUILDER, "builder_a", "建设单位演示账号"),
    ("contractor", Role.CONTRACTOR, "contractor_a", "施工单位演示账号"),
    ("supervisor", Role.SUPERVISOR, "supervisor_a", "监理单位演示账号"),
    ("integrator", Role.INTEGRATOR, "integrator_a", "集成商演示账号"),
    ("operator", Role.OPERATOR, "operator", "平台运维演示账号"),
]

DEVICE_MODELS = [
    (DeviceKind.CAMERA, Brand.HIKVISION, "", "DS-2DE4425IW-DE", True, "400万像素 25倍光学变焦 网络球机；主码流2560×1440"),
    (DeviceKind.CAMERA, Brand.DAHUA, "", "SD49425XB-HNR", True, "400万像素 25倍 星光球机；主码流2560×1440"),
    (DeviceKind.PLATE_CAMERA, Brand.HIKVISION, "", "iDS-TCE500-B", True, "出入口车牌识别一体机；1920×1080"),
    (DeviceKind.PLATE_CAMERA, Brand.DAHUA, "", "ITC237-PW6M-IRLZF", True, "出入口抓拍一体机；1920×1080"),
    (DeviceKind.NVR, Brand.HIKVISION, "", "DS-7808N-R2", True, "8路网络硬盘录像机，支持GB/T 28181"),
    (DeviceKind.NVR, Brand.DAHUA, "", "DHI-NVR2108HS-HDS3", True, "8路网络硬盘录像机，支持GB/T 28181"),
    (DeviceKind.DUST_MONITOR, Brand.OTHER, "先河环保", "XHPM2000E", True, "β射线法 PM2.5/PM10，HJ 212-2017"),
    (DeviceKind.DUST_MONITOR, Brand.OTHER, "聚光科技", "DM-200", False, "光散射法 扬尘噪声在线监测仪"),
    (DeviceKind.CAMERA, Brand.OTHER, "宇视", "IPC6622SR-X33", False, "200万像素 红外球机"),
]

# Three projects a district: (name suffix, investment, floor area, stage, status, contractor, builder, supervisor, integrator)
PROJECT_TEMPLATES = [
    ("棚户区改造安置房项目", "85000000", "42000", ProjectStage.MAIN_STRUCTURE, ProjectStatus.ACTIVE,
     "contractor_a", "builder_a", "supervisor_a", "integrator_a"),
    ("人民医院门诊综合楼", "1000000", "480", ProjectStage.FOUNDATION_PIT, ProjectStatus.ACTIVE,
     "contractor_b", "builder_b", "supervisor_b", "integrator_b"),
    ("滨海学校教学楼改扩建", "900000", "499.99", ProjectStage.EARTHWORK, ProjectStatus.ACTIVE,
     "contractor_c", "builder_c", "supervisor_a", "integrator_c"),
]
# A few deliberate variations so filters have something to show.
STATUS_OVERRIDES = {("霞山区", 2): ProjectStatus.SUSPENDED, ("吴川市", 1): ProjectStatus.COMPLETED,
                    ("麻章区", 2): ProjectStatus.SUSPENDED}
AREA_OVERRIDES = {("赤坎区", 3): "500", ("遂溪县", 3): "12000"}
STREETS = ["人民大道", "海滨大道", "椹川大道", "观海路", "解放路", "沿江路"]
# Approximate centres (longitude, latitude) of each district, for the map coordinates.
CENTRES = {
    "赤坎区": ("110.365", "21.266"), "霞山区": ("110.398", "21.192"), "麻章区": ("110.334", "21.263"),
    "坡头区": ("110.455", "21.244"), "湛江经济技术开发区": ("110.420", "21.215"), "遂溪县": ("110.250", "21.377"),
    "徐闻县": ("110.176", "20.326"), "廉江市": ("110.286", "21.611"), "雷州市": ("110.096", "20.914"),
    "吴川市": ("110.778", "21.441"),
}


def _firm(key: str) -> Firm:
    code, name, roles, contact, phone = FIRMS[key]
    defaults = {"name": name, "contact_name": contact, "contact_phone": phone}
    defaults.update({Firm.ROLE_FIELDS[r]: True for r in roles})
    firm, _ = Firm.objects.get_or_create(credit_code=code, defaults=defaults)
    return firm


def _user(username: str, org: Organisation, display: str, *, city_admin: bool = False) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"organisation": org, "first_name": display, "is_city_admin": city_admin,
                  "is_staff": org.role in (Role.CITY, Role.OPERATOR)},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


def _gb_id(district: District, type_code: str, serial: int) -> str:
    # centre code (8) + industry (2) + type (3) + network (1) + serial (6) = 20 digits
    return f"{district.code}00" + "00" + type_code + "0" + f"{serial:06d}"


def _project_devices(project: Project, district: District, index: int, integrator: Firm) -> None:
    models = {(m.kind, m.brand): m for m in DeviceModel.objects.all()}
    base = int(district.code[-2:]) * 100 + index * 10
    spec = [
        (PointKind.ENTRANCE_DOME, "1号出入口球机", "东大门出入口", DeviceKind.CAMERA, "132"),
        (PointKind.ENTRANCE_PLATE, "1号出入口车牌抓拍机", "东大门车辆冲洗平台", DeviceKind.PLATE_CAMERA, "132"),
        (PointKind.DUST, "扬尘监测点", "东大门内侧", DeviceKind.DUST_MONITOR, None),
    ]
    if project.stage in (ProjectStage.FOUNDATION_PIT, ProjectStage.MAIN_STRUCTURE):
        spec.append((PointKind.PIT_DOME, "基坑球机", "基坑北侧", DeviceKind.CAMERA, "132"))
    if project.stage == ProjectStage.MAIN_STRUCTURE:
        spec.append((PointKind.TOWER_CRANE_DOME, "1号塔吊球机", "1号塔吊大臂", DeviceKind.CAMERA, "132"))
    brand = Brand.HIKVISION if index % 2 == 0 else Brand.DAHUA
    for n, (kind, name, location, device_kind, type_code) in enumerate(spec, start=1):
        point, _ = MonitoringPoint.objects.get_or_create(project=project, name=name,
                                                         defaults={"kind": kind, "location": location})
        serial = base + n
        fields = {
            "kind": device_kind, "point": point, "installer": integrator,
            "apn_card": f"1440{district.code[-3:]}{serial:06d}", "ip_address": f"10.{int(district.code[-2:])}.{index}.{n + 10}",
            "serial": f"SN{district.code}{serial:05d}",
        }
        if device_kind == DeviceKind.DUST_MONITOR:
            model = models[(DeviceKind.DUST_MONITOR, Brand.OTHER)]
            fields.update(brand=Brand.OTHER, device_model=model, model=model.model,
                          hj212_mn=f"8844{district.code}{serial:06d}"[:24], hj212_password="123456")
        else:
            model = models.get((device_kind, brand))
            fields.update(brand=brand, device_model=model, model=model.model if model else "",
                          gb_device_id=_gb_id(district, type_code, serial), gb_password="12345678")
        Device.objects.get_or_create(project=project, name=f"{name}设备", defaults=fields)
    nvr_model = models.get((DeviceKind.NVR, brand))
    Device.objects.get_or_create(
        project=project, name="硬盘录像机",
        defaults={"kind": DeviceKind.NVR, "brand": brand, "device_model": nvr_model, "model": nvr_model.model,
                  "installer": integrator, "gb_device_id": _gb_id(district, "118", base),
                  "gb_password": "12345678", "serial": f"NVR{district.code}{base:05d}"},
    )
    Device.objects.get_or_create(project=project, name="4G路由器",
                                 defaults={"kind": DeviceKind.ROUTER, "brand": Brand.OTHER, "model": "华为 B316",
                                           "installer": integrator, "ip_address": f"10.{int(district.code[-2:])}.{index}.1"})


@transaction.atomic
def build_demo() -> list[tuple[str, str, str]]:
    """Create the demo world; returns (username, password, description) for every demo login."""
    with acting_as(None, via="command"):
        return _build()


def _ensure_districts() -> None:
    """The districts are migration data; a flushed test database has lost them."""
    if District.objects.exists():
        return
    districts = importlib.import_module("sitewatch.registry.migrations.0002_zhanjiang_districts").DISTRICTS
    for order, (code, name) in enumerate(districts, start=1):
        District.objects.create(code=code, name=name, sort_order=order)


# The operator's alias table, seeded with the vendor names 2005-era dust monitors use.
LEGACY_ALIASES = [("PM10", "pm10"), ("PM25", "pm25"), ("TSP", "tsp"), ("NOIS", "noise"), ("TEM", "temperature"),
                  ("RH", "humidity"), ("PA", "pressure"), ("WS", "wind_speed"), ("WD", "wind_direction")]


def _build() -> list[tuple[str, str, str]]:
    _ensure_districts()
    for vendor_code, parameter in LEGACY_ALIASES:
        FactorAlias.objects.get_or_create(device=None, vendor_code=vendor_code, defaults={"parameter": parameter})
    logins = []
    for kind, brand, brand_name, model, listed, params in DEVICE_MODELS:
        DeviceModel.objects.get_or_create(brand=brand, brand_name=brand_name, model=model,
                                          defaults={"kind": kind, "commitment_listed": listed, "parameters": params})
    firms = {key: _firm(key) for key in FIRMS}

    city_org, _ = Organisation.objects.get_or_create(name="湛江市住房和城乡建设局", role=Role.CITY)
    _user("city", city_org, "市住建局质安科", city_admin=True)
    logins.append(("city", DEMO_PASSWORD, "市住建局（市级管理员）"))
    for district in District.objects.all():
        org, _ = Organisation.objects.get_or_create(name=f"{district.name}住房和城乡建设局", role=Role.DISTRICT,
                                                    district=district)
        username = DISTRICT_USERS.get(district.name)
        if username:
            _user(username, org, f"{district.name}质安股")
            logins.append((username, DEMO_PASSWORD, f"{district.name}住建主管部门"))
    for username, role, firm_key, display in FIRM_USERS:
        org, _ = Organisation.objects.get_or_create(name=firms[firm_key].name, role=role, firm=firms[firm_key])
        _user(username, org, display)
        logins.append((username, DEMO_PASSWORD, f"{role.label}：{firms[firm_key].name}"))

    start = dt.date(2026, 3, 2)
    for district in District.objects.all():
        lon, lat = CENTRES.get(district.name, ("110.36", "21.27"))
        for index, template in enumerate(PROJECT_TEMPLATES, start=1):
            suffix, investment, area, stage, status, c, b, s, i = template
            name = f"{district.name}{suffix}"
            if Project.objects.filter(name=name).exists():
                continue
            project = Project.objects.create(
                name=name, district=district,
                address=f"湛江市{district.name}{STREETS[index % len(STREETS)]}{index * 17 + 3}号",
                longitude=Decimal(lon) + Decimal(index) / 1000, latitude=Decimal(lat) + Decimal(index) / 1000,
                investment_cny=Decimal(investment), floor_area_m2=Decimal(AREA_OVERRIDES.get((district.name, index), area)),
                stage=stage, status=STATUS_OVERRIDES.get((district.name, index), status),
                planned_start=start + dt.timedelta(days=7 * index), planned_finish=start + dt.timedelta(days=700 + 30 * index),
                builder=firms[b], contractor=firms[c], supervisor=firms[s], integrator=firms[i],
                manager_name=f"项目经理{index}号", manager_phone=f"1390759{int(district.code[-2:]):02d}{index:02d}",
            )
            _project_devices(project, district, index, firms[i])
    return logins
