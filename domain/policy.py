"""Scheduling policy and escalation ladders: data with the defaults of DESIGN.md §5."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator


class Stage(StrEnum):
    """The four stages every activity walks, in order."""

    PLAN = "plan"
    EXECUTE = "execute"
    EVIDENCE = "evidence"
    REPORT = "report"


STAGE_LABELS_VI = {
    Stage.PLAN: "Lập kế hoạch",
    Stage.EXECUTE: "Thực hiện",
    Stage.EVIDENCE: "Minh chứng",
    Stage.REPORT: "Báo cáo",
}


def stage_label(
    stage: Stage, seq: int, *, numbered: bool | None = None, inline: bool = False
) -> str:
    """A stage's name with its period: "Thực hiện (kỳ 2)", or inline in a run's headline
    "thực hiện kỳ 2". `numbered`: whether the period shows; by default for the execute
    stage only (its check-ins are periods)."""
    label = STAGE_LABELS_VI[stage]
    if numbered is None:
        numbered = stage is Stage.EXECUTE
    if inline:
        label = label.lower()
        return f"{label} kỳ {seq}" if numbered else label
    return f"{label} (kỳ {seq})" if numbered else label


class Role(StrEnum):
    LEAD = "lead"  # đơn vị chủ trì
    COORDINATOR = "coordinator"  # đơn vị phối hợp


class NoticeKind(StrEnum):
    REMINDER = "reminder"  # nhắc việc
    OVERDUE = "overdue"  # đôn đốc, unit head in copy
    ESCALATION = "escalation"  # báo cáo Giám đốc


class Audience(StrEnum):
    UNIT_CONTACT = "unit_contact"
    UNIT_HEAD = "unit_head"
    DIRECTOR = "director"
    OFFICE = "office"


class Rung(BaseModel):
    """One step of a ladder: when (working days before/after due), what, to whom."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: NoticeKind
    days_before: NonNegativeInt | None = None
    days_after: NonNegativeInt | None = None
    to: list[Audience] = Field(min_length=1)
    cc: list[Audience] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_offset(self) -> Rung:
        if (self.days_before is None) == (self.days_after is None):
            raise ValueError("give exactly one of days_before or days_after")
        return self

    @property
    def offset(self) -> int:
        """Signed working-day offset from the due day (negative = before)."""
        return -self.days_before if self.days_before is not None else self.days_after or 0


def _rung(name: str, kind: NoticeKind, offset: int, to: list[Audience], **kw: object) -> Rung:
    days = {"days_before": -offset} if offset < 0 else {"days_after": offset}
    return Rung.model_validate({"name": name, "kind": kind, "to": to, **days, **kw})


def _ladder(*reminders_before: int) -> list[Rung]:
    """Reminders to the unit; +1 with the head in copy; +3 escalation to the Director."""
    unit, head, director = Audience.UNIT_CONTACT, Audience.UNIT_HEAD, Audience.DIRECTOR
    rungs = [
        _rung(f"T-{n}" if n else "T0", NoticeKind.REMINDER, -n, [unit]) for n in reminders_before
    ]
    return [
        *rungs,
        _rung("T+1", NoticeKind.OVERDUE, 1, [unit], cc=[head]),
        _rung("T+3", NoticeKind.ESCALATION, 3, [director]),
    ]


def default_ladder() -> list[Rung]:
    """Activity tasks: reminders at T-5, T-1 and on the due day (DESIGN.md §5)."""
    return _ladder(5, 1, 0)


def default_year_end_ladder() -> list[Rung]:
    """The unit reports, tighter: reminders at T-5, T-2 and on the due day."""
    return _ladder(5, 2, 0)


class StagePolicy(BaseModel):
    """Who works a stage and how many working days it gets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: list[Role] = Field(min_length=1)
    working_days: NonNegativeInt = 0


def _stages() -> dict[Stage, StagePolicy]:
    both = [Role.LEAD, Role.COORDINATOR]
    return {
        Stage.PLAN: StagePolicy(roles=[Role.LEAD], working_days=10),
        Stage.EXECUTE: StagePolicy(roles=both),
        Stage.EVIDENCE: StagePolicy(roles=both, working_days=5),
        Stage.REPORT: StagePolicy(roles=both, working_days=5),
    }


class YearEndPolicy(BaseModel):
    """The unit-report collection before the plan's cut-off (issue: year-end flow)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens_working_days_before: PositiveInt = 10
    escalate_no_later_than_working_days_before_final: NonNegativeInt = 5
    ladder: list[Rung] = Field(default_factory=default_year_end_ladder, min_length=1)


class ReviewPolicy(BaseModel):
    """The Office's review of what a unit hands in: a submission it has not returned within
    `working_days` working days after the day it was handed in is accepted by the sweep of
    the next working morning (`auto_accept`: false leaves every acceptance to the Office)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auto_accept: bool = True
    working_days: PositiveInt = 3


class Policy(BaseModel):
    """How the plan becomes dated tasks and how late tasks are chased.

    plan: due `working_days` after it opens; execute: one check-in per `check_in_months`
    for year-round windows, otherwise one due at the window's end; evidence and report:
    due `working_days` after the stage before. No stage may fall due after the unit
    report cut-off: a window ending later has its tail counted back from the cut-off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    stages: dict[Stage, StagePolicy] = Field(default_factory=_stages)
    check_in_months: PositiveInt = 3
    ladder: list[Rung] = Field(default_factory=default_ladder, min_length=1)
    year_end: YearEndPolicy = Field(default_factory=YearEndPolicy)
    review: ReviewPolicy = Field(default_factory=ReviewPolicy)

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        missing = [s.value for s in Stage if s not in self.stages]
        if missing:
            raise ValueError(f"stages missing: {', '.join(missing)}")
        if Role.LEAD not in self.stages[Stage.REPORT].roles:
            raise ValueError("the report stage must include the lead unit")
        if 12 % self.check_in_months:
            raise ValueError("check_in_months must divide 12 (1, 2, 3, 4, 6 or 12)")
        for name, ladder in (("ladder", self.ladder), ("year_end.ladder", self.year_end.ladder)):
            names = [r.name for r in ladder]
            if len(set(names)) != len(names):
                raise ValueError(f"{name}: rung names must be unique")
        return self
