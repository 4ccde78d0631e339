"""A form as PDF: the one HTML template (templates/documents/form.html) laid out by
WeasyPrint, A4, with the Noto CJK fonts embedded (subset) so the file prints the same
everywhere."""

from __future__ import annotations

import threading

from django.template.loader import render_to_string

from sitewatch.onboarding.documents.layout import Document, Para, Table

_lock = threading.Lock()
_font_config = None


def html_for(document: Document) -> str:
    blocks = []
    for block in document.blocks:
        if isinstance(block, Table):
            block.placed()  # a form whose rows do not fill the grid is a bug: fail here, not on paper
            total = sum(block.widths)
            blocks.append({"table": block, "widths": [round(100 * w / total, 3) for w in block.widths]})
        elif isinstance(block, Para):
            blocks.append({"para": block})
    return render_to_string("documents/form.html", {"doc": document, "blocks": blocks, "body_pt": f"{document.body_pt:g}",
                                                    "title_line": document.title.replace("\n", "")})


def render_pdf(document: Document) -> bytes:
    """The PDF bytes. One FontConfiguration is kept for the process (loading fontconfig and the
    CJK fonts again for every file would cost more than the layout); renders take turns,
    as WeasyPrint does not promise that a configuration may be shared by threads at once."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    global _font_config
    html = html_for(document)
    with _lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        # The template names no external resource, and nothing printed from the data may
        # make it fetch one: every protocol is refused.
        fetcher = URLFetcher(allowed_protocols=frozenset())
        return HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=_font_config)
