"""Application materials: checked by content and size, stored outside the web root, served
only to those who see the application; model reports not asked twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.materials import material_upload, materials_missing
from sitewatch.onboarding.models import Material
from tests.test_onboarding_services import T0, make, review

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DWG = b"AC1032" + b"\x00" * 200


@pytest.fixture(autouse=True)
def uploads(tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return tmp_path / "uploads"


@pytest.fixture
def project(users):
    from sitewatch.registry.models import Project

    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def draft(users, project):
    app = make(users, project)
    Material.objects.filter(application=app).delete()
    return app


def test_a_pdf_renamed_nothing_is_accepted_by_its_content_and_stored_outside_static(users, project, uploads):
    app = draft(users, project)
    material = material_upload(user=users["contractor"], application=app, kind="service_agreement",
                               upload=SimpleUploadedFile("协议.txt", PDF, content_type="text/plain"), now=T0)
    assert material.file_type == "pdf" and material.original_name == "协议.txt"
    assert (uploads / material.path).read_bytes() == PDF and ".." not in material.path


def test_a_file_that_is_not_what_the_material_needs_is_refused(users, project):
    app = draft(users, project)
    with pytest.raises(TransitionRefused, match="须为 DWG 图纸、DXF 图纸、PDF 文件；所传文件无法识别类型"):
        material_upload(user=users["contractor"], application=app, kind="cad_plan",
                        upload=SimpleUploadedFile("plan.dwg", b"MZ\x90\x00 not a drawing"), now=T0)
    assert material_upload(user=users["contractor"], application=app, kind="cad_plan",
                           upload=SimpleUploadedFile("plan.dwg", DWG), now=T0).file_type == "dwg"


def test_oversized_files_are_refused(users, project, settings):
    settings.MATERIAL_MAX_BYTES = 1024
    app = draft(users, project)
    with pytest.raises(TransitionRefused, match="文件过大"):
        material_upload(user=users["contractor"], application=app, kind="topology",
                        upload=SimpleUploadedFile("t.pdf", PDF + b"0" * 2000), now=T0)


def test_submission_lists_missing_materials_and_approved_models_need_no_reports_again(users, project):
    from sitewatch.onboarding.services import application_act

    app = draft(users, project)
    with pytest.raises(TransitionRefused, match="尚缺申请材料：点位布置CAD平面图、设备及网络拓扑图、文明工地服务协议、"
                                                "视频监控设备检测报告"):
        application_act(user=users["contractor"], application=app, action="submit", now=T0)
    app.delete()
    approved = make(users, project)
    review(users, approved)
    type(approved).objects.filter(pk=approved.pk).update(state="connected")
    again = make(users, project.__class__.objects.get(pk=project.pk))
    Material.objects.filter(application=again).delete()
    assert materials_missing(again) == ["点位布置CAD平面图", "设备及网络拓扑图", "文明工地服务协议"]


def test_download_only_for_those_who_see_the_application(users, project, login):
    app = draft(users, project)
    material = material_upload(user=users["contractor"], application=app, kind="topology",
                               upload=SimpleUploadedFile("拓扑.pdf", PDF), now=T0)
    response = login("xiashan").get(f"/materials/{material.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert login("chikan").get(f"/materials/{material.pk}/").status_code == 404


def test_after_submission_materials_cannot_change(users, project):
    from sitewatch.onboarding.services import application_act

    app = make(users, project)
    application_act(user=users["contractor"], application=app, action="submit", now=T0 + dt.timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="申请已提交"):
        material_upload(user=users["contractor"], application=app, kind="topology",
                        upload=SimpleUploadedFile("t.pdf", PDF), now=T0)


def test_contractor_uploads_on_the_application_page_and_sees_what_is_missing(users, project, login):
    app = draft(users, project)
    client = login("contractor")
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="upload-form"' in page and "提交前尚缺：点位布置CAD平面图" in page
    response = client.post(f"/applications/{app.pk}/", {"action": "upload", "kind": "cad_plan",
                                                         "file": SimpleUploadedFile("总平面.dwg", DWG)})
    assert response.status_code == 302
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert "提交前尚缺：设备及网络拓扑图" in page and "点位布置CAD平面图</a>（DWG" in page
    wrong = client.post(f"/applications/{app.pk}/", {"action": "upload", "kind": "topology",
                                                      "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")})
    assert wrong.status_code == 422 and "无法识别类型" in wrong.content.decode()
    assert 'id="upload-form"' not in login("xiashan").get(f"/applications/{app.pk}/").content.decode()
