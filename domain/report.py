"""Content of the consolidated year-end report to UBND tỉnh, and pure helpers over it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, field_validator, model_validator

from domain.consolidate import Grouped
from domain.status import Bucket
from domain.vi import dmy

FROZEN = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

RESULT_COUNTS: dict[str, str] = {
    "news": "Tin, bài",
    "bulletins": "Bản tin, chuyên mục",
    "events": "Sự kiện, hội nghị",
    "trainings": "Lớp tập huấn",
    "participants": "Lượt người tham dự",
    "inspections": "Cuộc kiểm tra",
}

# The number is given by the văn thư only after signature (NĐ 30/2020, Điều 15), so a draft
# carries "…" in its place.
_NUMBER_SYMBOL = re.compile(r"^(?:\d{1,5}|…|\.\.\.)/[A-ZĐ]{1,4}-[A-ZĐ0-9&]+(?:-[A-ZĐ0-9&]+)*$")


class FormResult(BaseModel):
    """One hình thức tuyên truyền (a plan activity) with what the units reported for it."""

    model_config = FROZEN

    number: int = Field(ge=1)
    code: str = Field(min_length=1)
    title: str = Field(min_length=1)
    window_text: str = Field(min_length=1, description="thời gian thực hiện, as written")
    lead: list[str] = Field(min_length=1)
    coordinating: list[str] = Field(default_factory=list)
    counts: dict[str, NonNegativeInt] = Field(default_factory=dict)
    done: list[Grouped] = Field(default_factory=list, description="what the units did")
    estimates: list[Grouped] = Field(default_factory=list, description="to the end of the year")
    evidence_links: NonNegativeInt = 0
    evidence_files: NonNegativeInt = 0
    links: list[str] = Field(default_factory=list, description="for the annex; not printed")
    topics: list[str] = Field(default_factory=list, description="section II topic codes")
    estimate: bool = Field(default=False, description="window ends after the unit cut-off")

    @field_validator("counts")
    @classmethod
    def _known_counts(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(RESULT_COUNTS))
        if unknown:
            known = ", ".join(RESULT_COUNTS)
            raise ValueError(f"unknown count keys: {', '.join(unknown)} (known: {known})")
        return value


class UnitTaskLine(BaseModel):
    """One task of a unit as the appendix lists it."""

    model_config = FROZEN

    activity: str = Field(min_length=1, description="the activity's title")
    form: str = Field(default="", description="the activity's code; '' for the year-end report")
    stage: str = Field(min_length=1, description="stage label in Vietnamese")
    due: date
    bucket: Bucket
    days_late: NonNegativeInt = 0


class UnitAppendix(BaseModel):
    """A unit's row group in the appendix: did it report, and how its tasks stand."""

    model_config = FROZEN

    unit: str = Field(min_length=1)
    report_received: bool
    tasks: list[UnitTaskLine] = Field(default_factory=list)


class CoverageRow(BaseModel):
    """One topic of section II and, per form in order, whether that form covered it."""

    model_config = FROZEN

    code: str
    title: str
    marks: tuple[bool, ...]


class ReportData(BaseModel):
    """Everything the consolidated report says, ready to be laid out."""

    model_config = FROZEN

    issuer_parent: str = Field(min_length=1, description="e.g. UBND TỈNH QUẢNG NGÃI")
    issuer: str = Field(min_length=1, description="e.g. SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    number_symbol: str = Field(description="e.g. …/BC-SKHCN before a number is given")
    place: str = Field(min_length=1)
    dated: date
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, description="trích yếu")
    addressee: str = Field(min_length=1)
    direction: list[str] = Field(default_factory=list)
    forms: list[FormResult] = Field(min_length=1)
    topics: list[tuple[str, str]] = Field(default_factory=list)
    general: list[Grouped] = Field(default_factory=list, description="year-end, no one form")
    general_estimates: list[Grouped] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    causes: list[Grouped] = Field(default_factory=list)
    directions: list[str] = Field(default_factory=list)
    proposals: list[Grouped] = Field(default_factory=list)
    units: list[UnitAppendix] = Field(default_factory=list)
    missing_units: list[str] = Field(default_factory=list)
    internal: list[str] = Field(default_factory=list, description="for the Sở only, never sent")
    recipients: list[str] = Field(min_length=1)
    signer_on_behalf: str = Field(default="", description="'KT. GIÁM ĐỐC' when a deputy signs")
    signer_title: str = Field(min_length=1, description="'GIÁM ĐỐC' or 'PHÓ GIÁM ĐỐC'")
    signer_name: str = Field(default="", description="the person; '' leaves the line empty")
    draft: bool = False
    version: int = Field(default=0, ge=0, description="the draft's version; 0: not numbered")
    rehearsal: bool = False  # the report of a DIỄN TẬP plan: marked so above its title

    @field_validator("number_symbol")
    @classmethod
    def _number_symbol(cls, value: str) -> str:
        if not _NUMBER_SYMBOL.match(value):
            raise ValueError(f"{value!r} is not a number/symbol such as '…/BC-SKHCN'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ReportData:
        _no_duplicates("form number", [str(f.number) for f in self.forms])
        _no_duplicates("topic code", [code for code, _ in self.topics])
        _no_duplicates("unit", [u.unit for u in self.units])
        known = {code for code, _ in self.topics}
        for form in self.forms:
            unknown = [t for t in form.topics if t not in known]
            if unknown:
                raise ValueError(f"form {form.number} names unknown topics: {', '.join(unknown)}")
        received = {u.unit for u in self.units if u.report_received}
        contradicted = [name for name in self.missing_units if name in received]
        if contradicted:
            raise ValueError(f"listed as missing but marked received: {', '.join(contradicted)}")
        return self

    def missing(self) -> list[str]:
        """Units without a year-end report: those listed as missing, then any not received."""
        names = list(dict.fromkeys(self.missing_units))
        return names + [u.unit for u in self.units if not u.report_received and u.unit not in names]

    def appendix_units(self) -> list[UnitAppendix]:
        """Every unit for the appendix; a missing unit is never dropped, even without tasks."""
        listed = {u.unit for u in self.units}
        extra = [
            UnitAppendix(unit=n, report_received=False) for n in self.missing() if n not in listed
        ]
        return [*self.units, *extra]


def _no_duplicates(what: str, values: Sequence[str]) -> None:
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise ValueError(f"duplicate {what}: {', '.join(dupes)}")


def coverage(forms: Sequence[FormResult], topics: Sequence[tuple[str, str]]) -> list[CoverageRow]:
    """The topics × forms matrix: row per topic, one mark per form in the given order."""
    return [
        CoverageRow(code=code, title=title, marks=tuple(code in f.topics for f in forms))
        for code, title in topics
    ]


def totals(forms: Sequence[FormResult]) -> dict[str, int]:
    """Every count of RESULT_COUNTS summed over the forms (zero when nobody reported it)."""
    return {key: sum(f.counts.get(key, 0) for f in forms) for key in RESULT_COUNTS}


def figures(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """The reported counts as (Vietnamese label, value), in RESULT_COUNTS order."""
    return [(label, counts[key]) for key, label in RESULT_COUNTS.items() if key in counts]


def dateline(*, place: str, dated: date) -> str:
    """'Quảng Ngãi, ngày 05 tháng 01 năm 2026' as NĐ 30/2020 writes it."""
    # Leading zero for days below 10 and for months 1 and 2 only (Phụ lục I, mục II.4).
    month = f"{dated.month:02d}" if dated.month < 3 else str(dated.month)
    return f"{place}, ngày {dated.day:02d} tháng {month} năm {dated.year}"


# How running text capitalises an agency's name (NĐ 30/2020, Phụ lục II): the kind of body,
# the first word of its proper name, a word after "và", and the whole place name.
_PLACE_WORDS = ("tỉnh", "phố", "huyện", "xã")
_BODY_WORDS = ("ủy", "uỷ", "hội", "văn")  # "Ủy ban nhân dân", "Hội đồng …": one capital
_ABBREVIATIONS = ("ubnd", "hđnd", "mttq", "kh&cn")


def agency_case(name: str) -> str:
    """An agency name written in capitals ('SỞ KHOA HỌC VÀ CÔNG NGHỆ') as running text
    writes it ('Sở Khoa học và Công nghệ'); a name already in mixed case is kept."""
    if name != name.upper():
        return name
    words = name.lower().split()
    out = []
    for i, word in enumerate(words):
        capital = (
            i == 0
            or (i == 1 and words[0] not in _BODY_WORDS)
            or (words[i - 1] == "và")
            or any(w in _PLACE_WORDS for w in words[:i])
        )
        if word in _ABBREVIATIONS:
            word = word.upper()
        out.append(word[:1].upper() + word[1:] if capital else word)
    return " ".join(out)


def appendix_reference(data: ReportData) -> str:
    """The appendix's '(Kèm theo Báo cáo số … ngày … của …)' line."""
    return (
        f"(Kèm theo Báo cáo số {data.number_symbol} ngày {dmy(data.dated)} "
        f"của {agency_case(data.issuer)})"
    )


def draft_mark(version: int) -> str:
    """'DỰ THẢO (lần 2)'; 'DỰ THẢO' when the draft has no version."""
    return f"DỰ THẢO (lần {version})" if version else "DỰ THẢO"
