"""Section IV (hình thức tuyên truyền) in its three shapes: field lines, a table, sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.plans.import_text import Item, items, trim, unbullet
from documents.plans.sources import SourceLine
from domain.phrases import find_window
from domain.units import fold

_LEAD = re.compile(
    r"^(?:(?:đơn vị|cơ quan)\s+)?chủ trì(?:\s+thực hiện)?\s*[:–-]?\s*(?P<v>.*)$", re.I
)
_COORDINATORS = re.compile(
    r"^(?:(?:đơn vị|cơ quan)\s+)?phối hợp(?:\s+thực hiện)?\s*[:–-]?\s*(?P<v>.*)$", re.I
)
_WINDOW = re.compile(
    r"^(?:thời gian|thời hạn)(?:\s+(?:thực hiện|hoàn thành|triển khai))?\s*[:–-]?\s*(?P<v>.*)$",
    re.I,
)
_ASSIGN = re.compile(r"(?:^|[\s,;.])giao(?:\s+cho)?\s+", re.I)
_LEADS = re.compile(r"\s+chủ trì\b", re.I)
_HELPS = re.compile(r"^\s*,?\s*(?:và\s+)?phối hợp(?:\s+với)?\s+", re.I)
_HELPERS_END = re.compile(
    r"\s+(?:để\s+)?(?:tổ chức\s+)?(?:thực hiện|triển khai)\b"
    r"|[.;](?:\s|$)|,\s*(?:thời gian|trong|vào)\b",
    re.I,
)
_EMPTY_CELL = re.compile(r"^[\W_]*(?:không)?[\W_]*$", re.I)
# Table columns, recognised by the words of the header row.
_COLUMNS = (
    ("number", ("stt", "tt", "so tt")),
    ("lead", ("chu tri",)),
    ("coordinators", ("phoi hop",)),
    ("window", ("thoi gian", "thoi han")),
    ("title", ("hinh thuc", "noi dung", "nhiem vu", "hoat dong", "ten")),
)


@dataclass
class Found:
    """One activity as the document writes it, each field with the line it came from."""

    number: int
    title: str
    line: SourceLine
    lead: tuple[str, SourceLine] | None = None
    coordinators: tuple[str, SourceLine] | None = None
    window: tuple[str, SourceLine] | None = None


def activities(
    lines: list[SourceLine], *, year: int | None
) -> tuple[list[Found], list[tuple[SourceLine, str]]]:
    """Activities of the section, and notes about lines that were not understood."""
    table = [line for line in lines if line.text.count("|") >= 2]
    if table:
        return _from_table(table)
    _, numbered = items(lines)
    return [_from_item(item, year=year) for item in numbered], []


def _from_item(item: Item, *, year: int | None) -> Found:
    found = Found(item.number, trim(item.text), item.line)
    for line in item.body:
        text = unbullet(line.text)
        for attr, pattern in (
            ("lead", _LEAD),
            ("coordinators", _COORDINATORS),
            ("window", _WINDOW),
        ):
            match = pattern.match(text)
            if match and getattr(found, attr) is None:
                setattr(found, attr, (trim(match["v"]), line))
                break
    if found.lead is None:
        for line in [item.line, *item.body]:
            if _from_sentence(found, line, year=year):
                break
    return found


def _from_sentence(found: Found, line: SourceLine, *, year: int | None) -> bool:
    """'…; giao Văn phòng Sở chủ trì, phối hợp với … thực hiện trong quý 2 năm 2025.'"""
    text = line.text if line is not found.line else found.title
    assign = _ASSIGN.search(text)
    leads = _LEADS.search(text, assign.end()) if assign else None
    if assign is None or leads is None:
        return False
    if line is found.line:
        found.title = trim(re.sub(r"[\s,;]+$", "", text[: assign.start()]))
    found.lead = (trim(text[assign.end() : leads.start()]), line)
    rest = text[leads.end() :]
    if helps := _HELPS.match(rest):
        tail = rest[helps.end() :]
        end = _HELPERS_END.search(tail)
        window = find_window(tail, year=year)
        cut = min(
            end.start() if end else len(tail),
            tail.find(window.text) if window else len(tail),
        )
        found.coordinators = (trim(tail[:cut]), line)
    if found.window is None and (window := find_window(rest, year=year)):
        found.window = (window.text, line)
    return True


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


def _from_table(rows: list[SourceLine]) -> tuple[list[Found], list[tuple[SourceLine, str]]]:
    columns: dict[str, int] | None = None
    found: list[Found] = []
    notes: list[tuple[SourceLine, str]] = []
    for line in rows:
        cells = _cells(line)
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue  # a Markdown separator row
        if columns is None:
            columns = _columns(cells)
            if columns is None:
                notes.append((line, "table row before the header row (STT | Hình thức | …)"))
            continue
        found.append(_table_row(cells, columns, line, len(found) + 1))
    return found, notes


def _table_row(cells: list[str], columns: dict[str, int], line: SourceLine, seq: int) -> Found:
    def cell(name: str) -> str | None:
        at = columns.get(name)
        value = trim(cells[at]) if at is not None and at < len(cells) else ""
        return None if _EMPTY_CELL.match(value) else value

    number = cell("number") or ""
    numbered = number.isdecimal() and len(number) <= 3
    found = Found(int(number) if numbered else seq, cell("title") or "", line)
    for attr in ("lead", "coordinators", "window"):
        value = cell(attr)
        if value:
            setattr(found, attr, (value, line))
    return found
