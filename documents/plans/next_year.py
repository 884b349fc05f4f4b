"""Drafts next year's plan file from this year's by rewriting year-bound values in place.

The source text is edited value by value at the spans the YAML parser reports, so its layout
and comments stay as they were; the data is never re-dumped. What changes:

* `code` and `year`; every activity window and reporting deadline moved to the new year with
  its kind kept (quarters stay quarters, a dated 29/02 becomes 28/02 in a common year);
* the plan year in prose (plan title, activity titles, topics, budget, organization lines):
  a bare year ("năm 2025", "CCHC 2025") unless it is part of a period ("2022 - 2025"), a
  target ("đến năm 2025") or a document's name ("Luật … năm 2025") — those are kept and listed;
  the old deadline phrases wherever they are quoted, comments included;
* `number`, `issued_on`, `legal_bases` get placeholders marked to be filled (see to_fill.py).
"""

from __future__ import annotations

import calendar as cal
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from documents.plans import to_fill
from documents.plans.yaml_files import format_loc
from domain.errors import PhraseError, PlanInvalid, Problem
from domain.phrases import TimeWindow, parse_deadline, parse_window

_PROSE = re.compile(
    r"^(?:title|budget|organization\[\d+\]|purposes\[\d+\]|requirements\[\d+\]"
    r"|slogans\[\d+\]\.(?:text|display)|activities\[\d+\]\.title"
    r"|topics(?:\[\d+\]\.subtopics)*\[\d+\]\.(?:title|paragraphs\[\d+\]))$"
)
_WINDOW = re.compile(r"^activities\[\d+\]\.window$")
_DEADLINE = re.compile(r"^reporting\.\w+\.deadline$")
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(\s*[/.-]\s*|\s+tháng\s+)(\d{1,2})(?:(\s*[/.-]\s*|\s+năm\s+)(\d{4}))?(?!\d)"
)
_PERIOD_BEFORE = re.compile(r"\d{4}\s*[-–]\s*$")
_PERIOD_AFTER = re.compile(r"^\s*[-–]\s*\d{4}")
_TARGET = re.compile(r"(?:đến|tới|tầm nhìn|định hướng)(?:\s+năm)?\s*$", re.IGNORECASE)
_DOCUMENT = re.compile(
    r"(?<!\w)(?:Luật|Bộ luật|Nghị định|Nghị quyết|Quyết định|Thông tư|Chỉ thị|Đề án"
    r"|Chiến lược|Chương trình|Công văn|Kế hoạch số|số \d)"
)
_LAST_WORDS = re.compile(r"(?:\S+\s+){0,3}\S*$")
_CLAUSE = re.compile(r"[;,:()“”\"]|\.\s")


@dataclass(frozen=True)
class Change:
    """A value of the plan that changed, or a mention of the old year kept for review."""

    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@dataclass
class Draft:
    """The new plan text and what was done to get it."""

    text: str
    code: str
    year: int
    changed: list[Change] = field(default_factory=list)
    kept: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Job:
    old: int
    new: int
    phrases: dict[str, str]  # old deadline phrase → new one
    draft: Draft
    edits: list[tuple[int, int, str]] = field(default_factory=list)


def draft_next_year(text: str, *, year: int, source: str) -> Draft:
    """The draft for `year` of the plan `text` (named `source` in its header).

    Raises PlanInvalid (paths inside the plan) when a window or deadline cannot be moved.
    """
    data: dict[str, Any] = yaml.safe_load(text)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise PlanInvalid([Problem("", "expected a mapping at the top of the file")])
    old = int(data["year"])
    job = _Job(old, year, _moved_deadlines(data, old, year), Draft("", "", year))
    for path, key, node in _entries(root, ()):
        _rewrite(job, path, key, node)
    _rewrite_comments(job, text, root.start_mark.index)
    body = _apply(text[root.start_mark.index :], job.edits, offset=root.start_mark.index)
    header = _header(job, data, source, text[: root.start_mark.index])
    job.draft.text = header + body
    return job.draft


def _moved_deadlines(data: dict[str, Any], old: int, new: int) -> dict[str, str]:
    reporting = data.get("reporting") or {}
    phrases = [rule["deadline"] for rule in reporting.values() if isinstance(rule, dict)]
    return {p: _move_phrase(p, old, new, []) for p in phrases}


def _entries(
    node: yaml.Node, prefix: tuple[int | str, ...]
) -> Iterator[tuple[str, yaml.Node | None, yaml.Node]]:
    """(path, key node or None for a list item, value node) for every value, depth first."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            yield format_loc(path), key, value
            yield from _entries(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield format_loc((*prefix, i)), None, item
            yield from _entries(item, (*prefix, i))


def _rewrite(job: _Job, path: str, key: yaml.Node | None, node: yaml.Node) -> None:
    if path == "legal_bases" and key is not None and isinstance(node, yaml.SequenceNode):
        _mark_legal_bases(job, key, node)
    if not isinstance(node, yaml.ScalarNode):
        return
    value = str(node.value)
    if path == "code":
        _replace(job, node, path, _new_code(job, value))
    elif path == "year":
        _replace(job, node, path, str(job.new), quoted=False)
    elif path in ("number", "issued_on"):
        _mark_scalar(job, node, path, value)
    elif _WINDOW.match(path) or _DEADLINE.match(path):
        _replace(job, node, path, _move_checked(job, path, value))
    elif _PROSE.match(path):
        _replace(job, node, path, _prose(job, path, value))


def _replace(job: _Job, node: yaml.Node, path: str, new: str, *, quoted: bool = True) -> None:
    old = str(node.value)
    if new == old:
        return
    plain = getattr(node, "style", None) is None and yaml.safe_load(new) == new
    text = new if plain or not quoted else json.dumps(new, ensure_ascii=False)
    if getattr(node, "style", None) in ("|", ">"):
        text += "\n"  # a block scalar's span runs to the end of its last line
    job.edits.append((node.start_mark.index, node.end_mark.index, text))
    if not _PROSE.match(path):
        job.draft.changed.append(Change(path, f"{old!r} → {new!r}"))


def _new_code(job: _Job, code: str) -> str:
    year = re.compile(rf"(?<![0-9]){job.old}(?![0-9])")
    new = year.sub(str(job.new), code) if year.search(code) else f"{job.new}-{code}"
    job.draft.code = new
    return new


def _mark_scalar(job: _Job, node: yaml.Node, path: str, value: str) -> None:
    if path == "number":
        placeholder, hint = "1", f"số của Kế hoạch năm {job.new}; tạm để 1, năm {job.old}: {value}"
    else:
        placeholder = f"{job.new}-01-01"
        hint = f"ngày ban hành YYYY-MM-DD; tạm để {placeholder}, năm {job.old}: {value}"
    text = f"{placeholder}  {to_fill.comment(hint)}"
    job.edits.append((node.start_mark.index, node.end_mark.index, text))
    job.draft.changed.append(Change(path, f"{value!r} → placeholder {placeholder}, to be filled"))


def _mark_legal_bases(job: _Job, key: yaml.Node, node: yaml.SequenceNode) -> None:
    """Replace the căn cứ with one marked placeholder; the old ones stay as comments."""
    pad = " " * (key.start_mark.column + 2)
    hint = f"căn cứ ban hành Kế hoạch năm {job.new}"
    lines = [
        f"legal_bases:  {to_fill.comment(hint + '; xóa dòng tạm bên dưới')}",
        f"{pad}- {json.dumps(to_fill.placeholder(hint), ensure_ascii=False)}",
        f"{pad}# Căn cứ của Kế hoạch năm {job.old} (để tham khảo):",
        *(f"{pad}#   {' '.join(str(item.value).split())}" for item in node.value),
    ]
    end = node.value[-1].end_mark.index if node.value else node.end_mark.index
    job.edits.append((key.start_mark.index, end, "\n".join(lines)))
    job.draft.changed.append(Change("legal_bases", "replaced by a placeholder, to be filled"))


def _move_checked(job: _Job, path: str, phrase: str) -> str:
    """The phrase moved to the new year, checked to read as the same kind of window/deadline."""
    notes: list[str] = []
    new = _move_phrase(phrase, job.old, job.new, notes)
    try:
        if _DEADLINE.match(path):
            before, after = parse_deadline(phrase, year=job.old), parse_deadline(new, year=job.new)
            same = before.kind == after.kind and _day(before.on) == _day(after.on)
        else:
            same = _shape(parse_window(phrase, year=job.old)) == _shape(
                parse_window(new, year=job.new)
            )
    except PhraseError as exc:
        raise PlanInvalid([Problem(path, str(exc))]) from None
    if not same:
        raise PlanInvalid([Problem(path, f"{phrase!r} cannot be moved to {job.new}: {new!r}")])
    job.draft.notes += [f"{path}: {n}" for n in notes]
    return new


def _day(day: date) -> tuple[int, int]:
    """Month and day, with 29 February read as 28 February (a common year has no 29th)."""
    return (2, 28) if (day.month, day.day) == (2, 29) else (day.month, day.day)


def _shape(window: TimeWindow) -> tuple[tuple[int, int], tuple[int, int]]:
    return _day(window.start), _day(window.end)


def _move_phrase(phrase: str, old: int, new: int, notes: list[str]) -> str:
    """Dates of the old year (and year-less ones) → the new year; then the bare old year."""

    def moved_date(match: re.Match[str]) -> str:
        day, sep, month, ysep, yr = match.groups()
        target = new if yr is None or int(yr) == old else int(yr)
        if (int(day), int(month)) == (29, 2) and not cal.isleap(target):
            notes.append(f"29/02 → 28/02: {target} is not a leap year")
            day = "28"
        return f"{day}{sep}{month}" + (f"{ysep}{target}" if yr else "")

    moved = _DATE.sub(moved_date, phrase)
    return re.sub(rf"(?<!\d){old}(?!\d)", str(new), moved)


def _prose(job: _Job, path: str, text: str) -> str:
    """The old deadline phrases and the bare plan-year mentions moved; the rest kept."""
    for before, after in job.phrases.items():
        if before in text and before != after:
            text = text.replace(before, after)
            job.draft.changed.append(Change(path, f"{before!r} → {after!r}"))
    out, last = [], 0
    for match in re.finditer(rf"(?<![\d/.:]){job.old}(?![\d/])", text):
        head, tail = text[: match.start()], text[match.end() :]
        context = _last_words(head) + str(job.old)
        reason = _kept_because(head, tail)
        if reason:
            job.draft.kept.append(Change(path, f"{context!r} ({reason})"))
            continue
        out += [text[last : match.start()], str(job.new)]
        last = match.end()
        new_context = context.removesuffix(str(job.old)) + str(job.new)
        job.draft.changed.append(Change(path, f"{context!r} → {new_context!r}"))
    return "".join([*out, text[last:]])


def _last_words(text: str) -> str:
    """Up to three words before a year, as written, to show where it was."""
    match = _LAST_WORDS.search(text)
    return text[match.start() :].lstrip() if match else ""


def _kept_because(head: str, tail: str) -> str | None:
    if _PERIOD_BEFORE.search(head) or _PERIOD_AFTER.search(tail):
        return "part of a period"
    if _TARGET.search(head):
        return "a target year"
    if _DOCUMENT.search(_CLAUSE.split(head)[-1]):
        return "names a document"
    return None


def _rewrite_comments(job: _Job, text: str, start: int) -> None:
    """The old deadline phrases in whole-line comments after the header, e.g. the policy's."""
    taken = [(a, b) for a, b, _ in job.edits]
    index = start
    for line in text[start:].splitlines(keepends=True):
        inside = any(a <= index < b for a, b in taken)
        if line.lstrip().startswith("#") and not inside:
            new = line
            for before, after in job.phrases.items():
                new = new.replace(before, after)
            if new != line:
                job.edits.append((index, index + len(line), new))
        index += len(line)


def _apply(text: str, edits: list[tuple[int, int, str]], *, offset: int) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[: start - offset] + new + text[end - offset :]
    return text


def _header(job: _Job, data: dict[str, Any], source: str, old_header: str) -> str:
    issued = data.get("issued_on")
    day = f"{issued:%d/%m/%Y}" if isinstance(issued, date) else issued
    ref = f"Kế hoạch số {data.get('number')}/{data.get('symbol')} ngày {day}"
    lines = [
        f"DRAFT of the {job.new} plan, made by `cchc plan next-year` from {source}",
        f"({ref}). Review it before use; it is not a signed document.",
        "",
        f"To fill before publishing: {', '.join(to_fill.TO_FILL)} (their lines end in a",
        "'ĐIỀN' comment). Write the real value, then delete that comment (for legal_bases,",
        "also the placeholder item). `cchc plan validate` warns while any is left.",
    ]
    if job.draft.kept:
        lines += ["", f"Mentions of {job.old} kept as written (review):"]
        lines += [f"  {c}" for c in job.draft.kept]
    lines += ["", f"Changed from the {job.old} plan:", *(f"  {c}" for c in job.draft.changed)]
    lines += [f"  note: {n}" for n in job.draft.notes]
    out = "".join(f"# {line}".rstrip() + "\n" for line in lines)
    if old_header.strip():
        out += f"#\n# Header of the {job.old} plan:\n" + old_header.rstrip("\n") + "\n"
    return out + "\n"
