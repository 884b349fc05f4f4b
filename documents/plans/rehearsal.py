"""A rehearsal (DIỄN TẬP) copy of a plan: every date moved by one offset to open on a chosen day."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml

from domain.calendar import WorkingCalendar
from domain.errors import PlanInvalid, Problem
from domain.phrases import Deadline, DeadlineKind
from domain.plan import Plan
from domain.units import UnitDirectory
from domain.validation import check_plan
from domain.vi import dmy

REHEARSAL_MARK = "dien-tap"
_SUFFIX = re.compile(rf"-{REHEARSAL_MARK}-\d{{8}}$")


@dataclass(frozen=True)
class RehearsalCopy:
    """The copy's plan data, and how it was made from the source plan."""

    data: dict[str, Any]
    source: str  # the source plan's code
    start: date  # the copy's first window opens on this day
    offset: timedelta  # every window and deadline of the source moved by this much

    @property
    def code(self) -> str:
        return str(self.data["code"])

    def checked(self, directory: UnitDirectory, calendar: WorkingCalendar, *, file: str) -> Plan:
        """The copy as a plan, held to every rule a plan file is; PlanInvalid otherwise (a day
        shift can push a deadline across Tết, leaving too few working days before the next)."""
        plan = Plan.model_validate(self.data)
        found = check_plan(plan, directory, calendar)
        if found:
            hint = f" (the copy opening {dmy(self.start)}; try another --start)"
            raise PlanInvalid([Problem(p.path, p.message + hint, file=file) for p in found])
        return plan

    def to_yaml(self) -> str:
        days = self.offset.days
        header = [
            f"# DIỄN TẬP — rehearsal copy of plan {self.source}, made by `cchc plan rehearsal`.",
            f"# Every window and reporting deadline moved by {days:+d} days to open on "
            f"{dmy(self.start)}.",
            "# Mail for it goes only to the domains of CCHC_MAIL__REHEARSAL_DOMAINS.",
            "",
        ]
        body = yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False, width=4096)
        return "\n".join(header) + body


def first_opening(plan: Plan) -> date:
    """The day the plan's earliest window opens."""
    return min(a.time_window(plan.year).start for a in plan.activities)


def rehearsal_code(plan: Plan, start: date) -> str:
    """'<code>-dien-tap-YYYYMMDD'; a rehearsal of a rehearsal keeps the original code."""
    return f"{_SUFFIX.sub('', plan.code)}-{REHEARSAL_MARK}-{start:%Y%m%d}"


def make_rehearsal(data: Mapping[str, Any], plan: Plan, *, start: date) -> RehearsalCopy:
    """The rehearsal copy of `plan` (read from `data`, the file's own mapping, so that what
    is not moved stays as written). Its year is the year it opens; it is issued that day, so
    work starts at once; its windows become dated ranges and may run into the next year."""
    offset = start - first_opening(plan)
    out = copy.deepcopy(dict(data))
    out.update(code=rehearsal_code(plan, start), year=start.year, issued_on=start)
    out["rehearsal"] = True
    for item, activity in zip(out["activities"], plan.activities, strict=True):
        window = activity.time_window(plan.year)
        item["window"] = f"Từ ngày {dmy(window.start + offset)} đến ngày {dmy(window.end + offset)}"
    for key in ("unit_report", "consolidated_report"):
        deadline = getattr(plan.reporting, key).parsed_deadline(plan.year)
        out["reporting"][key]["deadline"] = _moved(deadline, offset)
    return RehearsalCopy(data=out, source=plan.code, start=start, offset=offset)


def _moved(deadline: Deadline, offset: timedelta) -> str:
    """The deadline written with its literal date moved; 'trước ngày' stays 'trước ngày'."""
    word = "trước ngày" if deadline.kind is DeadlineKind.BEFORE else "đến ngày"
    return f"{word} {dmy(deadline.on + offset)}"
