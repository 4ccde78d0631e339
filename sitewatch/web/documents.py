"""Download of the guideline's forms (附件1-1 … 附件5) as PDF or DOCX, generated from the
database. Only for users who see the object (else 404, as for anything out of scope)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from sitewatch.accounts.visibility import scope_for
from sitewatch.onboarding.documents import (
    FORMATS,
    FORMS,
    NotAvailable,
    document_build,
    document_filename,
    document_object,
    document_render,
)

NOT_FOUND = "文书不存在，或所涉项目不在您的管辖范围内。"


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment named in UTF-8 (RFC 5987 ``filename*``), with an ASCII name for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_safe
@login_required
def download(request, form: str, pk: int, fmt: str):
    if form not in FORMS or fmt not in FORMATS:
        raise Http404(NOT_FOUND)
    obj = document_object(scope=scope_for(request.user), form=form, pk=pk)
    if obj is None:
        raise Http404(NOT_FOUND)
    try:
        document = document_build(form, obj)
    except NotAvailable as exc:
        return render(request, "documents/unavailable.html", {"message": exc.message, "form": FORMS[form]},
                      status=404)
    response = HttpResponse(document_render(document, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition(document_filename(document, fmt),
                                                          f"form-{form}-{pk}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # names and telephone numbers: not for shared caches
    return response
