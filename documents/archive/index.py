"""The index of a plan's record (Mục lục hồ sơ): one row per file, as .xlsx and as .docx
(turned into PDF by LibreOffice, as the report is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from documents.report.docx_parts import (
    CELL,
    CENTRED,
    LANDSCAPE_WIDTH_MM,
    add,
    filled_row,
    page,
    page_numbers,
    repeat_as_header,
    set_fonts,
    table,
)
from domain.vi import dmy

TITLE = "MỤC LỤC HỒ SƠ"
SHEET = "Mục lục hồ sơ"
COLUMNS = (
    "Số thứ tự",
    "Tên văn bản/tài liệu",
    "Đơn vị",
    "Ngày",
    "Số trang hoặc dung lượng",
    "Tệp",
)
_WIDTHS_XLSX = (10, 70, 38, 12, 16, 60)
_WIDTHS_MM = (14, 88, 50, 22, 26, LANDSCAPE_WIDTH_MM - 200)
_SMALL = replace(CELL, size=11)


@dataclass(frozen=True)
class IndexRow:
    """One file of the record: what it is, whose, of which day, and how large."""

    path: str  # relative to the record's folder, with "/"
    title: str
    unit: str
    day: date | None
    pages: int | None  # a PDF's pages; None: the size is shown instead
    size: int  # bytes


@dataclass(frozen=True)
class RecordIndex:
    heading: str  # e.g. "Hồ sơ: Kế hoạch số 281/KH-SKHCN …"
    made_on: date
    rows: tuple[IndexRow, ...]


def extent(row: IndexRow) -> str:
    """ "12 trang", or the size as "34,5 KB" (Vietnamese decimal comma)."""
    if row.pages is not None:
        return f"{row.pages} trang"
    size = float(row.size)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            shown = f"{size:.0f}" if unit == "B" else f"{size:.1f}".replace(".", ",")
            return f"{shown} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def cells(number: int, row: IndexRow) -> tuple[str, ...]:
    """A row's text in the index's columns."""
    day = dmy(row.day) if row.day else ""
    return (str(number), row.title, row.unit, day, extent(row), row.path)


def write_xlsx(index: RecordIndex, path: Path) -> Path:
    wb = Workbook()
    wb.properties.title = f"{TITLE} — {index.heading}"
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = SHEET
    ws.append([TITLE])
    ws.append([index.heading])
    ws.append([f"Lập ngày {dmy(index.made_on)}; {len(index.rows)} tệp"])
    ws.append(list(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, row in enumerate(index.rows, start=1):
        ws.append(list(cells(number, row)))
    for i, width in enumerate(_WIDTHS_XLSX):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A5"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_docx(index: RecordIndex, path: Path) -> Path:
    """The index on landscape A4 pages (a table of six columns), Times New Roman, the
    header row repeated on every page, page numbers from page 2 (NĐ 30/2020, Phụ lục I)."""
    document = Document()
    set_fonts(document)
    section = document.sections[0]
    page(section, landscape=True)
    page_numbers(section)
    add(document, TITLE, replace(CENTRED, size=14, bold=True))
    add(document, index.heading, replace(CENTRED, bold=True))
    add(document, f"(Lập ngày {dmy(index.made_on)}; {len(index.rows)} tệp)", CENTRED)
    add(document, "", CENTRED)
    _table(document, index.rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _table(document: DocxDocument, rows: Sequence[IndexRow]) -> None:
    grid = table(document, rows=2, widths_mm=_WIDTHS_MM, grid=True)
    for cell, text in zip(grid.rows[0].cells, COLUMNS, strict=True):
        add(cell, text, replace(_SMALL, bold=True))
    for cell in grid.rows[1].cells:
        add(cell, "-", _SMALL)
    header, model = grid.rows[0]._tr, grid.rows[1]._tr
    repeat_as_header(header)
    body = model.getparent()
    body.remove(model)
    for number, row in enumerate(rows, start=1):
        body.append(filled_row(model, cells(number, row)))
