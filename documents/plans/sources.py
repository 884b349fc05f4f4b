"""Reads a plan document (.txt, .docx, .pdf) into numbered lines of text."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from domain.errors import PlanInvalid, Problem

# Words in the first row of a table that make it a table of activities, read as
# pipe-separated rows (a cell's paragraphs joined by commas, the way names are listed);
# any other table (the header block, the signature) is read cell by cell.
_ACTIVITY_HEADER = re.compile(r"chủ trì|hình thức|\bstt\b", re.IGNORECASE)
_PDF_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SourceLine:
    """One line of the document's text; `no` counts from 1 as an editor shows it."""

    no: int
    text: str


def clean(text: str) -> str:
    """NFC, no tabs, non-breaking or zero-width spaces, single-spaced, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\t\u00a0\u2007\u202f\u3000]", " ", text).replace("\u200b", "")
    return re.sub(r" {2,}", " ", text).strip()


def lines_from_text(text: str) -> list[SourceLine]:
    """Numbered, cleaned lines of a plain text (blank lines keep their numbers)."""
    return [SourceLine(i, clean(t)) for i, t in enumerate(text.splitlines(), start=1)]


def read_source(path: Path) -> list[SourceLine]:
    """The document's lines; PlanInvalid when it cannot be read as a plan document."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return lines_from_text("\n".join(_docx_lines(path)))
        if suffix == ".pdf":
            return lines_from_text(_pdf_text(path))
        if suffix in (".txt", ".text", ".md", ""):
            return lines_from_text(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise _unreadable(path, "not UTF-8 text (save the document as UTF-8)") from None
    except (OSError, PackageNotFoundError, ValueError, KeyError) as exc:
        raise _unreadable(path, f"cannot read the document: {exc}") from None
    raise _unreadable(path, f"unsupported file type {suffix!r} (use .txt, .docx or .pdf)")


def _unreadable(path: Path, message: str) -> PlanInvalid:
    return PlanInvalid([Problem("", message, file=str(path))])


def _docx_lines(path: Path) -> Iterator[str]:
    """Paragraphs and tables in document order (python-docx lists them separately)."""
    document = Document(str(path))
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document).text
        elif tag == "tbl":
            yield from _table_lines(Table(child, document))


def _table_lines(table: Table) -> Iterator[str]:
    rows = [_row_cells(row.cells) for row in table.rows]
    if rows and _ACTIVITY_HEADER.search(" ".join(rows[0])):
        for cells in rows:
            yield " | ".join(cell.replace("\n", ", ") for cell in cells)
        return
    for cells in rows:
        for cell in cells:
            yield from cell.splitlines()


def _row_cells(cells: tuple[_Cell, ...]) -> list[str]:
    """The texts of a row's cells, a merged cell once (python-docx repeats it)."""
    seen: list[object] = []
    texts = []
    for cell in cells:
        if any(cell._element is other for other in seen):
            continue
        seen.append(cell._element)
        texts.append("\n".join(p.text for p in cell.paragraphs if p.text.strip()))
    return texts


def _pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise _unreadable(path, "reading .pdf needs pdftotext (poppler-utils) on PATH")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=False,
        timeout=_PDF_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise _unreadable(path, f"pdftotext failed: {message}")
    return done.stdout.decode("utf-8", "replace").replace("\f", "\n")
