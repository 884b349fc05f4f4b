"""Plan documents made in the tests: the reference plan with section IV replaced, as .txt,
or as .docx with Word's own list numbering and tables with merged cells."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from tests.conftest import SEED_PATH

SEED = SEED_PATH.read_text(encoding="utf-8")
_IV, _V = SEED.index("IV. HÌNH THỨC TUYÊN TRUYỀN"), SEED.index("V. KINH PHÍ THỰC HIỆN")
HEAD, TAIL = SEED[:_IV], SEED[_V:]


def write_txt(tmp_path: Path, section_iv: str) -> Path:
    """The reference plan as .txt with `section_iv` in place of its section IV."""
    path = tmp_path / "plan.txt"
    path.write_text(HEAD + section_iv + TAIL, encoding="utf-8")
    return path


def new_list(document: DocxDocument, *levels: tuple[str, str]) -> int:
    """A list definition with these (format, label) levels, and a list that uses it."""
    numbering = document.part.numbering_part.element
    ids = [int(n.get(qn("w:abstractNumId"))) for n in numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(ids) + 1
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{label}"/></w:lvl>'
        for i, (fmt, label) in enumerate(levels or [("decimal", "%1.")])
    )
    numbering.find(qn("w:num")).addprevious(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'
        )
    )
    return _num(document, abstract_id)


def restart(document: DocxDocument, num_id: int) -> int:
    """The same list numbered from 1 again (Word's 'Restart Numbering')."""
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == str(num_id))
    return _num(document, int(num.find(qn("w:abstractNumId")).get(qn("w:val"))), restart=True)


def _num(document: DocxDocument, abstract_id: int, *, restart: bool = False) -> int:
    numbering = document.part.numbering_part.element
    num_id = 100 + len(numbering.findall(qn("w:num")))
    override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
            f"{override if restart else ''}</w:num>"
        )
    )
    return num_id


def in_list(paragraph: Paragraph, num_id: int, level: int = 0) -> Paragraph:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id
    return paragraph


_MARK = re.compile(r"^\{(?P<mark>[HnN012-])\}(?P<text>.*)$")
_OUTLINE = (("upperRoman", "%1."), ("decimal", "%2."), ("bullet", "\uf0b7"))


def write_marked(
    tmp_path: Path, text: str, *, cells: Callable[[DocxDocument], None] | None = None
) -> Path:
    """A .docx whose numbers and bullets come from Word's numbering, the text carrying none:
    '{H}' a heading numbered I, II, …; '{n}' an item numbered from 1 again in each section;
    '{N}' the 'List Number' style; '{-}' the 'List Bullet' style; '{0}', '{1}', '{2}' the
    levels of one outline (I., 1., bullet). `cells` adds a table where '{table}' stands."""
    document = Document()
    headings, items = new_list(document, ("upperRoman", "%1.")), new_list(document)
    outline = new_list(document, *_OUTLINE)
    section_items: int | None = None
    for line in text.splitlines():
        if line == "{table}" and cells:
            cells(document)
            continue
        match = _MARK.match(line)
        mark, body = (match["mark"], match["text"]) if match else ("", line)
        if mark == "H" or re.match(r"^[IVX]+\. ", line):
            section_items = None
        paragraph = document.add_paragraph(body)
        if mark == "H":
            in_list(paragraph, headings)
        elif mark == "n":
            section_items = section_items or restart(document, items)
            in_list(paragraph, section_items)
        elif mark.isdigit():
            in_list(paragraph, outline, int(mark))
        elif mark in ("N", "-"):
            paragraph.style = document.styles["List Number" if mark == "N" else "List Bullet"]
    path = tmp_path / "plan.docx"
    document.save(str(path))
    return path


def marked_seed(sections: tuple[str, ...]) -> str:
    """The reference plan with the typed numbers of `sections` (II, III, IV …) and the
    dashes of section IV left to Word."""
    out, section = [], ""
    for line in SEED.splitlines():
        if heading := re.match(r"^([IVX]+)\. ", line):
            section = heading[1]
        if section in sections:
            line = re.sub(r"^\d+\.\s*", "{n}", line)
            line = re.sub(r"^- ", "{-}", line) if section == "IV" else line
        out.append(line)
    return "\n".join(out)


def table(document: DocxDocument, written: str) -> Table:
    """A Word table from rows written 'a | b | c' (a cell merged later is left empty)."""
    body = [[cell.strip() for cell in row.split("|")] for row in written.strip().splitlines()]
    grid: Table = document.add_table(rows=len(body), cols=len(body[0]))
    for r, texts in enumerate(body):
        for c, text in enumerate(texts):
            grid.cell(r, c).text = text
    return grid


def merge(grid: Table, top: tuple[int, int], bottom: tuple[int, int], text: str) -> None:
    grid.cell(*top).merge(grid.cell(*bottom)).text = text


def outline_seed() -> str:
    """The reference plan as one outline list: headings, items, and section IV's dashes."""
    out, section = [], ""
    for line in SEED.splitlines():
        if heading := re.match(r"^([IVX]+)\. ", line):
            section, line = heading[1], "{0}" + line[heading.end() :]
        elif section and (item := re.match(r"^\d+\.\s*", line)):
            line = "{1}" + line[item.end() :]
        elif section == "IV" and line.startswith("- "):
            line = "{2}" + line[2:]
        out.append(line)
    return "\n".join(out)
