"""The unit directory: the Sở's units, groups of units, and the report recipients."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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


class UnitDirectory(BaseModel):
    """Everything the plans refer to by code; a deployment points at its own file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: str = Field(min_length=1)
    office: str = Field(pattern=CODE, description="code of the unit acting as the Office")
    units: list[Unit] = Field(min_length=1)
    groups: list[UnitGroup] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)

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
        return next((u for u in self.units if u.code == code), None)

    def group(self, code: str) -> UnitGroup | None:
        return next((g for g in self.groups if g.code == code), None)

    def recipient(self, code: str) -> Recipient | None:
        return next((r for r in self.recipients if r.code == code), None)

    def members(self, group: str) -> list[Unit]:
        return [u for u in self.units if group in u.groups]

    def resolve(self, units: Iterable[str], groups: Iterable[str]) -> list[str]:
        """Unit codes named directly or through groups, in directory order, no repeats."""
        wanted = set(units) | {u.code for g in groups for u in self.members(g)}
        return [u.code for u in self.units if u.code in wanted]

    def match(self, name: str) -> Unit | None:
        """The unit a written name refers to, accent- and case-insensitively, aliases too."""
        key = fold(name)
        for unit in self.units:
            if key in {fold(n) for n in [unit.name, unit.code, *unit.aliases]}:
                return unit
        return None


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d) and punctuation, single-spaced: for matching."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^a-z0-9&]+", " ", text).strip()
