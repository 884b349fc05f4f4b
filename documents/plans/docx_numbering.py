"""Word's automatic numbering: the label ('1.', 'a)', 'IV.', '-') a list paragraph shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)
_PLACEHOLDER = re.compile(r"%([1-9])")


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str  # decimal, lowerLetter, upperRoman, bullet, none, …
    text: str  # the label pattern: '%1.', '%1.%2)', or the bullet character


def _val(element: Any, tag: str) -> str | None:
    found = element.find(f"{_W}{tag}") if element is not None else None
    return None if found is None else found.get(f"{_W}val")


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.lstrip("-").isdecimal() else default


def _format(number: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        out, rest = "", number
        for value, digits in _ROMAN:
            count, rest = divmod(rest, value)
            out += digits * count
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{number:02d}"
    return str(number)


class ListLabels:
    """Counts a document's list paragraphs in order, as Word does, to label each one.

    Lists that share a definition continue one count; a list that restarts (a `w:num`
    with a start override) counts on its own."""

    def __init__(self, document: Any) -> None:
        numbering = _numbering_element(document)
        self._levels: dict[str, dict[int, _Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, int]]] = {}
        if numbering is not None:
            self._read_definitions(numbering)
        self._styles = _style_numbering(document)
        self._counts: dict[str, dict[int, int]] = {}

    def _read_definitions(self, numbering: Any) -> None:
        for abstract in numbering.iterfind(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iterfind(f"{_W}lvl"):
                level = _int(lvl.get(f"{_W}ilvl"), 0)
                fmt = _val(lvl, "numFmt") or "decimal"
                levels[level] = _Level(_int(_val(lvl, "start"), 1), fmt, _val(lvl, "lvlText") or "")
            self._levels[abstract.get(f"{_W}abstractNumId")] = levels
        for num in numbering.iterfind(f"{_W}num"):
            starts = {
                _int(override.get(f"{_W}ilvl"), 0): _int(_val(override, "startOverride"), 1)
                for override in num.iterfind(f"{_W}lvlOverride")
                if override.find(f"{_W}startOverride") is not None
            }
            self._nums[num.get(f"{_W}numId")] = (_val(num, "abstractNumId") or "", starts)

    def label(self, paragraph: Any) -> str | None:
        """The label Word shows before this paragraph (a `w:p`), or None; counts it."""
        num_id, level = self._numbering_of(paragraph)
        if num_id is None or num_id not in self._nums:
            return None
        abstract, starts = self._nums[num_id]
        levels = self._levels.get(abstract, {})
        if level not in levels:
            return None
        counts = self._counts.setdefault(num_id if starts else abstract, {})
        start = starts.get(level, levels[level].start)
        counts[level] = counts[level] + 1 if level in counts else start
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        return self._render(levels, counts, level)

    def _numbering_of(self, paragraph: Any) -> tuple[str | None, int]:
        props = paragraph.find(f"{_W}pPr")
        direct = props.find(f"{_W}numPr") if props is not None else None
        style = self._styles.get(_val(props, "pStyle") or "", (None, 0))
        if direct is None:
            return style
        num_id = _val(direct, "numId") or style[0]
        level = _int(_val(direct, "ilvl"), style[1])
        return (None if num_id == "0" else num_id), level

    @staticmethod
    def _render(levels: dict[int, _Level], counts: dict[int, int], level: int) -> str | None:
        this = levels[level]
        if this.fmt == "none":
            return None
        if this.fmt == "bullet":
            return "-"

        def number(match: re.Match[str]) -> str:
            at = int(match[1]) - 1
            shown = levels.get(at, this)
            return _format(counts.get(at, shown.start), shown.fmt)

        return _PLACEHOLDER.sub(number, this.text).strip() or None


def _numbering_element(document: Any) -> Any:
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return None


def _style_numbering(document: Any) -> dict[str, tuple[str | None, int]]:
    """Each paragraph style's list (numId, level), following `basedOn` as Word does."""
    styles = {s.get(f"{_W}styleId"): s for s in document.styles.element.iterfind(f"{_W}style")}
    out: dict[str, tuple[str | None, int]] = {}
    for style_id in styles:
        seen: set[str] = set()
        current = styles.get(style_id)
        while current is not None and style_id not in out:
            props = current.find(f"{_W}pPr")
            num_pr = props.find(f"{_W}numPr") if props is not None else None
            if num_pr is not None and _val(num_pr, "numId"):
                num_id = _val(num_pr, "numId")
                out[style_id] = (None if num_id == "0" else num_id, _int(_val(num_pr, "ilvl"), 0))
            seen.add(current.get(f"{_W}styleId"))
            based = _val(current, "basedOn")
            current = styles.get(based) if based and based not in seen else None
    return out
