"""The published monthly bulletin as files, built from its frozen snapshot only: an A4 PDF
through the forms' renderer (sitewatch/onboarding/documents/pdf.py, Noto CJK embedded) and
an XLSX workbook (the ranking, and the 口径说明 on a second sheet)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from sitewatch.assessment.bulletin import ITEMS, PUBLISHER
from sitewatch.onboarding.documents.common import cn_date
from sitewatch.onboarding.documents.layout import Cell, Document, Para, Row, Table
from sitewatch.onboarding.documents.pdf import render_pdf

HEADERS = ("排名", "系统集成商", "统一社会信用代码", "月度得分", *(f"{label}扣分" for label in ITEMS.values()),
           "计入周数", "点位数")
WIDTHS = (5, 24, 29, 9, 7, 7, 7, 7, 5, 5)


def table_rows(snapshot: dict) -> list[tuple]:
    """The ranking as printed: one tuple per integrator, in HEADERS' order."""
    return [(row["rank"], row["name"], row["credit_code"], Decimal(row["score"]),
             *(row["deductions"].get(item, 0) for item in ITEMS), row["weeks"], row["points"])
            for row in snapshot["rows"]]


def intro(snapshot: dict) -> str:
    weeks = [dt.date.fromisoformat(w) for w in snapshot.get("weeks", [])]
    spans = "、".join(f"{w.month}月{w.day}日—{(w + dt.timedelta(days=6)).month}月{(w + dt.timedelta(days=6)).day}日"
                     for w in weeks)
    year, month = snapshot["month"].split("-")
    return (f"根据《湛江市房屋市政工程项目实时远程视频监控和扬尘监测管理工作指引（试行）》附件7，现将{year}年{int(month)}月"
            f"系统集成商考核情况通报如下。本月计入的考核周共{len(weeks)}周：{spans}。")


def published_on(snapshot: dict) -> str:
    moment = snapshot.get("published_at")
    return cn_date(dt.datetime.fromisoformat(moment).date()) if moment else ""


def bulletin_pdf(snapshot: dict) -> bytes:
    header = Row(tuple(Cell(text, label=True) for text in HEADERS))
    body = tuple(Row((Cell(str(rank), align="center"), Cell(name), Cell(code, align="center"),
                      Cell(f"{score:.2f}", align="center"),
                      *(Cell(str(amount), align="center") for amount in rest[:-2]),
                      Cell(str(rest[-2]), align="center"), Cell(str(rest[-1]), align="center")))
                 for rank, name, code, score, *rest in table_rows(snapshot))
    blocks: list = [Para(intro(snapshot), indent=True), Table(WIDTHS, (header, *body)),
                    Para("口径说明", bold=True, space_before_mm=5)]
    blocks += [Para(f"{n}. {text}", small=True) for n, text in enumerate(snapshot.get("notes", []), 1)]
    blocks.append(Para(f"{snapshot.get('publisher', PUBLISHER)}\n{published_on(snapshot)}", align="right",
                       space_before_mm=6))
    year, month = snapshot["month"].split("-")
    document = Document(form="bulletin", annex="", title=snapshot["title"], short_name="考核情况通报",
                        subject=f"{year}年{int(month)}月", blocks=tuple(blocks), body_pt=10)
    return render_pdf(document)


def bulletin_xlsx(snapshot: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "考核排名"
    sheet.append([snapshot["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"发布单位：{snapshot.get('publisher', PUBLISHER)}　发布日期：{published_on(snapshot)}"])
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for values in table_rows(snapshot):
        sheet.append(list(values))
        sheet.cell(row=sheet.max_row, column=4).number_format = "0.00"
    for letter, width in zip("ABCDEFGHIJ", (6, 40, 22, 10, 11, 12, 11, 11, 9, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    notes = book.create_sheet("口径说明")
    notes.append(["序号", "口径说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for n, text in enumerate(snapshot.get("notes", []), 1):
        notes.append([n, text])
        notes.cell(row=notes.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 6
    notes.column_dimensions["B"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bulletin_filename(snapshot: dict, fmt: str) -> str:
    year, month = snapshot["month"].split("-")
    return f"系统集成商考核情况通报（{year}年{int(month)}月）.{fmt}"
