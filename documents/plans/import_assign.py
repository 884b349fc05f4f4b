"""Who leads, who helps and when, read from a sentence of section IV.

'…; giao A chủ trì, phối hợp với B thực hiện trong quý 2 năm 2025.'
'A chủ trì; B phối hợp thực hiện. Thời gian: Quý III/2025.'
'Giao A chủ trì tổ chức hội nghị … trong Quý III/2025.' (the work, capitalised, is the title)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.plans.import_text import trim
from domain.phrases import find_window

_ASSIGN = re.compile(r"(?:^|[\s,;.:])giao(?:\s+cho)?\s+", re.I)
_LEADS = re.compile(r"(?:^|\s)chủ trì\b", re.I)
# Where a clause starts when no 'giao' names the lead: after the title's punctuation.
_CLAUSE_START = re.compile(r"[;:]\s*|\.\s+")
_HELPS_WITH = re.compile(r"^\s*[,;]?\s*(?:và\s+)?(?:cùng\s+)?phối hợp(?:\s+với)?\s+", re.I)
_HELPERS_FIRST = re.compile(
    r"^\s*[,;]\s*(?P<who>[^.;:]+?)\s+(?:cùng\s+)?phối hợp\b(?:\s+(?:thực hiện|triển khai)\b)?",
    re.I,
)
# Where a list of coordinators ends: the work they do, a full stop, or the time.
_HELPERS_END = re.compile(
    r"\s+(?:để\s+)?(?:tổ chức\s+)?(?:thực hiện|triển khai)\b"
    r"|\s+(?:tổ chức|xây dựng|cập nhật|đăng tải|phát hành|biên soạn|tuyên truyền|kiểm tra)\b"
    r"|[.;](?:\s|$)|,\s*(?:thời gian|thời hạn|trong|vào)\b",
    re.I,
)
# Words after the work when it is the title: '… chủ trì <work>, thực hiện trong <time>'.
_WORK_TAIL = re.compile(
    r"(?:[\s,;:.]|\b(?:trong|vào|thời gian|thời hạn|thực hiện|triển khai|hoàn thành)\b)+$",
    re.I,
)


@dataclass(frozen=True)
class Assignment:
    """What one sentence says; `title` is what stands before the assignment (or, when
    nothing does, the work it assigns)."""

    title: str
    lead: str
    coordinators: str | None
    window: str | None


def read_assignment(text: str, *, year: int | None) -> Assignment | None:
    """The lead, coordinators and time in a sentence; None if it names no lead."""
    leads = _LEADS.search(text)
    if leads is None:
        return None
    assign = _last(_ASSIGN, text[: leads.start() + 1])
    if assign is not None:
        before, lead = text[: assign.start()], text[assign.end() : leads.start()]
    else:
        clause = _last(_CLAUSE_START, text[: leads.start()])
        cut = clause.end() if clause else 0
        before, lead = text[: clause.start() if clause else 0], text[cut : leads.start()]
    rest = text[leads.end() :]
    window = find_window(rest, year=year)
    helpers, work = _helpers(rest, window.text if window else None)
    title = trim(re.sub(r"[\s,;]+$", "", before)) or _work(work, window.text if window else None)
    return Assignment(title, trim(lead), helpers, window.text if window else None)


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None


def _helpers(rest: str, window: str | None) -> tuple[str | None, str]:
    """The coordinators after 'chủ trì', and what follows them."""
    if helps := _HELPS_WITH.match(rest):
        tail = rest[helps.end() :]
        end = _HELPERS_END.search(tail)
        cut = end.start() if end else len(tail)
        if window and 0 <= tail.find(window) < cut:
            cut = tail.find(window)
        return trim(tail[:cut]) or None, tail[cut:]
    if first := _HELPERS_FIRST.match(rest):
        return trim(first["who"]) or None, rest[first.end() :]
    return None, rest


def _work(text: str, window: str | None) -> str:
    """The work assigned, as a title: up to the time, without the words around it."""
    if window and window in text:
        text = text[: text.index(window)]
    text = _WORK_TAIL.sub("", text)
    text = re.sub(r"^[\W_]+", "", text).strip()
    return text[:1].upper() + text[1:]
