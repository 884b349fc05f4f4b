"""The plan (Kế hoạch) as data: sections I–VI of the document plus the scheduling policy."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.phrases import Deadline, TimeWindow, parse_deadline, parse_window
from domain.policy import Policy
from domain.units import CODE

_Strict = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Issuer(BaseModel):
    """Cơ quan ban hành and its parent body, as the header block writes them."""

    model_config = _Strict

    parent: str = Field(min_length=1, description="e.g. UBND TỈNH QUẢNG NGÃI")
    name: str = Field(min_length=1, description="e.g. SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    abbreviation: str = Field(min_length=1, description="e.g. SKHCN")


class Topic(BaseModel):
    """A nội dung tuyên truyền of section II; code is stable ('1', '5a', '5dd' for đ)."""

    model_config = _Strict

    code: str = Field(pattern=r"^[0-9]+[a-z]*$")
    marker: str = Field(min_length=1, description="as numbered in the text: '1', 'a', 'đ'")
    title: str = ""
    paragraphs: list[str] = Field(default_factory=list)
    subtopics: list[Topic] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_text(self) -> Topic:
        if not (self.title or self.paragraphs):
            raise ValueError("a topic needs a title or at least one paragraph")
        return self

    def walk(self) -> list[Topic]:
        return [self, *(t for sub in self.subtopics for t in sub.walk())]


class Slogan(BaseModel):
    """A khẩu hiệu of section III: `text` as the plan writes it (typos kept, for the record),
    `display` as mails show it (obvious typos corrected; the text itself when not given)."""

    model_config = _Strict

    number: int = Field(ge=1)
    text: str = Field(min_length=1)
    display: str = Field(default="", description="the text with obvious typos corrected")

    @model_validator(mode="before")
    @classmethod
    def _display_defaults_to_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and not str(data.get("display") or "").strip():
            return {**data, "display": data.get("text")}
        return data


class Assignment(BaseModel):
    """Units as the plan writes them, and the directory codes that text stands for."""

    model_config = _Strict

    as_written: str = Field(min_length=1)
    units: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_someone(self) -> Assignment:
        if not (self.units or self.groups):
            raise ValueError("name at least one unit or group")
        for code in [*self.units, *self.groups]:
            if not re.match(CODE, code):
                raise ValueError(f"{code!r} is not a code")
        return self


class Activity(BaseModel):
    """A hình thức tuyên truyền of section IV: what, who leads, who helps, when."""

    model_config = _Strict

    code: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", description="slug, stable")
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    lead: Assignment
    coordinators: Assignment | None = None
    window: str = Field(min_length=1, description="thời gian thực hiện, exactly as written")

    def time_window(self, year: int) -> TimeWindow:
        return parse_window(self.window, year=year)


class ReportingRule(BaseModel):
    """Who reports to whom by when (section VI)."""

    model_config = _Strict

    from_: Assignment = Field(alias="from")
    to: str = Field(pattern=CODE)
    deadline: str = Field(min_length=1, description="e.g. 'trước ngày 15/11/2025'")
    signed_by: str | None = Field(default=None, pattern=CODE)

    def parsed_deadline(self, year: int) -> Deadline:
        return parse_deadline(self.deadline, year=year)


class Reporting(BaseModel):
    model_config = _Strict

    unit_report: ReportingRule
    consolidated_report: ReportingRule


class Addressee(BaseModel):
    """One line of Nơi nhận, with the directory codes it stands for (if any)."""

    model_config = _Strict

    text: str = Field(min_length=1)
    units: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


YEAR_END = "year-end-report"  # the code under which the unit reports (and revisions) live
YEAR_END_TITLE = "Báo cáo kết quả thực hiện Kế hoạch năm (gửi Văn phòng Sở)"


class Amendment(BaseModel):
    """A document that amends the plan (kế hoạch điều chỉnh, bổ sung): the plan keeps its
    own number and date, by which its work was scheduled; each amendment is listed here."""

    model_config = _Strict

    number: int = Field(ge=1)
    symbol: str = Field(pattern=r"^[A-ZĐ]{1,4}-[A-ZĐ0-9&]+(?:-[A-ZĐ0-9&]+)*$")
    issued_on: date
    title: str = ""

    @property
    def number_symbol(self) -> str:
        return f"{self.number}/{self.symbol}"


class Plan(BaseModel):
    """A Kế hoạch tuyên truyền CCHC: the document's content and the policy to run it."""

    model_config = _Strict

    code: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    year: int = Field(ge=2000, le=2100)
    issuer: Issuer
    number: int = Field(ge=1)
    symbol: str = Field(pattern=r"^[A-ZĐ]{1,4}-[A-ZĐ0-9&]+(?:-[A-ZĐ0-9&]+)*$")
    issued_on: date
    place: str = Field(min_length=1)
    title: str = Field(min_length=1)
    legal_bases: list[str] = Field(min_length=1)
    purposes: list[str] = Field(min_length=1)
    requirements: list[str] = Field(default_factory=list)
    topics: list[Topic] = Field(min_length=1)
    slogans: list[Slogan] = Field(default_factory=list)
    activities: list[Activity] = Field(min_length=1)
    budget: str = Field(min_length=1)
    organization: list[str] = Field(default_factory=list)
    reporting: Reporting
    recipients: list[Addressee] = Field(min_length=1)
    policy: Policy = Field(default_factory=Policy)
    # A DIỄN TẬP copy (`cchc plan rehearsal`): marked in every mail, page and report, mailed
    # only inside the configured domains, and its dates may run into the next calendar year.
    rehearsal: bool = False
    # The documents that amended it, oldest first (`number` and `issued_on` stay the
    # original plan's: a mid-year amendment must not move the dates of work under way).
    amendments: list[Amendment] = Field(default_factory=list)

    @property
    def number_symbol(self) -> str:
        return f"{self.number}/{self.symbol}"

    def activity(self, code: str) -> Activity | None:
        """An activity of section IV, or the year-end reporting of section VI by its code."""
        if code == YEAR_END:
            return self.year_end_activity()
        return next((a for a in self.activities if a.code == code), None)

    def year_end_activity(self) -> Activity:
        """Section VI as work: every unit reports its results to the Office by the cut-off."""
        rule = self.reporting.unit_report
        return Activity(
            code=YEAR_END,
            number=len(self.activities) + 1,
            title=YEAR_END_TITLE,
            lead=rule.from_,
            window=f"{rule.deadline}",
        )

    def all_topics(self) -> list[Topic]:
        return [t for top in self.topics for t in top.walk()]

    def unit_deadline(self) -> Deadline:
        return self.reporting.unit_report.parsed_deadline(self.year)

    def final_deadline(self) -> Deadline:
        return self.reporting.consolidated_report.parsed_deadline(self.year)

    @field_validator("activities")
    @classmethod
    def _unique_activities(cls, value: list[Activity]) -> list[Activity]:
        for attr in ("code", "number"):
            seen = [getattr(a, attr) for a in value]
            dupes = sorted({str(s) for s in seen if seen.count(s) > 1})
            if dupes:
                raise ValueError(f"duplicate activity {attr}: {', '.join(dupes)}")
        return value

    @field_validator("topics")
    @classmethod
    def _unique_topics(cls, value: list[Topic]) -> list[Topic]:
        codes = [t.code for top in value for t in top.walk()]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate topic codes: {', '.join(dupes)}")
        return value
