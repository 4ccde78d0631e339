"""Walk every URL pattern and API route as a 霞山区 official: none may return 赤坎区 data.

The walk fills every path parameter with the ids of 赤坎区 records (projects, points,
devices, a firm only 赤坎区 uses), adds filter and search parameters that name 赤坎区,
and looks for 赤坎区 marker strings in every answer. The same walk as the 赤坎区
official must find them (the control that proves the walk can fail).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sitewatch.accounts.models import ApiToken, User
from sitewatch.monitoring.gb28181 import (
    ChannelReport,
    gb_catalog_received,
    gb_device_facts,
    gb_device_registered,
    gb_devices_lost,
    gb_stream_resolution,
)
from sitewatch.monitoring.services import unregistered_seen
from sitewatch.registry.models import Device, District, Firm, MonitoringPoint, Project

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _route_text(pattern) -> str:
    text = str(pattern.pattern)
    if text.startswith("^") or text.endswith("$") or "(?P<" in text:
        text = text.lstrip("^").rstrip("$").replace("\\Z", "")
        text = REGEX_GROUP.sub(lambda m: f"<{m['name']}>", text)
        text = text.replace("\\.", ".").replace("\\", "")
    return text


def all_routes(resolver=None, prefix="") -> list[str]:
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        text = prefix + _route_text(pattern)
        if isinstance(pattern, URLResolver):
            routes.extend(all_routes(pattern, text))
        elif isinstance(pattern, URLPattern):
            routes.append("/" + text)
    return sorted(set(routes))


GB_AT = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def _video_data(district: District, tag: str) -> set[str]:
    """A registered NVR of each of the district's projects with named channels, resolutions and
    flips, and an 未登记设备 row placed in the district; returns the strings only it shows."""
    markers = set()
    for n, nvr in enumerate(Device.objects.filter(project__district=district, kind="nvr"), start=1):
        address = f"10.{district.code[-2:]}.{n}.250:5060"
        gb_device_registered(device_id=nvr.pk, at=GB_AT, transport="udp", contact_address=address,
                             expires_at=GB_AT + dt.timedelta(hours=1))
        gb_device_facts(device_id=nvr.pk, at=GB_AT, manufacturer=f"{tag}厂商{n}", model=f"{tag}-NVR-{n}",
                        firmware=f"{tag}-FW-{n}", channel_count=2)
        channels = [f"{nvr.gb_device_id[:10]}13100{n:03d}{i:02d}" for i in (1, 2)]
        gb_catalog_received(device_id=nvr.pk, at=GB_AT, complete=True, items=[
            ChannelReport(gb_channel_id=c, name=f"{tag}通道{n}-{i}") for i, c in enumerate(channels, 1)])
        gb_stream_resolution(device_id=nvr.pk, gb_channel_id=channels[0], at=GB_AT, main=(1920, 1080), sub=(640, 480))
        gb_devices_lost(device_ids=[nvr.pk], at=GB_AT + dt.timedelta(minutes=5))
        markers |= {address, f"{tag}厂商{n}", f"{tag}-FW-{n}", *channels,
                    *(f"{tag}通道{n}-{i}" for i in (1, 2))}
    identifier = f"{district.code}0013299{district.code}"
    unregistered_seen(protocol="gb28181", identifier=identifier, reason="unknown", remote_address="10.99.0.1:5060",
                      at=GB_AT, sample=f"REGISTER sip:{identifier} {tag}报文样例", district_id=district.pk)
    return markers | {identifier, f"{tag}报文样例"}


ASSESSED_ONLY_HERE = "赤坎独家集成科技有限公司"
ASSESSED_AT = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai


def _assessment_data(chikan: District) -> tuple[list[int], list[int], list[int]]:
    """A week assessed with offline episodes on points of both districts: an integrator working in
    both (its drill-down must show 霞山区 only its own items) and one working only in 赤坎区."""
    from sitewatch.assessment.models import Assessment, OfflineEpisode
    from sitewatch.assessment.weekly import assessment_run

    only = Firm.objects.create(credit_code="91440802MA5CK00002", name=ASSESSED_ONLY_HERE, is_integrator=True)
    Project.objects.filter(district=chikan, name__contains="滨海学校").update(integrator=only)
    notified = ASSESSED_AT - dt.timedelta(days=5)
    for point in MonitoringPoint.objects.filter(project__district__name__in=["赤坎区", "霞山区"], kind="dust"):
        OfflineEpisode.objects.create(point=point, project=point.project, integrator=point.project.integrator,
                                      started_at=notified, opened_at=notified, notified_at=notified)
    assessment_run(now=ASSESSED_AT, week_start=dt.date(2026, 11, 23), check_time=ASSESSED_AT)
    episodes = list(OfflineEpisode.objects.filter(project__district=chikan).values_list("pk", flat=True))
    assessments = list(Assessment.objects.values_list("pk", flat=True))
    return assessments, episodes, list(Assessment.objects.values_list("integrator_id", flat=True))


CASE_AT = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def _case_data(chikan: District) -> tuple[list[int], list[int], set[str]]:
    """A 赤坎区 on-site record opening a case with a photo, ordered by the 赤坎区 official,
    and a video-patrol record with behaviours: their ids, and the strings only they show."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sitewatch.enforcement.models import CaseEvidence, Violation
    from sitewatch.enforcement.services import case_act, site_record_create

    official = User.objects.get(username="chikan")
    project = Project.objects.filter(district=chikan).order_by("pk").first()
    photo = SimpleUploadedFile("赤坎现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    onsite = site_record_create(user=official, project=project, kind="onsite", observed_at=CASE_AT, now=CASE_AT,
                                violation_kind="no_video", findings="赤坎检查：出入口未装摄像机", photos=[photo],
                                latitude="21.2731", longitude="110.3650")
    case_act(user=official, violation=onsite.violation, action="order", now=CASE_AT, opinion="赤坎整改意见：限期安装")
    site_record_create(user=official, project=project, kind="patrol", observed_at=CASE_AT, now=CASE_AT,
                       behaviours=["夜间违规施工"], findings="赤坎巡查：夜间施工")
    cases = list(Violation.objects.filter(project__district=chikan).values_list("pk", flat=True))
    evidence = list(CaseEvidence.objects.filter(violation__project__district=chikan).values_list("pk", flat=True))
    return cases, evidence, {"赤坎检查：出入口未装摄像机", "赤坎整改意见：限期安装", "赤坎巡查：夜间施工", "赤坎现场.png"}


@pytest.fixture
def chikan_world(db, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    chikan = District.objects.get(name="赤坎区")
    _video_data(District.objects.get(name="霞山区"), "霞山")  # so the 霞山区 walk renders real video pages
    only_here = Firm.objects.create(credit_code="91440802MA5CK00001", name="赤坎独家监理咨询有限公司",
                                    is_supervisor=True, contact_phone="13912340802")
    Project.objects.filter(district=chikan).update(supervisor=only_here)
    projects = list(Project.objects.filter(district=chikan))
    devices = list(Device.objects.filter(project__district=chikan))
    markers = {only_here.name, only_here.credit_code, only_here.contact_phone}
    for project in projects:
        markers |= {project.name, project.address}
    for device in devices:
        markers |= {value for value in (device.serial, device.gb_device_id, device.hj212_mn, device.apn_card) if value}
    markers |= _video_data(chikan, "赤坎")
    assessments, episodes, integrators = _assessment_data(chikan)
    cases, evidence, case_markers = _case_data(chikan)
    markers |= case_markers
    ids = {
        "project": [p.pk for p in projects],
        "point": list(MonitoringPoint.objects.filter(project__district=chikan).values_list("pk", flat=True)),
        "device": [d.pk for d in devices],
        "firm": [only_here.pk, *integrators],
        "assessment": assessments,
        "episode": episodes,
        "case": cases,
        "evidence": evidence,
    }
    return {"district": chikan, "markers": markers, "ids": ids}


def _candidate_values(conv: str | None, name: str, world) -> list[str]:
    if name == "app_label":
        return ["registry", "accounts", "holidays"]
    if name in ("model_name",):
        return ["project", "device", "monitoringpoint", "firm"]
    if name in ("evidence_pk", "eid"):  # under /cases/<pk>/ (pages, API): the file ids are the 赤坎区 case's
        return [str(i) for i in world["ids"]["evidence"]]
    every_id = sorted({i for group in world["ids"].values() for i in group})
    if conv in (None, "path", "str") and name not in ("pk", "id", "object_id", "project_id", "device_id"):
        return [str(every_id[0])]
    return [str(i) for i in every_id]


def concrete_paths(route: str, world) -> list[str]:
    params = list(PARAM.finditer(route))
    if not params:
        return [route]
    paths = [route]
    for match in params:
        values = _candidate_values(match["conv"], match["name"], world)
        paths = [p.replace(match[0], value, 1) for p in paths for value in values]
    return paths


def _query_variants(path: str, world) -> list[str]:
    district = world["district"].pk
    return [path, f"{path}?district={district}&q=赤坎", f"{path}?project={world['ids']['project'][0]}"]


def _clients(username: str):
    user = User.objects.get(username=username)
    session = Client()
    session.force_login(user)
    token = ApiToken.generate()
    ApiToken.objects.create(user=user, prefix=token[:8], digest=ApiToken.hash(token), name="scope walk")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return session, api


def walk(username: str, world) -> tuple[list[str], int, list[str]]:
    session, api = _clients(username)
    leaks, visited, errors = [], 0, []
    for route in all_routes():
        if "logout" in route:
            continue
        for path in concrete_paths(route, world):
            for url in _query_variants(path, world):
                client = api if url.startswith("/api/") else session
                response = client.get(url)
                visited += 1
                if response.status_code >= 500:
                    errors.append(f"{url} → {response.status_code}")
                body = b"".join(response) if response.streaming else response.content
                text = body.decode("utf-8", errors="replace")
                found = sorted(m for m in world["markers"] if m in text)
                if found:
                    leaks.append(f"{url}: {found[:3]}")
    return leaks, visited, errors


def test_routes_include_pages_api_and_admin():
    routes = all_routes()
    assert any(r.startswith("/api/v1/projects") for r in routes)
    assert any(r.startswith("/projects/") for r in routes)
    assert any(r.startswith("/admin/") for r in routes)


def test_xiashan_official_never_sees_chikan_data(chikan_world):
    leaks, visited, errors = walk("xiashan", chikan_world)
    assert visited > 200
    assert not errors, errors
    assert not leaks, leaks


def test_xiashan_official_cannot_open_an_integrator_working_only_in_chikan(chikan_world):
    from sitewatch.assessment.models import Assessment

    only = Assessment.objects.get(integrator__name=ASSESSED_ONLY_HERE)
    session, api = _clients("xiashan")
    assert session.get(f"/assessments/{only.pk}/").status_code == 404
    assert session.get(f"/assessments/integrators/{only.integrator_id}/").status_code == 404
    assert api.get(f"/api/v1/assessments/{only.pk}").status_code == 404
    assert ASSESSED_ONLY_HERE not in session.get("/assessments/").content.decode()
    chikan, _ = _clients("chikan")
    assert chikan.get(f"/assessments/{only.pk}/").status_code == 200


def test_the_walk_finds_chikan_data_as_the_chikan_official(chikan_world):
    leaks, _, errors = walk("chikan", chikan_world)
    assert not errors, errors
    pages = {leak.split("?")[0].split(":")[0] for leak in leaks}
    assert any(p.startswith("/api/v1/projects") for p in pages)
    assert any(p.startswith("/projects/") for p in pages)
    assert any(re.fullmatch(r"/devices/\d+/", p) for p in pages)
    assert "/unregistered/" in pages
    assert any(re.fullmatch(r"/assessments/\d+/", p) for p in pages)
    assert "/episodes/" in pages and "/api/v1/episodes" in pages
    assert any(re.fullmatch(r"/cases/\d+/", p) for p in pages)
    assert "/cases/" in pages
    assert {"/api/v1/cases", "/api/v1/site-records"} <= pages and any(re.fullmatch(r"/api/v1/cases/\d+", p)
                                                                     for p in pages)
