"""The neutral description of a printed form: what the HTML/PDF and the DOCX renderers both
draw, so that each form is written once (in application.py or procedures.py) and the two
files cannot drift apart. Pure data: no Django, no renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

BLANK_DATE = "    年    月    日"  # the paper form's date line, left for the hand that signs


@dataclass(frozen=True)
class Cell:
    """One box of a table. ``label`` cells are the form's printed captions (centred); the
    others carry data from the platform. ``sign`` lines are printed at the bottom right of
    the box and left blank for paper signing and sealing ("签名：", "（单位盖章）", …)."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    label: bool = False
    sign: tuple[str, ...] = ()
    align: str | None = None  # "left", "center", "right"; default: labels centred, data left
    note: str = ""  # printed small under the text (the platform's record of who and when)
    box: bool = False  # a box written from the top (opinions, 情况说明); others are centred vertically

    @property
    def alignment(self) -> str:
        return self.align or ("center" if self.label else "left")

    @property
    def top(self) -> bool:
        return self.box or bool(self.sign)


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    height_mm: float | None = None  # at least this high (opinion boxes)


@dataclass(frozen=True)
class Table:
    widths: tuple[int, ...]  # relative column widths; their count is the table's column count
    rows: tuple[Row, ...]

    def placed(self) -> list[tuple[int, int, Cell]]:
        """(row, column, cell) of every cell, rowspans taken into account; raises ValueError
        when a row does not fill the grid exactly (a mistake in a form's description)."""
        columns = len(self.widths)
        taken: set[tuple[int, int]] = set()
        placed = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row.cells:
                while (r, c) in taken:
                    c += 1
                if c + cell.colspan > columns or r + cell.rowspan > len(self.rows):
                    raise ValueError(f"第{r + 1}行的单元格超出表格：{cell.text[:20]!r}")
                placed.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if (r + dr, c + dc) in taken:
                            raise ValueError(f"第{r + 1}行的单元格与上方合并的单元格重叠：{cell.text[:20]!r}")
                        taken.add((r + dr, c + dc))
                c += cell.colspan
            missing = [col for col in range(columns) if (r, col) not in taken]
            if missing:
                raise ValueError(f"第{r + 1}行未填满表格（缺第{missing[0] + 1}列）。")
        return placed


@dataclass(frozen=True)
class Para:
    """A paragraph outside the tables; ``\\n`` breaks the line."""

    text: str
    align: str = "left"  # "left", "center", "right", "justify"
    indent: bool = False  # first line indented by two characters (body text of a letter)
    bold: bool = False
    space_before_mm: float = 0
    small: bool = False  # notes under a table (备注, *1 …)


@dataclass(frozen=True)
class Document:
    form: str  # the URL's form code: "1-1", "2", "4", …
    annex: str  # printed at the top left: "附件1-1"
    title: str  # "\n" breaks a long title as on the paper form
    short_name: str  # for the file name: "接入申请表"
    subject: str  # the project's name, for the file name
    blocks: tuple[Table | Para, ...] = field(default_factory=tuple)
    body_pt: float = 11  # letters (1-4, 4, 5) are printed larger than the tables
