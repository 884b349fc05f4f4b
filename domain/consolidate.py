"""Statements several units wrote alike, written once with the units that wrote them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

# Punctuation a writer may or may not end a sentence with; it does not change what was said.
_TRAILING = " \t.,;:!?…-–—"


class Grouped(BaseModel):
    """One statement and, in the order they first wrote it, the units that wrote it.
    No units: the Office's own wording."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    units: list[str] = Field(default_factory=list)


def statement_key(text: str) -> str:
    """What two statements must share to be the same one: compared without case, diacritics
    (đ as d), repeated whitespace and trailing punctuation. Words in parentheses are kept:
    '(12 tin)' and '(3 tin)' say different things."""
    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    plain = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    return " ".join(plain.split()).rstrip(_TRAILING)


def group_statements(items: Iterable[tuple[str, str]]) -> list[Grouped]:
    """(unit name, text) pairs grouped by statement, in order of first appearance; each
    group keeps the first wording seen and names each unit once ('' names no unit)."""
    texts: dict[str, str] = {}
    units: dict[str, list[str]] = {}
    for unit, text in items:
        clean = " ".join(text.split())
        key = statement_key(clean)
        if not key:
            continue
        texts.setdefault(key, clean)
        named = units.setdefault(key, [])
        if unit and unit not in named:
            named.append(unit)
    return [Grouped(text=texts[key], units=units[key]) for key in texts]
