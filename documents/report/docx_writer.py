"""The consolidated report as a .docx laid out per Nghị định 30/2020/NĐ-CP, Phụ lục I."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.shared import Pt
from docx.styles.style import ParagraphStyle

from documents.report.docx_parts import (
    BODY,
    CAPS,
    CELL,
    CENTER,
    CENTRED,
    HEADING,
    LANDSCAPE_WIDTH_MM,
    LEFT,
    RECIPIENT,
    RECIPIENTS_LABEL,
    RIGHT,
    TEXT_WIDTH_MM,
    add,
    filled_row,
    page,
    page_numbers,
    repeat_as_header,
    restart_numbering,
    set_fonts,
    table,
)
from documents.report.tables import MatrixView, TableView
from documents.report.text import (
    APPENDIX_TITLE,
    CAUSES_LABEL,
    DOC_TYPE,
    GENERAL_LABEL,
    HEADINGS,
    MOTTO,
    NATIONAL_NAME,
    REHEARSAL,
    FormView,
    ReportView,
    build_view,
)
from documents.report.text import RECIPIENTS_LABEL as RECIPIENTS_TEXT
from domain.report import ReportData

__all__ = ["write_docx"]

# Short solid rules under the agency name and the trích yếu: 1/3–1/2 of the line above.
RULE_AGENCY = "_" * 13
RULE_TITLE = "_" * 22
SIGNATURE_SPACE = 4  # empty lines for the signature and the seal
MATRIX_CELL = replace(CELL, size=11, align=CENTER)
ITEM = replace(BODY, after=2)  # a "- …" line of a list: no full paragraph gap between items


def write_docx(data: ReportData, path: Path) -> Path:
    """Write the report to `path` (parents created) and return it."""
    view = build_view(data)
    document = Document()
    _setup(document, data)
    if view.draft_line:
        add(document, view.draft_line, replace(HEADING, align=RIGHT, indent=False))
    _header(document, view)
    _title(document, view)
    _body(document, view)
    _signature(document, view)
    _appendix(document, view)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _setup(document: DocxDocument, data: ReportData) -> None:
    section = document.sections[0]
    page(section, landscape=False)
    page_numbers(section)
    set_fonts(document)
    style = cast(ParagraphStyle, document.styles["Normal"])
    style.font.size = Pt(BODY.size)
    paragraph = style.paragraph_format
    paragraph.space_before, paragraph.space_after = Pt(0), Pt(BODY.after)
    paragraph.line_spacing = 1.0
    props = document.core_properties
    title = f"{REHEARSAL} {data.title}" if data.rehearsal else data.title
    props.title, props.author, props.language = title, data.issuer, "vi-VN"


def _header(document: DocxDocument, view: ReportView) -> None:
    """Ô 1–4: agency names | Quốc hiệu and Tiêu ngữ, then Số | place and date."""
    found = table(document, rows=2, widths_mm=(70, 95), grid=False)
    left, right = found.rows[0].cells
    # 12 pt (the decree allows 12–13) keeps each name on one line in its half of the page.
    add(left, view.data.issuer_parent, CAPS)
    add(left, view.data.issuer, replace(CAPS, bold=True))
    add(left, RULE_AGENCY, CAPS)
    add(right, NATIONAL_NAME, replace(CAPS, bold=True))
    add(right, MOTTO, replace(CAPS, size=13, bold=True, underline=True))
    left, right = found.rows[1].cells
    add(left, view.number_line, replace(CAPS, size=13, before=6))
    add(right, view.dateline, replace(CAPS, size=14, italic=True, before=6))


def _title(document: DocxDocument, view: ReportView) -> None:
    if view.data.rehearsal:
        add(document, REHEARSAL, replace(CENTRED, bold=True, before=18))
    add(document, DOC_TYPE, replace(CENTRED, bold=True, before=6 if view.data.rehearsal else 18))
    add(document, view.data.title, replace(CENTRED, bold=True))
    add(document, RULE_TITLE, CENTRED)
    add(document, view.addressee_line, replace(CENTRED, before=12, after=12))


def _paragraphs(document: DocxDocument, texts: Sequence[str]) -> None:
    for text in texts:
        add(document, text, ITEM if text.startswith("- ") else BODY)


def _body(document: DocxDocument, view: ReportView) -> None:
    add(document, HEADINGS["direction"], HEADING)
    _paragraphs(document, view.direction)
    _results(document, view)
    _assessment(document, view)
    add(document, HEADINGS["directions"], HEADING)
    _paragraphs(document, view.directions)
    add(document, HEADINGS["proposals"], HEADING)
    _paragraphs(document, view.proposals)


def _results(document: DocxDocument, view: ReportView) -> None:
    add(document, HEADINGS["results"], HEADING)
    if view.missing_note:
        add(document, view.missing_note, BODY)
    if view.general:
        add(document, GENERAL_LABEL, replace(BODY, italic=True))
        _paragraphs(document, view.general)
    if view.general_estimates:
        add(document, view.estimate_label, replace(BODY, italic=True))
        _paragraphs(document, view.general_estimates)
    for form in view.forms:
        _form(document, form)
    _grid(document, view.figures, first_mm=45)
    if view.coverage is not None:
        _grid(document, view.coverage, first_mm=75)


def _form(document: DocxDocument, form: FormView) -> None:
    add(document, form.heading, HEADING)
    for fact in form.facts:
        add(document, fact.text, BODY, label=fact.label)
    _paragraphs(document, form.done)
    if form.estimates:
        add(document, form.estimate_label, replace(BODY, italic=True))
        _paragraphs(document, form.estimates)
    add(document, form.evidence.text, BODY, label=form.evidence.label)


def _grid(document: DocxDocument, view: TableView, *, first_mm: float) -> None:
    """A captioned figures table: text in the first column, figures or marks after it."""
    add(document, view.caption, replace(CENTRED, bold=True, before=6, after=6))
    rest = (TEXT_WIDTH_MM - first_mm) / (len(view.header) - 1)
    widths = [first_mm, *[rest] * (len(view.header) - 1)]
    found = table(document, rows=1 + len(view.rows), widths_mm=widths, grid=True)
    for cell, text in zip(found.rows[0].cells, view.header, strict=True):
        add(cell, text, replace(CELL, bold=True, align=CENTER))
    for row, values in zip(found.rows[1:], view.rows, strict=True):
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            add(cell, text, CELL if i == 0 else replace(CELL, align=CENTER))
    add(document, view.note, replace(BODY, size=13, italic=True, indent=False, before=3))


def _assessment(document: DocxDocument, view: ReportView) -> None:
    add(document, HEADINGS["assessment"], HEADING)
    add(document, HEADINGS["strengths"], HEADING)
    _paragraphs(document, view.strengths)
    add(document, HEADINGS["weaknesses"], HEADING)
    _paragraphs(document, view.weaknesses)
    if view.causes:
        add(document, CAUSES_LABEL, replace(BODY, italic=True))
        _paragraphs(document, view.causes)


def _signature(document: DocxDocument, view: ReportView) -> None:
    """Nơi nhận on the left, level with the signer's title on the right (ô 7, 9b)."""
    found = table(document, rows=1, widths_mm=(80, 85), grid=False)
    left, right = found.rows[0].cells
    add(left, RECIPIENTS_TEXT, RECIPIENTS_LABEL)
    for line in view.data.recipients:
        add(left, line, RECIPIENT)
    for i, line in enumerate(view.signer):
        add(right, line, replace(CENTRED, bold=True, before=6 if i == 0 else 0))
    for _ in range(SIGNATURE_SPACE):
        add(right, "", CENTRED)
    add(right, view.data.signer_name, replace(CENTRED, bold=True))


def _appendix(document: DocxDocument, view: ReportView) -> None:
    """The units × forms table on landscape pages, which Phụ lục I allows for wide tables;
    its pages are numbered from 1 again, the first one without a number."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    page(section, landscape=True)
    restart_numbering(section)
    add(document, HEADINGS["appendix"], replace(CENTRED, bold=True))
    add(document, APPENDIX_TITLE, replace(CENTRED, bold=True))
    add(document, view.appendix_caption, replace(CENTRED, italic=True, after=6))
    _matrix(document, view.appendix)
    add(document, view.appendix.legend, replace(BODY, size=13, italic=True, indent=False, before=3))


def _matrix(document: DocxDocument, matrix: MatrixView) -> None:
    fixed = {0: 9.0, 1: 58.0, 2: 22.0, len(matrix.header) - 2: 20.0, len(matrix.header) - 1: 24.0}
    rest = (LANDSCAPE_WIDTH_MM - sum(fixed.values())) / (len(matrix.header) - len(fixed))
    widths = [fixed.get(i, rest) for i in range(len(matrix.header))]
    found = table(document, rows=2, widths_mm=widths, grid=True)
    for cell, text in zip(found.rows[0].cells, matrix.header, strict=True):
        add(cell, text, replace(MATRIX_CELL, bold=True))
    repeat_as_header(found.rows[0]._tr)
    for i, cell in enumerate(found.rows[1].cells):
        add(cell, " ", replace(MATRIX_CELL, align=LEFT) if i == 1 else MATRIX_CELL)
    model = found.rows[1]._tr
    found._tbl.remove(model)
    for texts, missing in zip(matrix.rows, matrix.missing, strict=True):
        found._tbl.append(filled_row(model, texts, bold=(2,) if missing else ()))
    found._tbl.append(filled_row(model, matrix.total, bold=range(len(matrix.total))))
