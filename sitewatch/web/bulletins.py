"""The monthly bulletin of the integrator assessment (附件7): public pages without login
(published months only, as published) and the city bureau's preview and 发布 button.

The public pages print only what the frozen snapshot holds: firms' names and credit codes,
scores and deductions, never a phone number or a person's name. They are plain HTML with the
site's stylesheet and no script, for a slow mobile link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from sitewatch.accounts.visibility import scope_for
from sitewatch.assessment import bulletin as bulletins
from sitewatch.assessment.bulletin_files import (
    bulletin_filename,
    bulletin_pdf,
    bulletin_xlsx,
    intro,
    published_on,
)
from sitewatch.lib.dates import local_date
from sitewatch.web.documents import content_disposition

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
NOT_PUBLISHED = "该月的考核通报不存在或尚未发布。"
CITY_ONLY = "月度考核通报的预览和发布仅限市住建局。"


def _is_city(user) -> bool:
    return scope_for(user).can_publish_bulletins


def _missing(request):
    return render(request, "web/bulletin_missing.html", {"message": NOT_PUBLISHED}, status=404)


def _items(snapshot: dict) -> list[dict]:
    """Rows for the table, with the deductions in the fixed item order."""
    return [{**row, "by_item": [(label, row["deductions"].get(item, 0)) for item, label in bulletins.ITEMS.items()]}
            for row in snapshot["rows"]]


# --- public ---

@require_safe
def public_list(request):
    return render(request, "web/bulletin_list.html", {
        "bulletins": bulletins.published_bulletins(scope=scope_for(request.user)), "is_city": _is_city(request.user)})


@require_safe
def public_detail(request, month: str):
    published = bulletins.published_bulletin(scope=scope_for(request.user), month=bulletins.parse_month(month))
    if published is None:
        return _missing(request)
    snapshot = published.snapshot
    return render(request, "web/bulletin_detail.html", {
        "bulletin": published, "snapshot": snapshot, "rows": _items(snapshot), "labels": bulletins.ITEMS.values(),
        "intro": intro(snapshot), "published_on": published_on(snapshot), "month": month})


@require_safe
def public_file(request, month: str, fmt: str):
    published = bulletins.published_bulletin(scope=scope_for(request.user), month=bulletins.parse_month(month))
    if published is None or fmt not in FORMATS:
        return _missing(request)
    build = bulletin_pdf if fmt == "pdf" else bulletin_xlsx
    response = HttpResponse(build(published.snapshot), content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition(bulletin_filename(published.snapshot, fmt),
                                                          f"bulletin-{month}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"  # public data, frozen at publication
    return response


# --- the city bureau ---

@require_safe
@login_required
def manage(request):
    if not _is_city(request.user):
        return render(request, "403.html", {"reason": CITY_ONLY}, status=403)
    now = timezone.now()
    published = {b.month: b for b in bulletins.published_bulletins(scope=scope_for(request.user))}
    months = [{"month": m, "key": bulletins.month_key(m), "label": bulletins.month_label(m),
               "published": published.get(m), "opens": bulletins.publishable_from(m)}
              for m in sorted(set(bulletins.assessed_months()) | set(published), reverse=True)]
    for row in months:
        row["open"] = now >= row["opens"]
    return render(request, "web/bulletin_manage.html", {"months": months})


@require_safe
@login_required
def preview(request, month: str):
    if not _is_city(request.user):
        return render(request, "403.html", {"reason": CITY_ONLY}, status=403)
    first = bulletins.parse_month(month)
    if first is None:
        return _missing(request)
    published = bulletins.published_bulletin(scope=scope_for(request.user), month=first)
    snapshot = bulletins.monthly_ranking(month=first)
    opens = bulletins.publishable_from(first)
    return render(request, "web/bulletin_preview.html", {
        "snapshot": snapshot, "rows": _items(snapshot), "labels": bulletins.ITEMS.values(), "month": month,
        "label": bulletins.month_label(first), "published": published, "opens": opens,
        "open": timezone.now() >= opens, "published_day": local_date(published.published_at) if published else None})


@require_POST
@login_required
def publish(request, month: str):
    if not _is_city(request.user):
        return render(request, "403.html", {"reason": CITY_ONLY}, status=403)
    first = bulletins.parse_month(month)
    if first is None:
        return _missing(request)
    try:
        bulletins.bulletin_publish(user=request.user, month=first, now=timezone.now())
    except bulletins.BulletinRefused as exc:
        messages.error(request, exc.message)
        return redirect("bulletins:preview", month=month)
    messages.success(request, f"{bulletins.month_label(first)}的考核通报已发布，公众无需登录即可查看。")
    return redirect("bulletins:public_detail", month=month)
