"""The consolidated report as a .docx laid out per Nghị định 30/2020/NĐ-CP, Phụ lục I."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol, cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from documents.report.text import (
    APPENDIX_HEADER,
    APPENDIX_TITLE,
    CAUSES_LABEL,
    DOC_TYPE,
    DRAFT,
    EVIDENCE_LABEL,
    HEADINGS,
    MOTTO,
    NATIONAL_NAME,
    RECIPIENTS_LABEL,
    REHEARSAL,
    FormView,
    ReportView,
    TableView,
    UnitView,
    build_view,
)
from domain.report import ReportData

__all__ = ["write_docx"]

FONT = "Times New Roman"
A4_MM = (210, 297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
# Short solid rules under the agency name and the trích yếu: 1/3–1/2 of the line above.
RULE_AGENCY = "_" * 13
RULE_TITLE = "_" * 22

_LEFT, _CENTER = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
_RIGHT, _JUSTIFY = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY


@dataclass(frozen=True)
class _Fmt:
    """How one paragraph looks; the defaults are a body paragraph (Phụ lục I, mục I)."""

    size: float = 14
    bold: bool = False
    italic: bool = False
    underline: bool = False
    align: WD_ALIGN_PARAGRAPH = _JUSTIFY
    indent: bool = True
    before: float = 0
    after: float = 6


BODY = _Fmt()
HEADING = _Fmt(bold=True)
CENTRED = _Fmt(align=_CENTER, indent=False, after=0)
CAPS = replace(CENTRED, size=12)
CELL = _Fmt(size=13, align=_LEFT, indent=False, after=0)
RECIPIENT = _Fmt(size=12, align=_LEFT, indent=False, after=0)


class _Container(Protocol):
    def add_paragraph(
        self, text: str = ..., style: str | ParagraphStyle | None = ...
    ) -> Paragraph: ...


def write_docx(data: ReportData, path: Path) -> Path:
    """Write the report to `path` (parents created) and return it."""
    view = build_view(data)
    document = Document()
    _setup(document, data)
    if data.draft:
        _add(document, DRAFT, replace(HEADING, align=_RIGHT, indent=False))
    _header(document, view)
    _title(document, view)
    _body(document, view)
    _signature(document, data)
    _appendix(document, view)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _setup(document: DocxDocument, data: ReportData) -> None:
    _page(document.sections[0], landscape=False)
    style = cast(ParagraphStyle, document.styles["Normal"])
    style.font.name = FONT
    style.font.size = Pt(BODY.size)
    # python-docx sets only the Latin slots; without these Word may fall back to another
    # font for runs it classifies as East Asian or complex script.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    fonts.set(qn("w:cs"), FONT)
    paragraph = style.paragraph_format
    paragraph.space_before, paragraph.space_after = Pt(0), Pt(BODY.after)
    paragraph.line_spacing = 1.15
    props = document.core_properties
    title = f"{REHEARSAL} {data.title}" if data.rehearsal else data.title
    props.title, props.author, props.language = title, data.issuer, "vi-VN"


def _page(section: Section, *, landscape: bool) -> None:
    width, height = (A4_MM[1], A4_MM[0]) if landscape else A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])


def _add(container: _Container, text: str, fmt: _Fmt, *, label: str = "") -> Paragraph:
    paragraph = _fresh(container)
    if paragraph._p.pPr is not None:
        paragraph._p.remove(paragraph._p.pPr)
    paragraph._p.insert(0, deepcopy(_models(fmt)[0]))
    if label:
        _run(paragraph, label, replace(fmt, bold=True))
    _run(paragraph, text, fmt)
    return paragraph


def _fresh(container: _Container) -> Paragraph:
    # A new table cell already holds one empty paragraph: write there instead of below it.
    if isinstance(container, _Cell):
        paragraphs: list[Paragraph] = container.paragraphs
        if len(paragraphs) == 1 and not paragraphs[0].runs:
            return paragraphs[0]
    paragraph: Paragraph = container.add_paragraph()
    return paragraph


def _run(paragraph: Paragraph, text: str, fmt: _Fmt) -> None:
    run = deepcopy(_models(fmt)[1])
    paragraph._p.append(run)
    Run(run, paragraph).text = text


@lru_cache(maxsize=64)
def _models(fmt: _Fmt) -> tuple[BaseOxmlElement, BaseOxmlElement]:
    """The paragraph and run properties `fmt` stands for, set once through python-docx and
    copied into every paragraph after (setting each property costs ≈ 0.2 ms, and a report
    at province scale has thousands of paragraphs)."""
    paragraph = Document().add_paragraph()
    shape = paragraph.paragraph_format
    shape.alignment = fmt.align
    shape.first_line_indent = Cm(1) if fmt.indent else Cm(0)
    shape.space_before, shape.space_after = Pt(fmt.before), Pt(fmt.after)
    run = paragraph.add_run()
    run.font.size = Pt(fmt.size)
    run.bold, run.italic, run.underline = fmt.bold, fmt.italic, fmt.underline
    assert paragraph._p.pPr is not None
    return paragraph._p.pPr, run._r


def _table(document: DocxDocument, *, rows: int, widths_mm: Sequence[float], grid: bool) -> Table:
    table: Table = document.add_table(rows=rows, cols=len(widths_mm))
    if grid:
        table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _header(document: DocxDocument, view: ReportView) -> None:
    """Ô 1–4: agency names | Quốc hiệu and Tiêu ngữ, then Số | place and date."""
    table = _table(document, rows=2, widths_mm=(70, 95), grid=False)
    left, right = table.rows[0].cells
    # 12 pt (the decree allows 12–13) keeps each name on one line in its half of the page.
    _add(left, view.data.issuer_parent, CAPS)
    _add(left, view.data.issuer, replace(CAPS, bold=True))
    _add(left, RULE_AGENCY, CAPS)
    _add(right, NATIONAL_NAME, replace(CAPS, bold=True))
    _add(right, MOTTO, replace(CAPS, size=13, bold=True, underline=True))
    left, right = table.rows[1].cells
    _add(left, view.number_line, replace(CAPS, size=13, before=6))
    _add(right, view.dateline, replace(CAPS, size=14, italic=True, before=6))


def _title(document: DocxDocument, view: ReportView) -> None:
    if view.data.rehearsal:
        _add(document, REHEARSAL, replace(CENTRED, bold=True, before=18))
    _add(document, DOC_TYPE, replace(CENTRED, bold=True, before=6 if view.data.rehearsal else 18))
    _add(document, view.data.title, replace(CENTRED, bold=True))
    _add(document, RULE_TITLE, CENTRED)
    _add(document, view.addressee_line, replace(CENTRED, before=12, after=12))


def _paragraphs(document: DocxDocument, texts: Sequence[str]) -> None:
    for text in texts:
        _add(document, text, BODY)


def _body(document: DocxDocument, view: ReportView) -> None:
    _add(document, HEADINGS["direction"], HEADING)
    _paragraphs(document, view.direction)
    _results(document, view)
    _assessment(document, view)
    _add(document, HEADINGS["directions"], HEADING)
    _paragraphs(document, view.directions)
    _add(document, HEADINGS["proposals"], HEADING)
    _paragraphs(document, view.proposals)


def _results(document: DocxDocument, view: ReportView) -> None:
    _add(document, HEADINGS["results"], HEADING)
    if view.missing_note is not None:
        _add(document, view.missing_note.text, BODY, label=view.missing_note.label)
    for form in view.forms:
        _form(document, form)
    _grid(document, view.figures, first_mm=45)
    if view.coverage is not None:
        _grid(document, view.coverage, first_mm=75)


def _form(document: DocxDocument, form: FormView) -> None:
    _add(document, form.heading, HEADING)
    for fact in form.facts:
        _add(document, fact.text, BODY, label=fact.label)
    _paragraphs(document, form.summary)
    if form.links:
        _add(document, "", BODY, label=EVIDENCE_LABEL)
        for link in form.links:
            _add(document, f"- {link}", BODY)


def _grid(document: DocxDocument, view: TableView, *, first_mm: float) -> None:
    """A captioned figures table: text in the first column, figures or marks after it."""
    _add(document, view.caption, replace(CENTRED, bold=True, before=6, after=6))
    rest = (TEXT_WIDTH_MM - first_mm) / (len(view.header) - 1)
    widths = [first_mm, *[rest] * (len(view.header) - 1)]
    table = _table(document, rows=1 + len(view.rows), widths_mm=widths, grid=True)
    for cell, text in zip(table.rows[0].cells, view.header, strict=True):
        _add(cell, text, replace(CELL, bold=True, align=_CENTER))
    for row, values in zip(table.rows[1:], view.rows, strict=True):
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            _add(cell, text, CELL if i == 0 else replace(CELL, align=_CENTER))
    _add(document, view.note, replace(BODY, size=13, italic=True, indent=False, before=3))


def _assessment(document: DocxDocument, view: ReportView) -> None:
    _add(document, HEADINGS["assessment"], HEADING)
    _add(document, HEADINGS["strengths"], HEADING)
    _paragraphs(document, view.strengths)
    _add(document, HEADINGS["weaknesses"], HEADING)
    _paragraphs(document, view.weaknesses)
    if view.causes:
        _add(document, CAUSES_LABEL, replace(BODY, italic=True))
        _paragraphs(document, view.causes)


def _signature(document: DocxDocument, data: ReportData) -> None:
    """Nơi nhận on the left, level with the signer's title on the right (ô 7, 9b)."""
    table = _table(document, rows=1, widths_mm=(80, 85), grid=False)
    left, right = table.rows[0].cells
    _add(left, RECIPIENTS_LABEL, replace(RECIPIENT, bold=True, italic=True, before=6))
    for line in data.recipients:
        _add(left, line, RECIPIENT)
    _add(right, data.signer_title, replace(CENTRED, bold=True, before=6))
    for _ in range(4):  # room for the signature and the seal
        _add(right, "", CENTRED)
    _add(right, data.signer_name, replace(CENTRED, bold=True))


def _appendix(document: DocxDocument, view: ReportView) -> None:
    """The unit table on landscape pages, which Phụ lục I allows for wide tables."""
    _page(document.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    _add(document, HEADINGS["appendix"], replace(CENTRED, bold=True))
    _add(document, APPENDIX_TITLE, replace(CENTRED, bold=True))
    _add(document, view.appendix_caption, replace(CENTRED, italic=True, after=6))
    widths = (10, 50, 30, 60, 22, 25, 33, 22)
    table = _table(document, rows=2, widths_mm=widths, grid=True)
    header, model = table.rows[0].cells, table.rows[1].cells
    for cell, text in zip(header, APPENDIX_HEADER, strict=True):
        _add(cell, text, replace(CELL, bold=True, align=_CENTER))
    for cell, align in zip(model, _APPENDIX_ALIGNS, strict=True):
        _add(cell, " ", replace(CELL, align=align))
    # One row is laid out through python-docx; the others are copies of its XML with their
    # words put in. Formatting every cell through the API cost ≈ 2.5 ms a cell: seconds per
    # hundred units, and a replay drafts the report several times.
    rows = _UnitRows(table.rows[1]._tr)
    table._tbl.remove(rows.single)
    for unit in view.appendix:
        for number, task in enumerate(unit.tasks):
            table._tbl.append(rows.row(unit, task, first=number == 0))


_APPENDIX_ALIGNS = (_CENTER, _LEFT, _LEFT, _LEFT, _LEFT, _CENTER, _LEFT, _CENTER)


class _UnitRows:
    """Copies of the model row, one per task of a unit. The unit's first three cells
    (number, name, report status) span its rows: a vertical merge that restarts on its first
    row and continues on the others, whose cells keep an empty paragraph."""

    def __init__(self, single: CT_Row) -> None:
        self.single = single
        self.restart, self.cont = deepcopy(single), deepcopy(single)
        for first, later in zip(self.restart.tc_lst[:3], self.cont.tc_lst[:3], strict=True):
            first.vMerge, later.vMerge = "restart", "continue"
            for paragraph in later.p_lst:
                for run in paragraph.r_lst:
                    paragraph.remove(run)

    def row(self, unit: UnitView, task: list[str], *, first: bool) -> CT_Row:
        model = self.single if len(unit.tasks) == 1 else self.restart if first else self.cont
        row: CT_Row = deepcopy(model)
        texts = [str(unit.number), unit.name, unit.status, *task] if first else task
        for element, text in zip(row.iter(qn("w:t")), texts, strict=True):
            if "\n" in text or "\t" in text:  # python-docx writes line breaks and tabs
                Run(element.getparent(), cast(Paragraph, None)).text = text
            else:
                element.text = text
        if first and unit.missing:  # visible in print without colour: bold
            Run(row.tc_lst[2].p_lst[0].r_lst[0], cast(Paragraph, None)).bold = True
        return row
