"""A form as an editable Word file (DOCX, python-docx): the same description as the PDF,
drawn as real Word tables with merged cells, so an office can correct or complete it.

Fonts: Word picks the font of Chinese text from ``w:rFonts/@w:eastAsia``; without it a
Latin font is asked for Chinese and Word substitutes whatever it likes. The file names
宋体 (body) and 黑体 (the annex label), which every Chinese Windows, WPS and Office has;
the PDF embeds Noto CJK instead, as it must print the same without any installed font."""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from sitewatch.onboarding.documents.layout import Cell, Document, Para, Table

SERIF, SANS, LATIN = "宋体", "黑体", "Times New Roman"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = Mm(22), Mm(20), Mm(18)
TEXT_WIDTH_MM = 210 - 2 * 22
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def set_fonts(rpr_owner, east_asia: str) -> None:
    """Latin and East-Asian fonts on a run or style (w:rFonts with w:eastAsia), Chinese language."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _run(paragraph, text: str, *, size: float, bold: bool = False, east_asia: str = SERIF):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    set_fonts(run._r, east_asia)
    return run


def _lines(paragraph, text: str, **kwargs) -> None:
    """Text with "\\n" as line breaks inside one paragraph (as the PDF breaks them)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = _run(paragraph, line, **kwargs)
        if i < len(lines) - 1:
            run.add_break()


def _paragraph_format(paragraph, *, align: str = "left", before_mm: float = 0, indent: bool = False,
                      size: float = 11, spacing: float = 1.25) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = ALIGN[align]
    fmt.space_before = Mm(before_mm)
    fmt.space_after = Pt(0)
    fmt.line_spacing = spacing
    if indent:
        fmt.first_line_indent = Pt(2 * size)


def _fill(cell, spec: Cell, width_mm: float, size: float) -> None:
    first = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:  # merged cells bring their empty paragraphs along
        extra._p.getparent().remove(extra._p)
    # Single spacing in the boxes: the CJK fonts' own line height is already generous.
    _paragraph_format(first, align=spec.alignment, spacing=1.0)
    _lines(first, spec.text, size=size)
    if spec.note:
        paragraph = cell.add_paragraph()
        _paragraph_format(paragraph, align=spec.alignment, spacing=1.0)
        _run(paragraph, spec.note, size=9)
    for i, line in enumerate(spec.sign):
        paragraph = cell.add_paragraph()
        _paragraph_format(paragraph, before_mm=3 if i == 0 else 0, spacing=1.0)
        paragraph.paragraph_format.left_indent = Mm(width_mm * 0.45)
        _run(paragraph, line, size=size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP if spec.top else WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _table(docx, table: Table, size: float) -> None:
    placed = table.placed()
    total = sum(table.widths)
    widths_mm = [TEXT_WIDTH_MM * w / total for w in table.widths]
    grid = docx.add_table(rows=len(table.rows), cols=len(table.widths))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    for r, row in enumerate(table.rows):
        if row.height_mm:
            grid.rows[r].height = Mm(row.height_mm)
            grid.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for r, c, spec in placed:
        cell = grid.cell(r, c)
        if spec.colspan > 1 or spec.rowspan > 1:
            cell = cell.merge(grid.cell(r + spec.rowspan - 1, c + spec.colspan - 1))
        _fill(cell, spec, sum(widths_mm[c:c + spec.colspan]), size)


def render_docx(document: Document) -> bytes:
    docx = new_docx()
    section = docx.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN_SIDE
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    normal = docx.styles["Normal"]
    normal.font.size = Pt(document.body_pt)
    set_fonts(normal.element, SERIF)
    props = docx.core_properties
    props.title = f"{document.annex} {document.title.replace(chr(10), '')}"
    props.author = "湛江市智慧渣土综合服务监管平台"
    props.language = "zh-CN"

    annex = docx.paragraphs[0] if docx.paragraphs else docx.add_paragraph()
    _paragraph_format(annex)
    _run(annex, document.annex, size=12, east_asia=SANS)
    title = docx.add_paragraph()
    _paragraph_format(title, align="center", before_mm=2)
    title.paragraph_format.space_after = Mm(4)
    _lines(title, document.title, size=18, bold=True)
    for block in document.blocks:
        if isinstance(block, Table):
            _table(docx, block, document.body_pt)
        elif isinstance(block, Para):
            size = 10 if block.small else document.body_pt
            paragraph = docx.add_paragraph()
            _paragraph_format(paragraph, align=block.align, before_mm=block.space_before_mm, indent=block.indent,
                              size=size)
            _lines(paragraph, block.text, size=size, bold=block.bold)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
