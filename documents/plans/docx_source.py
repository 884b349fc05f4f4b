"""A .docx plan as lines of text: paragraphs with their list labels, then tables row by row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx import Document
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from documents.plans.docx_numbering import ListLabels

# Words in the first rows of a table that make it a table of activities, read as
# pipe-separated rows (a cell's paragraphs joined by commas, the way names are listed);
# any other table (the header block, the signature) is read cell by cell.
_ACTIVITY_HEADER = re.compile(r"chủ trì|hình thức|\bstt\b", re.IGNORECASE)
_HEADER_ROWS = 3


def docx_lines(path: Path) -> Iterator[str]:
    """Paragraphs and tables in document order (python-docx lists them separately)."""
    document = Document(str(path))
    reader = _Reader(ListLabels(document))
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield reader.paragraph(Paragraph(child, document))
        elif tag == "tbl":
            yield from reader.table(Table(child, document))


class _Reader:
    """Reads paragraphs in document order, so that Word's list numbers count as it does;
    a merged cell is read once, however many grid cells it spans."""

    def __init__(self, labels: ListLabels) -> None:
        self._labels = labels
        self._cells: dict[Any, str] = {}

    def paragraph(self, paragraph: Paragraph) -> str:
        label = self._labels.label(paragraph._p)
        # An empty numbered paragraph still shows its number (a table's STT column).
        return f"{label} {paragraph.text}".strip() if label else paragraph.text

    def cell(self, cell: _Cell) -> str:
        if cell._tc not in self._cells:
            texts = [self.paragraph(p) for p in cell.paragraphs]
            self._cells[cell._tc] = "\n".join(t for t in texts if t.strip())
        return self._cells[cell._tc]

    def table(self, table: Table) -> Iterator[str]:
        rows = [self._grid(row.cells) for row in table.rows]
        header = " ".join(text for row in rows[:_HEADER_ROWS] for text, _ in row)
        if _ACTIVITY_HEADER.search(header):
            yield from (_pipe_row(row) for row in rows)
            return
        yield from self._text_cells(table)

    def _text_cells(self, table: Table) -> Iterator[str]:
        """A layout table (header block, signature): each cell's lines once."""
        seen: set[Any] = set()
        for row in table.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    yield from self.cell(cell).splitlines()

    def _grid(self, cells: tuple[_Cell, ...]) -> list[tuple[str, bool]]:
        """Each grid column's text, and whether it is the first column of its cell (a cell
        spanning columns is read once; a vertically merged one repeats in every row)."""
        out: list[tuple[str, bool]] = []
        previous: Any = None
        for cell in cells:
            first = cell._tc is not previous
            out.append((self.cell(cell) if first else "", first))
            previous = cell._tc
        return out


def _pipe_row(row: list[tuple[str, bool]]) -> str:
    """'| a | b |': the outer pipes keep an empty first or last column in its place."""
    cells = [text.replace("|", "/").replace("\n", ", ") for text, _ in row]
    return "| " + " | ".join(cells) + " |"
