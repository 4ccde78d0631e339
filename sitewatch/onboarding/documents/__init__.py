"""The guideline's forms as generated documents (PDF to print and sign, DOCX to edit).

Each form is described once, from the database, as a neutral ``Document`` (title, tables
of cells with their spans, notes; layout.py) by application.py, procedures.py or
enforcement.py (the notices of a violation case); pdf.py
(HTML template → WeasyPrint) and word.py (python-docx) draw that same description.

    obj = document_object(scope=scope, form="1-3", pk=pk)   # None: not visible → 404
    reason = document_unavailable("1-3", obj)              # why it makes no sense yet, or None
    document = document_build("1-3", obj)
    data = document_render(document, "pdf")
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sitewatch.onboarding.documents import application as application_forms
from sitewatch.onboarding.documents import enforcement as case_forms
from sitewatch.onboarding.documents import procedures
from sitewatch.onboarding.documents.common import NotAvailable
from sitewatch.onboarding.documents.layout import Cell, Document, Para, Row, Table

__all__ = ["APPLICATION_FORMS", "FORMATS", "FORMS", "Cell", "Document", "Form", "NotAvailable", "Para", "Row",
           "Table", "application_documents", "document_build", "document_filename", "document_object",
           "document_render", "document_unavailable"]

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Form:
    code: str  # as in the URL: documents/<code>/<pk>.<fmt>
    label: str  # as listed on the pages
    source: str  # what the pk names: application, change, notice, statement, violation
    build: Callable[[object], Document]
    unavailable: Callable[[object], str | None] = lambda obj: None


FORMS = {form.code: form for form in (
    Form("1-1", "附件1-1 工地设备接入申请单", "application", application_forms.application_form),
    Form("1-3", "附件1-3 监管平台接入审核意见书", "application", application_forms.review_form),
    Form("1-4", "附件1-4 湛江市智慧渣土平台接入承诺书", "application", application_forms.commitment_letter),
    Form("1-5", "附件1-5 湛江市智慧工地设备调试申请表", "application", application_forms.test_application_form,
         application_forms.test_application_unavailable),
    Form("1-6", "附件1-6 湛江市智慧工地设备调试签领表", "application", application_forms.sign_off_form,
         application_forms.sign_off_unavailable),
    Form("2", "附件2 建筑工地监控点（移位/拆除）申请表", "change", procedures.change_form),
    Form("4", "附件4 终止/中止施工安全监督告知书", "notice", procedures.notice_form),
    Form("5", "附件5 不能接入情况说明", "statement", procedures.statement_form),
    Form("rectification", "整改通知书", "violation", case_forms.rectification_order,
         case_forms.rectification_unavailable),
    Form("escalation", "违规案件升级处理记录", "violation", case_forms.escalation_record,
         case_forms.escalation_unavailable),
)}
APPLICATION_FORMS = tuple(code for code, form in FORMS.items() if form.source == "application")
NOTICE_KINDS = tuple(procedures.NOTICE_TEXT)  # 附件4 only; a tower-crane notice (附件3) is not one of these forms


def document_object(*, scope, form: str, pk: int):
    """The object form ``form`` is printed from, if ``scope`` sees it; else None. Applications
    through the onboarding selector (an integrator also sees those naming it); the others
    through the projects the scope sees; a violation case through ``Scope.violations()``."""
    from sitewatch.onboarding.models import CannotConnect, Change, ProjectNotice
    from sitewatch.onboarding.selectors import application_list

    spec = FORMS.get(form)
    if spec is None:
        return None
    if spec.source == "application":
        qs = application_list(scope=scope).select_related("project__district", "project__builder",
                                                          "project__contractor", "project__supervisor")
    elif spec.source == "change":
        qs = Change.objects.filter(project__in=scope.projects()).select_related("project__contractor")
    elif spec.source == "violation":
        qs = scope.violations().select_related("project__district", "project__contractor", "point")
    elif spec.source == "notice":
        qs = ProjectNotice.objects.filter(project__in=scope.projects(), kind__in=NOTICE_KINDS).select_related(
            "project__builder")
    else:
        qs = CannotConnect.objects.filter(project__in=scope.projects()).select_related(
            "project__district", "filed_by__organisation__firm")
    return qs.filter(pk=pk).first()


def document_unavailable(form: str, obj) -> str | None:
    """Why ``form`` makes no sense yet for ``obj`` (in Chinese), or None when it can be made."""
    return FORMS[form].unavailable(obj)


def document_build(form: str, obj) -> Document:
    reason = document_unavailable(form, obj)
    if reason:
        raise NotAvailable(reason)
    return FORMS[form].build(obj)


def document_render(document: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        from sitewatch.onboarding.documents.pdf import render_pdf

        return render_pdf(document)
    if fmt == "docx":
        from sitewatch.onboarding.documents.word import render_docx

        return render_docx(document)
    raise ValueError(f"不支持的文书格式：{fmt}")


def document_filename(document: Document, fmt: str) -> str:
    """附件1-1_接入申请表_<项目名>.pdf; characters that file systems refuse become "_"."""
    subject = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", document.subject).strip(" ._") or "项目"
    return f"{document.annex}_{document.short_name}_{subject[:80]}.{fmt}"


@dataclass(frozen=True)
class Available:
    code: str
    label: str
    reason: str | None  # None: ready to download


def application_documents(application) -> list[Available]:
    """The onboarding forms of an application, each with why it is not available yet (if so)."""
    return [Available(code, FORMS[code].label, document_unavailable(code, application)) for code in APPLICATION_FORMS]
