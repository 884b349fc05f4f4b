"""Unit, group and recipient names as a plan writes them → codes of the unit directory."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.units import UnitDirectory

# Names are listed with commas, semicolons or "và"; "và" also occurs inside names
# ("Khoa học và Công nghệ"), so pieces are re-joined when the whole reads as one name.
_SEPARATOR = re.compile(r"(\s*[,;]\s*|\s+và\s+)", re.IGNORECASE)
_MAX_PIECES_PER_NAME = 6
_NOT_A_NAME = re.compile(r"^[\W_]*(?:không|x)?[\W_]*$", re.IGNORECASE)


@dataclass
class Resolved:
    """What a written list of names stands for; `unmatched` names are for review."""

    units: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [*self.units, *self.people]

    def add(self, kind: str, code: str) -> None:
        target = {"unit": self.units, "group": self.groups, "person": self.people}[kind]
        if code not in target:
            target.append(code)


class NameResolver:
    """Looks written names up in one unit directory; never guesses a code it cannot find."""

    def __init__(self, directory: UnitDirectory) -> None:
        self.directory = directory

    def lookup(self, name: str, *, people: bool) -> tuple[str, str] | None:
        """('unit' | 'group' | 'person', code) for one name, or None."""
        name = name.strip()
        if not name:
            return None
        if unit := self.directory.match(name):
            return "unit", unit.code
        if group := self.directory.match_group(name):
            return "group", group.code
        if people and (person := self.directory.match_recipient(name)):
            return "person", person.code
        return None

    def resolve(self, text: str, *, people: bool = False) -> Resolved:
        """Every name in a written list, split where the directory says names end."""
        parts = _SEPARATOR.split(text.strip())
        pieces, separators = parts[0::2], parts[1::2]
        # best[i]: (unmatched pieces, names) of the best reading of pieces[:i]
        best: list[tuple[int, int, list[tuple[str, str] | str]]] = [(0, 0, [])]
        for end in range(1, len(pieces) + 1):
            lost, count, reading = best[end - 1]
            choice = (lost + 1, count + 1, [*reading, pieces[end - 1]])
            for start in range(max(0, end - _MAX_PIECES_PER_NAME), end):
                joined = _join(pieces, separators, start, end)
                found = self.lookup(joined, people=people)
                if found:
                    lost, count, reading = best[start]
                    choice = min(choice, (lost, count + 1, [*reading, found]), key=_rank)
            best.append(choice)
        return _collect(best[-1][2])


def _rank(entry: tuple[int, int, list[tuple[str, str] | str]]) -> tuple[int, int]:
    return entry[0], entry[1]


def _join(pieces: list[str], separators: list[str], start: int, end: int) -> str:
    text = pieces[start]
    for i in range(start + 1, end):
        text += separators[i - 1] + pieces[i]
    return text


def _collect(reading: list[tuple[str, str] | str]) -> Resolved:
    resolved = Resolved()
    for entry in reading:
        if isinstance(entry, tuple):
            resolved.add(*entry)
        elif not _NOT_A_NAME.match(entry):
            resolved.unmatched.append(entry.strip())
    return resolved
