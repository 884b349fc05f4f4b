"""Building blocks of the report's .docx: page set-up, fonts, formatted paragraphs, tables."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol, cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

FONT = "Times New Roman"
A4_MM = (210, 297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
LANDSCAPE_WIDTH_MM = A4_MM[1] - MARGINS_MM["left"] - MARGINS_MM["right"]
PAGE_NUMBER_PT = 13  # Phụ lục I: 13–14 pt, centred in the top margin, none on page 1

LEFT, CENTER = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
RIGHT, JUSTIFY = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY


@dataclass(frozen=True)
class Fmt:
    """How one paragraph looks; the defaults are a body paragraph (Phụ lục I, mục I)."""

    size: float = 13
    bold: bool = False
    italic: bool = False
    underline: bool = False
    align: WD_ALIGN_PARAGRAPH = JUSTIFY
    indent: bool = True
    before: float = 0
    after: float = 6


BODY = Fmt()
HEADING = Fmt(bold=True)
CENTRED = Fmt(align=CENTER, indent=False, after=0)
CAPS = replace(CENTRED, size=12)
CELL = Fmt(size=13, align=LEFT, indent=False, after=0)
RECIPIENTS_LABEL = Fmt(size=12, bold=True, italic=True, align=LEFT, indent=False, before=6)
RECIPIENT = Fmt(size=11, align=LEFT, indent=False, after=0)


class Container(Protocol):
    def add_paragraph(
        self, text: str = ..., style: str | ParagraphStyle | None = ...
    ) -> Paragraph: ...


def set_fonts(document: DocxDocument) -> None:
    """Times New Roman in the Normal style and in the document defaults, for every script
    slot: python-docx sets only the Latin ones, and the defaults name theme fonts that
    headers and tables would otherwise fall back to."""
    style = cast(ParagraphStyle, document.styles["Normal"])
    style.font.name = FONT
    _all_slots(style.element.get_or_add_rPr().get_or_add_rFonts())
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    props = r_pr.find(qn("w:rPr")) if r_pr is not None else None
    if props is not None:
        fonts = props.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            props.insert(0, fonts)
        _all_slots(fonts)


def _all_slots(fonts: BaseOxmlElement) -> None:
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), FONT)


def page(section: Section, *, landscape: bool) -> None:
    width, height = (A4_MM[1], A4_MM[0]) if landscape else A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])


def page_numbers(section: Section) -> None:
    """A PAGE field centred in the header from page 2 on; page 1 gets an empty header."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = deepcopy(models(Fmt(size=PAGE_NUMBER_PT, align=CENTER, indent=False, after=0))[1])
    Run(run, paragraph).text = "2"  # what a reader shows until it updates the field
    field.append(run)
    paragraph._p.append(field)


def restart_numbering(section: Section) -> None:
    """The section's pages counted from 1 again (an appendix, Phụ lục I)."""
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    section._sectPr.append(numbering)


def add(container: Container, text: str, fmt: Fmt, *, label: str = "") -> Paragraph:
    paragraph = _fresh(container)
    if paragraph._p.pPr is not None:
        paragraph._p.remove(paragraph._p.pPr)
    paragraph._p.insert(0, deepcopy(models(fmt)[0]))
    if label:
        run(paragraph, label, replace(fmt, bold=True))
    if text or not label:
        run(paragraph, text, fmt)
    return paragraph


def _fresh(container: Container) -> Paragraph:
    # A new table cell already holds one empty paragraph: write there instead of below it.
    if isinstance(container, _Cell):
        paragraphs: list[Paragraph] = container.paragraphs
        if len(paragraphs) == 1 and not paragraphs[0].runs:
            return paragraphs[0]
    paragraph: Paragraph = container.add_paragraph()
    return paragraph


def run(paragraph: Paragraph, text: str, fmt: Fmt) -> None:
    element = deepcopy(models(fmt)[1])
    paragraph._p.append(element)
    Run(element, paragraph).text = text


@lru_cache(maxsize=64)
def models(fmt: Fmt) -> tuple[BaseOxmlElement, BaseOxmlElement]:
    """The paragraph and run properties `fmt` stands for, set once through python-docx and
    copied into every paragraph after (setting each property costs ≈ 0.2 ms, and a report
    at province scale has thousands of paragraphs)."""
    paragraph = Document().add_paragraph()
    shape = paragraph.paragraph_format
    shape.alignment = fmt.align
    shape.first_line_indent = Cm(1) if fmt.indent else Cm(0)
    shape.space_before, shape.space_after = Pt(fmt.before), Pt(fmt.after)
    element = paragraph.add_run()
    element.font.size = Pt(fmt.size)
    element.bold, element.italic, element.underline = fmt.bold, fmt.italic, fmt.underline
    assert paragraph._p.pPr is not None
    return paragraph._p.pPr, element._r


def table(document: DocxDocument, *, rows: int, widths_mm: Sequence[float], grid: bool) -> Table:
    found: Table = document.add_table(rows=rows, cols=len(widths_mm))
    if grid:
        found.style = "Table Grid"
    found.alignment = WD_TABLE_ALIGNMENT.CENTER
    found.autofit = False
    for column, width in zip(found.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return found


def repeat_as_header(row: CT_Row) -> None:
    """The row is printed again at the top of each page the table runs onto."""
    props = row.get_or_add_trPr()
    props.append(OxmlElement("w:tblHeader"))


def filled_row(model: CT_Row, texts: Sequence[str], *, bold: Sequence[int] = ()) -> CT_Row:
    """A copy of `model` (one run per cell) holding `texts`; cells at `bold` in bold.
    Copying one laid-out row is far cheaper than formatting each cell through python-docx
    (≈ 2.5 ms a cell), and an appendix at province scale has thousands of cells."""
    row: CT_Row = deepcopy(model)
    for i, (element, text) in enumerate(zip(row.iter(qn("w:t")), texts, strict=True)):
        if "\n" in text or "\t" in text:  # python-docx writes line breaks and tabs
            Run(element.getparent(), cast(Paragraph, None)).text = text
        else:
            element.text = text
        if i in bold:
            Run(element.getparent(), cast(Paragraph, None)).bold = True
    return row
