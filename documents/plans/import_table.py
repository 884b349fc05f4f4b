"""Section IV as a table: one activity a row, columns known by the words of the header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.plans.import_text import Found, trim
from documents.plans.sources import SourceLine
from domain.units import fold

_EMPTY_CELL = re.compile(r"^[\W_]*(?:không)?[\W_]*$", re.I)
_NUMBER = re.compile(r"^(?P<n>\d{1,3})\s*[.)]?$")
# Table columns, recognised by the words of the header row.
_COLUMNS = (
    ("number", ("stt", "tt", "so tt")),
    ("lead", ("chu tri",)),
    ("coordinators", ("phoi hop",)),
    ("window", ("thoi gian", "thoi han")),
    ("title", ("hinh thuc", "noi dung", "nhiem vu", "hoat dong", "ten")),
)
_BEFORE_HEADER = "table row before the header row (STT | Hình thức | …)"
_GROUP = "row across the table read as a heading between activities, not an activity: {!r}"

Notes = list[tuple[SourceLine, str]]


def is_table_row(line: SourceLine) -> bool:
    return line.text.count("|") >= 2


def _columns(header: list[str]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        folded = fold(cell)
        for name, words in _COLUMNS:
            if name not in columns and any(
                folded == w or folded.startswith(w + " ") or f" {w}" in f" {folded}" for w in words
            ):
                columns[name] = i
                break
    return columns if {"title", "lead", "window"} <= set(columns) else None


def _cells(line: SourceLine) -> list[str]:
    cells = [c.strip() for c in line.text.split("|")]
    if cells and not cells[0]:
        cells = cells[1:]
    if cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c)


def _stacked(upper: list[str], lower: list[str]) -> list[str]:
    """A header written over two rows ('Đơn vị thực hiện' above 'Chủ trì' | 'Phối hợp')."""
    width = max(len(upper), len(lower))
    upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
    return [a if a == b else f"{a} {b}".strip() for a, b in zip(upper, lower, strict=True)]


@dataclass
class _Header:
    """The header found so far, or the row that may be its upper half."""

    columns: dict[str, int] | None = None
    pending: tuple[SourceLine, list[str]] | None = None

    def read(self, line: SourceLine, cells: list[str], notes: Notes) -> None:
        upper = self.pending[1] if self.pending and _filled(self.pending[1]) > 1 else None
        stacked = _columns(_stacked(upper, cells)) if upper else None
        self.columns = stacked or _columns(cells)
        if self.pending and stacked is None:
            notes.append((self.pending[0], _BEFORE_HEADER))
        self.pending = None if self.columns else (line, cells)


def from_table(rows: list[SourceLine]) -> tuple[list[Found], Notes]:
    header = _Header()
    found: list[Found] = []
    notes: Notes = []
    for line in rows:
        cells = _cells(line)
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue  # a Markdown separator row
        if header.columns is None:
            header.read(line, cells, notes)
        elif _is_group(cells, header.columns):
            notes.append((line, _GROUP.format(next(c for c in cells if c))))
        else:
            found.append(_table_row(cells, header.columns, line, len(found) + 1))
    if header.pending:
        notes.append((header.pending[0], _BEFORE_HEADER))
    return found, notes


def _is_group(cells: list[str], columns: dict[str, int]) -> bool:
    """A row merged across the table ('A. Tuyên truyền trên môi trường mạng'): its one text
    stands in the first column, where a number should be."""
    first = columns.get("number", 0)
    filled = [i for i, c in enumerate(cells) if c]
    return filled == [first] and first != columns["title"] and not _NUMBER.match(cells[first])


def _table_row(cells: list[str], columns: dict[str, int], line: SourceLine, seq: int) -> Found:
    def cell(name: str) -> str | None:
        at = columns.get(name)
        value = trim(cells[at]) if at is not None and at < len(cells) else ""
        return None if _EMPTY_CELL.match(value) else value

    number = _NUMBER.match(cell("number") or "")
    found = Found(int(number["n"]) if number else seq, cell("title") or "", line)
    for attr in ("lead", "coordinators", "window"):
        value = cell(attr)
        if value:
            setattr(found, attr, (value, line))
    return found
