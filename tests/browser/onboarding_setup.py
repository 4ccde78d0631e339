"""What the onboarding walks (test_onboarding_walks.py) put into the browser server's own
database with `sitewatch shell -c`: fresh projects, drafts with their materials, a
suspended integrator, the working-day facts of the server's holiday table, and — once the
devices are picked up — the installation as the gateways would report it (GB/T 28181
registration, catalogue and stream resolutions through sitewatch.monitoring.gb28181; an
HJ 212 upload through sitewatch.telemetry.ingest) with the applied devices bound.

Everything here runs inside the server's database through the real services; the browser
does the rest. Each snippet reads its parameters from ``PARAMS`` and prints one JSON line.
"""

from __future__ import annotations

import datetime as dt
import json

from tests.servers import run_manage

MARK = "WALK-JSON:"

# Demo catalogue models the walks name: two on the commitment list (附件1-2), one not.
LISTED_CAMERA = ("海康 DS-2DE4425IW-DE", "DS-2DE4425IW-DE")
LISTED_DUST = ("先河环保 XHPM2000E", "XHPM2000E")
UNLISTED_CAMERA = ("宇视 IPC6622SR-X33", "IPC6622SR-X33")
CAMERA_POINT, DUST_POINT = "1号出入口球机", "扬尘监测点"


def server_shell(env: dict[str, str], code: str, **params) -> dict:
    """Run ``code`` in `sitewatch shell -c` against the server's database; its JSON answer."""
    prelude = f"import json\nPARAMS = json.loads({json.dumps(json.dumps(params))})\n"
    out = run_manage(env, "shell", "-c", prelude + code, timeout=120)
    line = next((line for line in reversed(out.splitlines()) if line.startswith(MARK)), None)
    if line is None:
        raise AssertionError(f"sitewatch shell 没有输出结果：\n{out[-3000:]}")
    return json.loads(line.removeprefix(MARK))


def label(day: str | dt.date) -> str:
    """A date as the pages show a due date (lib.deadlines.Due.label): 2026年11月30日."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


WORLD = r"""
import datetime as dt
from django.utils import timezone
from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.models import User
from sitewatch.lib.dates import local_date
from sitewatch.lib.workdays import CalendarMissing, add_working_days
from sitewatch.onboarding.models import Material, MaterialKind
from sitewatch.onboarding.services import application_create
from sitewatch.registry.models import DeviceModel, Firm, FirmSanction, Project

tag = PARAMS["tag"]
now = timezone.now()
today = local_date(now)
contractor = User.objects.get(username="contractor")
demo = Project.objects.filter(contractor=contractor.organisation.firm, district__name="霞山区").order_by("pk").first()
models = {m.model: m for m in DeviceModel.objects.filter(model__in=PARAMS["models"])}
flags = {name: models[name].commitment_listed for name in PARAMS["models"]}
assert flags == PARAMS["models"], f"演示目录的承诺制清单标记已被改动：{flags}"


def project(title):
    return Project.objects.create(
        name=f"{title}（走查{tag}）", district=demo.district, address=f"湛江市霞山区走查路{tag}号",
        investment_cny=demo.investment_cny, floor_area_m2=demo.floor_area_m2, stage=demo.stage,
        builder=demo.builder, contractor=demo.contractor, supervisor=demo.supervisor, integrator=demo.integrator)


def draft(project, camera_model):
    app = application_create(
        user=contractor, project=project, integrator=project.integrator, now=now, commitment_letter_signed=True,
        devices=[dict(point_name=PARAMS["camera_point"], point_kind="entrance_dome", device_kind="camera",
                      brand=models[camera_model].brand, device_model=models[camera_model]),
                 dict(point_name=PARAMS["dust_point"], point_kind="dust", device_kind="dust_monitor", brand="other",
                      device_model=models[PARAMS["dust_model"]])])
    Material.objects.bulk_create([Material(application=app, kind=kind, path=f"{app.pk}/{kind}.pdf", file_type="pdf",
                                           size=1, sha256="0" * 64, uploaded_by=contractor, uploaded_at=now)
                                  for kind in MaterialKind.values])
    return app


with acting_as(None, via="command"):
    commitment = project("承诺制走查项目")
    paused = project("设备测试走查项目")
    barred = project("停业集成商走查项目")
    refused = project("越权走查项目")
    paused_app = draft(paused, PARAMS["unlisted_camera"])
    refused_app = draft(refused, PARAMS["listed_camera"])
    firm = Firm.objects.create(credit_code=f"91440800MA5W{tag.upper()}", name=f"湛江停业整改安防工程有限公司（走查{tag}）",
                               is_integrator=True)
    sanction = FirmSanction.objects.create(
        firm=firm, kind="suspension", starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=150),
        reason="近12个月内第3次考核低于60分，暂停承接新项目6个月", decided_at=now)

try:
    calendar = {"test_date": add_working_days(today, 1).isoformat(),
                "pickup_date": add_working_days(today, 3).isoformat(),
                **{f"due{n}": add_working_days(today, n).isoformat() for n in (3, 5, 10)}}
except CalendarMissing as exc:
    calendar = {"missing": str(exc)}

print("WALK-JSON:" + json.dumps({
    "today": today.isoformat(), "calendar": calendar,
    "commitment": {"project": commitment.pk, "name": commitment.name},
    "paused": {"project": paused.pk, "app": paused_app.pk},
    "refused": {"project": refused.pk, "app": refused_app.pk},
    "barred": {"project": barred.pk, "firm": firm.name, "reason": sanction.reason,
               "starts_on": sanction.starts_on.isoformat(), "ends_on": sanction.ends_on.isoformat()},
}, ensure_ascii=False))
"""


def world_params(tag: str) -> dict:
    return {"tag": tag, "models": {LISTED_CAMERA[1]: True, LISTED_DUST[1]: True, UNLISTED_CAMERA[1]: False},
            "listed_camera": LISTED_CAMERA[1], "unlisted_camera": UNLISTED_CAMERA[1], "dust_model": LISTED_DUST[1],
            "camera_point": CAMERA_POINT, "dust_point": DUST_POINT}


# Time passing during testing, which a browser test cannot wait for: the check-in moved to
# the 4th working day before today and the open difficulty to the 2nd, both 09:00 local
# time. Answers the due date without the pause and, once the difficulty is closed today,
# the working days it paused (those of [opened, today]) and the due date moved by them.
BACKDATE = r"""
import datetime as dt
from sitewatch.lib.dates import SHANGHAI, local_date
from django.utils import timezone
from sitewatch.lib.workdays import add_working_days, working_days_between
from sitewatch.onboarding.models import Application, Difficulty

today = local_date(timezone.now())
checked_in, opened = add_working_days(today, -4), add_working_days(today, -2)
at_nine = lambda day: dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)
assert Application.objects.filter(pk=PARAMS["app"], state="testing").update(checked_in_at=at_nine(checked_in)) == 1
assert Difficulty.objects.filter(application_id=PARAMS["app"], closed_at=None).update(opened_at=at_nine(opened)) == 1
before = add_working_days(checked_in, PARAMS["days"])
paused = working_days_between(opened - dt.timedelta(days=1), today)
print("WALK-JSON:" + json.dumps({"before": before.isoformat(), "paused": paused,
                                 "after": add_working_days(before, paused).isoformat()}))
"""

# What the server itself computes for the application's test clock.
TEST_DUE = r"""
from sitewatch.onboarding.models import Application
from sitewatch.onboarding.selectors import due_for_testing

due = due_for_testing(Application.objects.get(pk=PARAMS["app"]))
print("WALK-JSON:" + json.dumps({"label": due.label, "date": due.date.isoformat() if due.date else None,
                                 "paused_days": due.paused_days}, ensure_ascii=False))
"""

# The installation, as the platform sees it: each applied device registered as a platform
# device of the project, reporting like a real one (a camera registers over GB/T 28181,
# sends its catalogue with its channel ON and its stream resolutions 1920×1080 / 704×576; a
# dust monitor uploads an HJ 212 real-time packet), then bound by the integrator.
GO_LIVE = r"""
import datetime as dt
from django.utils import timezone
from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.models import User
from sitewatch.monitoring.gb28181 import ChannelReport, gb_catalog_received, gb_device_registered, gb_stream_resolution
from sitewatch.onboarding.connection import connection_gaps
from sitewatch.onboarding.models import Application
from sitewatch.onboarding.services import application_device_bind
from sitewatch.registry.models import Device, MonitoringPoint
from sitewatch.telemetry.ingest import Outcome, Packet, ingest

app = Application.objects.select_related("project__district", "integrator").get(pk=PARAMS["app"])
integrator = User.objects.get(username="integrator")
now = timezone.now()
names = []
for n, item in enumerate(app.devices.order_by("id"), start=1):
    with acting_as(integrator, via="command"):
        point = MonitoringPoint.objects.create(project=app.project, kind=item.point_kind, name=item.point_name)
        fields = dict(project=app.project, point=point, kind=item.device_kind, name=f"{item.point_name}设备",
                      brand=item.brand, device_model=item.device_model, installer=app.integrator)
        if item.device_kind == "dust_monitor":
            device = Device.objects.create(**fields, hj212_mn=f"WALK{app.pk:06d}{n:02d}", hj212_password="123456")
        else:
            serial = 500000 + (app.pk * 10 + n) % 500000
            device = Device.objects.create(**fields, gb_device_id=f"{app.project.district.code}00" + "00" + "132" + "0"
                                           + f"{serial:06d}", gb_password="12345678")
    if item.device_kind == "dust_monitor":
        packet = Packet(mn=device.hj212_mn, password="123456", cn="2011", received_at=now, data_time=now,
                        raw=f"QN=;ST=22;CN=2011;MN={device.hj212_mn};CP=&&a34002-Rtd=48.5,a34002-Flag=N&&",
                        values={"a34002": {"Rtd": "48.5", "Flag": "N"}})
        assert ingest([packet]) == [Outcome.STORED]
    else:
        channel = device.gb_device_id[:10] + "1310000001"
        gb_device_registered(device_id=device.pk, at=now, transport="udp", contact_address="10.3.99.9:5060",
                             expires_at=now + dt.timedelta(hours=1))
        gb_catalog_received(device_id=device.pk, at=now, complete=True,
                            items=[ChannelReport(gb_channel_id=channel, name=item.point_name, status="ON")])
        assert gb_stream_resolution(device_id=device.pk, gb_channel_id=channel, at=now, main=(1920, 1080),
                                    sub=(704, 576))
    application_device_bind(user=integrator, item=item, device=device, now=now)
    names.append(device.name)
print("WALK-JSON:" + json.dumps({"devices": names, "gaps": connection_gaps(app)}, ensure_ascii=False))
"""

APPLICATION_COUNT = r"""
from sitewatch.onboarding.models import Application

print("WALK-JSON:" + json.dumps({"count": Application.objects.filter(project_id=PARAMS["project"]).count()}))
"""
