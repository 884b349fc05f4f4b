"""The unit directory: the Sở's units, groups of units, and the report recipients."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from domain.errors import Problem

CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
# A plain address check: example.invalid addresses must pass, so no deliverability rules.
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$")]


class Person(BaseModel):
    """Someone mail is addressed to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    title: str = ""
    email: Email


class Unit(BaseModel):
    """A phòng, ban, trung tâm or chi cục of the Sở that can be given tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    contact: Person
    head: Person
    # The directory over time: the unit exists from valid_from to valid_until (inclusive;
    # None: open-ended). A unit renamed, merged or split ends on valid_until and names the
    # successor its open work goes to (for a split, the one the Office chooses).
    valid_from: date | None = None
    valid_until: date | None = None
    successor: str | None = Field(default=None, pattern=CODE)
    # Reminders and chases due the same morning, and assignments of the same day: one mail
    # listing them all (digest), or one mail per task (each).
    reminders: Literal["digest", "each"] = "digest"

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class UnitGroup(BaseModel):
    """A named set of units as plans write it ('Các phòng, đơn vị thuộc Sở')."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)


class Recipient(BaseModel):
    """A person or body outside the unit list: the Director, UBND tỉnh, Sở Nội vụ."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    role: str = ""
    email: Email
    person: str = ""  # full name of the holder of the office, when the directory knows it


class UnitDirectory(BaseModel):
    """Everything the plans refer to by code; a deployment points at its own file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: str = Field(min_length=1)
    office: str = Field(pattern=CODE, description="code of the unit acting as the Office")
    units: list[Unit] = Field(min_length=1)
    groups: list[UnitGroup] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)
    _index: tuple[list[Unit], dict[str, Unit]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> UnitDirectory:
        codes = [u.code for u in self.units] + [r.code for r in self.recipients]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate codes: {', '.join(dupes)}")
        if self.office not in {u.code for u in self.units}:
            raise ValueError(f"office {self.office!r} is not a unit code")
        known = {g.code for g in self.groups}
        for unit in self.units:
            missing = set(unit.groups) - known
            if missing:
                raise ValueError(f"unit {unit.code} names unknown groups {sorted(missing)}")
        return self

    def unit(self, code: str) -> Unit | None:
        # Indexed (a province has a thousand units); rebuilt when the list is another one.
        index = self._index
        if index is None or index[0] is not self.units or len(index[1]) != len(self.units):
            index = self._index = (self.units, {u.code: u for u in self.units})
        return index[1].get(code)

    def at(self, day: date) -> list[Unit]:
        """The units that exist on `day`, in directory order."""
        return [u for u in self.units if u.active_on(day)]

    def final_successor(self, code: str) -> str:
        """The unit the work of `code` ends up with, following successors (itself if none)."""
        seen = {code}
        while (unit := self.unit(code)) is not None and unit.successor:
            code = unit.successor
            if code in seen:
                break  # a cycle: check_directory reports it
            seen.add(code)
        return code

    def group(self, code: str) -> UnitGroup | None:
        return next((g for g in self.groups if g.code == code), None)

    def recipient(self, code: str) -> Recipient | None:
        return next((r for r in self.recipients if r.code == code), None)

    def members(self, group: str) -> list[Unit]:
        return [u for u in self.units if group in u.groups]

    def resolve(
        self, units: Iterable[str], groups: Iterable[str], *, on: date | None = None
    ) -> list[str]:
        """Unit codes named directly or through groups, in directory order, no repeats.
        With `on`: as the directory stands that day — a unit that has ended is replaced by
        its successor, one that does not exist yet (or whose work has nowhere to go) left out."""
        wanted = set(units) | {u.code for g in groups for u in self.members(g)}
        if on is not None:
            standing = (self.standing(code, on) for code in wanted)
            wanted = {code for code in standing if code is not None}
        return [u.code for u in self.units if u.code in wanted]

    def standing(self, code: str, on: date) -> str | None:
        """Who does the work of `code` on `on`: itself while it exists, else its final
        successor if that exists then; None otherwise."""
        for candidate in (code, self.final_successor(code)):
            unit = self.unit(candidate)
            if unit is not None and unit.active_on(on):
                return candidate
        return None

    def match(self, name: str) -> Unit | None:
        """The unit a written name refers to, accent- and case-insensitively, aliases too;
        failing that, with common abbreviations spelled out ('TT CĐS&ĐMST', 'VP Sở')."""
        key = fold(name)
        for unit in self.units:
            if key in {fold(n) for n in [unit.name, unit.code, *unit.aliases]}:
                return unit
        return _only(self.units, name, lambda u: [u.name, *u.aliases])

    def match_group(self, name: str) -> UnitGroup | None:
        """The group a written name refers to ('Các phòng, đơn vị trực thuộc Sở')."""
        key = fold(name)
        found = next((g for g in self.groups if key in (fold(g.name), fold(g.code))), None)
        return found or _only(self.groups, name, lambda g: [g.name])

    def match_recipient(self, name: str) -> Recipient | None:
        """The recipient a written name refers to: by code, by name with abbreviations
        spelled out ('GĐ', 'UBND tỉnh'), or as the one name it begins ('Sở Nội vụ')."""
        key = fold(name)
        found = next((r for r in self.recipients if key in (fold(r.name), fold(r.code))), None)
        found = found or _only(self.recipients, name, lambda r: [r.name])
        short = canonical_name(name)
        if found or len(short.split()) < 2:  # "Sở" alone begins too many names
            return found
        starts = [r for r in self.recipients if canonical_name(r.name).startswith(short + " ")]
        return starts[0] if len(starts) == 1 else None


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d) and punctuation, single-spaced: for matching."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^a-z0-9&]+", " ", text).strip()


# Abbreviations the Sở's documents use for unit and body names (folded, no accents).
# Ambiguous ones (KH: khoa học or kế hoạch) are deliberately left out.
_ABBREVIATIONS = {
    "vp": "van phong",
    "tt": "trung tam",
    "cds": "chuyen doi so",
    "dmst": "doi moi sang tao",
    "tdc": "tieu chuan do luong chat luong",
    "ql": "quan ly",
    "qlkh": "quan ly khoa hoc",
    "qlcn": "quan ly cong nghe",
    "bcvt": "buu chinh vien thong",
    "cntt": "cong nghe thong tin",
    "khcn": "khoa hoc va cong nghe",
    "shtt": "so huu tri tue",
    "ttdt": "thong tin dien tu",
    "bbt": "ban bien tap",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "gd": "giam doc",
    "pgd": "pho giam doc",
}
# Wordings that mean the same unit or group: "trực thuộc Sở" = "thuộc Sở", "có liên quan"
# = "liên quan"; a trailing "(của) Sở" only says whose unit it is.
_SYNONYMS = ((" truc thuoc ", " thuoc "), (" co lien quan ", " lien quan "))
_TRAILING = re.compile(r"(?:\s+(?:cua|thuoc))?\s+so$")


def canonical_name(text: str) -> str:
    """A name folded with abbreviations spelled out, for matching written variants."""
    folded = fold(re.sub(r"\([^)]*\)", " ", text)).replace("&", " va ")
    words = " ".join(_ABBREVIATIONS.get(w, w) for w in folded.split())
    padded = f" {words} "
    for old, new in _SYNONYMS:
        padded = padded.replace(old, new)
    return _TRAILING.sub("", padded.strip())


_T = TypeVar("_T")


def _only(items: Iterable[_T], name: str, names: Callable[[_T], list[str]]) -> _T | None:
    """The one item one of whose names reads the same as `name` once spelled out."""
    key = canonical_name(name)
    if not key:
        return None
    found = [item for item in items if key in {canonical_name(n) for n in names(item)}]
    return found[0] if len(found) == 1 else None


def check_directory(directory: UnitDirectory) -> list[Problem]:
    """The directory over time, each finding with its path: a successor that is not a unit,
    a unit its own successor or in a cycle of successors, a successor without an end date,
    a successor that has itself ended by then, dates in the wrong order."""
    problems: list[Problem] = []
    index = {u.code: i for i, u in enumerate(directory.units)}
    for i, unit in enumerate(directory.units):
        path = f"units[{i}]"
        if unit.valid_from and unit.valid_until and unit.valid_until < unit.valid_from:
            problems.append(Problem(f"{path}.valid_until", "ends before it begins"))
        if unit.successor is None:
            continue
        if unit.valid_until is None:
            msg = "a successor needs valid_until, the last day of the unit"
            problems.append(Problem(f"{path}.successor", msg))
        after = directory.unit(unit.successor)
        if after is None:
            problems.append(Problem(f"{path}.successor", f"{unit.successor!r} is not a unit"))
        elif _cycles(directory, unit.code):
            chain = " → ".join(_chain(directory, unit.code))
            problems.append(Problem(f"{path}.successor", f"successors run in a cycle: {chain}"))
        elif unit.valid_until and after.valid_until and after.valid_until <= unit.valid_until:
            where = f"units[{index[after.code]}]"
            problems.append(
                Problem(
                    f"{path}.successor",
                    f"{after.code} ({where}) ends {after.valid_until}, "
                    f"not after {unit.code} ends {unit.valid_until}",
                )
            )
    return problems


def _chain(directory: UnitDirectory, code: str) -> list[str]:
    chain = [code]
    while (unit := directory.unit(chain[-1])) is not None and unit.successor:
        chain.append(unit.successor)
        if unit.successor in chain[:-1]:
            break
    return chain


def _cycles(directory: UnitDirectory, code: str) -> bool:
    chain = _chain(directory, code)
    return len(chain) != len(set(chain))
