"""Materials of an application (附件1): uploaded files checked by their content (not their
name or the browser's claim), bounded in size, stored under UPLOAD_ROOT (never served as
static files) and read only through a view that asks the visibility layer."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Application, ApplicationDevice, Material, MaterialKind
from sitewatch.onboarding.services import roles_on

# What each file is, from its first bytes: (label, signature test).
SNIFFERS = {
    "pdf": ("PDF", lambda head: head.startswith(b"%PDF-")),
    "png": ("PNG 图片", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("JPEG 图片", lambda head: head.startswith(b"\xff\xd8\xff")),
    "dwg": ("DWG 图纸", lambda head: head[:4] == b"AC10" and head[4:6].isdigit()),
    "dxf": ("DXF 图纸", lambda head: head.lstrip()[:1] == b"0" and b"SECTION" in head[:64]),
}
ALLOWED = {
    MaterialKind.CAD_PLAN: ("dwg", "dxf", "pdf"),
    MaterialKind.TOPOLOGY: ("pdf", "png", "jpg", "dwg", "dxf"),
}
DEFAULT_ALLOWED = ("pdf", "png", "jpg")
EXTENSION = {"pdf": ".pdf", "png": ".png", "jpg": ".jpg", "dwg": ".dwg", "dxf": ".dxf"}

# Materials about a device model: not asked again once the model was approved (附件1).
MODEL_MATERIALS = {
    "camera": (MaterialKind.VIDEO_TEST_REPORT, MaterialKind.VIDEO_MANUAL),
    "plate_camera": (MaterialKind.VIDEO_TEST_REPORT, MaterialKind.VIDEO_MANUAL),
    "dust_monitor": (MaterialKind.DUST_TEST_REPORT, MaterialKind.DUST_CCEP),
}
ALWAYS = (MaterialKind.CAD_PLAN, MaterialKind.TOPOLOGY, MaterialKind.SERVICE_AGREEMENT)


def upload_storage() -> FileSystemStorage:
    """Where materials live (built per use, so the setting is read when used)."""
    return FileSystemStorage(location=settings.UPLOAD_ROOT, base_url=None)


def sniff(head: bytes) -> str | None:
    return next((name for name, (_, test) in SNIFFERS.items() if test(head)), None)


@transaction.atomic
def material_upload(*, user, application: Application, kind: str, upload, now: dt.datetime) -> Material:
    """Store one uploaded file (a Django UploadedFile) as a material of the application."""
    if not roles_on(user, application) & {"contractor", "integrator"}:
        raise TransitionRefused("只有施工单位或系统集成商可以上传申请材料。", action="upload", status=403)
    if application.state not in ("draft", "returned"):
        raise TransitionRefused("申请已提交，材料不能再修改；如需补充请由县（市、区）退回修改。", action="upload",
                                status=409)
    if upload.size > settings.MATERIAL_MAX_BYTES:
        raise TransitionRefused(f"文件过大：{upload.size / 1048576:.1f} MB，上限 "
                                f"{settings.MATERIAL_MAX_BYTES / 1048576:.0f} MB。", action="upload")
    head = upload.read(512)
    upload.seek(0)
    found = sniff(head)
    allowed = ALLOWED.get(kind, DEFAULT_ALLOWED)
    if found not in allowed:
        names = "、".join(SNIFFERS[a][0] for a in allowed)
        raise TransitionRefused(f"“{MaterialKind(kind).label}”须为 {names} 文件；所传文件"
                                f"{'是 ' + SNIFFERS[found][0] if found else '无法识别类型'}。", action="upload")
    return Material.objects.create(application=application, kind=kind, uploaded_by=user, uploaded_at=now,
                                   **stored_upload(upload, file_type=found, prefix=f"{application.pk}/{kind}-"))


def stored_upload(upload, *, file_type: str, prefix: str) -> dict:
    """Save a checked upload under UPLOAD_ROOT as ``prefix`` + the start of its SHA-256 + the
    type's extension, and return the stored-file fields (path, file_type, original_name,
    size, sha256). The stored name is ours (no user-supplied path); the original is kept apart."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    path = upload_storage().save(f"{prefix}{digest.hexdigest()[:16]}{EXTENSION[file_type]}", upload)
    return {"path": path, "file_type": file_type, "original_name": (upload.name or "")[:200], "size": upload.size,
            "sha256": digest.hexdigest()}


def materials_missing(application: Application) -> list[str]:
    """The materials a submission still lacks (Chinese labels)."""
    have = set(application.materials.values_list("kind", flat=True))
    needed = list(ALWAYS)
    approved_models = set(ApplicationDevice.objects.filter(application__approved_at__isnull=False)
                          .exclude(application=application).exclude(device_model=None)
                          .values_list("device_model_id", flat=True))
    for item in application.devices.all():
        if item.device_model_id is not None and item.device_model_id in approved_models:
            continue  # approved in an earlier application: its reports are not asked again
        for kind in MODEL_MATERIALS.get(item.device_kind, ()):
            if kind not in needed:
                needed.append(kind)
    return [MaterialKind(kind).label for kind in needed if kind not in have]
