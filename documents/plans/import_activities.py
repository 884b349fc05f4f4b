"""Section IV (hình thức tuyên truyền) in its shapes: field lines, a table, sentences."""

from __future__ import annotations

import re

from documents.plans.import_assign import read_assignment
from documents.plans.import_table import from_table, is_table_row
from documents.plans.import_text import Found, Item, items, trim, unbullet
from documents.plans.sources import SourceLine

__all__ = ["Found", "activities"]

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
_FIELDS = (("lead", _LEAD), ("coordinators", _COORDINATORS), ("window", _WINDOW))
# Several fields on one line: 'Đơn vị chủ trì: VP Sở; Đơn vị phối hợp: …; Thời gian: …'.
_NEXT_FIELD = re.compile(
    r"\s*(?:[;.]\s+|,\s+(?=(?:thời gian|thời hạn)\b))"
    r"(?=(?:(?:đơn vị|cơ quan)\s+)?(?:chủ trì|phối hợp|thời gian|thời hạn)\b)",
    re.I,
)

Notes = list[tuple[SourceLine, str]]


def activities(lines: list[SourceLine], *, year: int | None) -> tuple[list[Found], Notes]:
    """Activities of the section, and notes about lines that were not understood."""
    table = [line for line in lines if is_table_row(line)]
    if table:
        return from_table(table)
    before, numbered = items(lines)
    notes = [(line, f"text before the first numbered activity: {line.text!r}") for line in before]
    return [_from_item(item, year=year, notes=notes) for item in numbered], notes


def _from_item(item: Item, *, year: int | None, notes: Notes) -> Found:
    found = Found(item.number, trim(item.text), item.line)
    read = [line for line in item.body if _fields(found, line)]
    if found.lead is None and (line := _from_sentences(found, item, year=year)):
        read.append(line)
    for line in item.body:
        if line not in read:
            notes.append((line, f"not read as part of activity {item.number}: {line.text!r}"))
    return found


def _fields(found: Found, line: SourceLine) -> bool:
    """'Đơn vị chủ trì: …', 'Phối hợp: …', 'Thời gian thực hiện: …' (the first one counts)."""
    matched = False
    for clause in _NEXT_FIELD.split(unbullet(line.text)):
        for attr, pattern in _FIELDS:
            if match := pattern.match(clause):
                if getattr(found, attr) is None:
                    setattr(found, attr, (trim(match["v"]), line))
                matched = True
                break
    return matched


def _from_sentences(found: Found, item: Item, *, year: int | None) -> SourceLine | None:
    """The first line of the item that names a lead ('giao A chủ trì …', 'A chủ trì; …');
    on the numbered line itself what stands before it is the title."""
    for line in [item.line, *item.body]:
        said = read_assignment(item.text if line is item.line else unbullet(line.text), year=year)
        if said is None:
            continue
        if line is item.line or not found.title:
            found.title = said.title
        found.lead = (said.lead, line)
        if said.coordinators and found.coordinators is None:
            found.coordinators = (said.coordinators, line)
        if said.window and found.window is None:
            found.window = (said.window, line)
        return line
    return None
