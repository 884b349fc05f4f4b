"""The simulated year: the clock jumps from event day to event day, and on each the system's
steps (sweep, propagation, year-end report) run while the simulated people act.

Each working morning the deadline sweep runs; units answer through the portal; every
activity touched that day runs its propagation again (where a deployment run would suspend,
this pass ends, and the next pass is the resume); the year-end report collects the unit
reports, drafts the report, and is sent once the Director approved and the văn thư gave it
its number and date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from domain.year_end import year_end_dates
from replay.people import People
from replay.schedule import at, event_days, review_day
from services.context import PlanContext

SAME_DAY_ROUNDS = 3  # a stage opened in the morning may be answered the same day
REPORT_NUMBER = 312  # the number the văn thư gives the report in the replay


class Steps(Protocol):
    """What the system does during the replay (in production: deployments and schedules)."""

    def sweep(self, now: datetime) -> None:
        """The deadline sweep at `now`: rungs due, the outbox delivered."""

    def propagate(self, activity: str, now: datetime) -> dict[str, Any]:
        """One pass of an activity's propagation; "waiting" in the result while it waits."""

    def year_end(self, now: datetime) -> dict[str, Any]:
        """One pass of the year-end report; "waiting" names whom it waits for."""

    def approve(self, decide: Callable[[], int]) -> int:
        """The Director's decision (`decide`: the version approved), as a step of the run."""

    def number(self, register: Callable[[], str]) -> str:
        """The văn thư's number and date (`register`: the number given), as a step."""


@dataclass
class Year:
    """One replay of a plan's year; `run` plays it with the system's steps and returns
    what the replay reached."""

    ctx: PlanContext
    people: People
    started: set[str] = field(default_factory=set)  # activities whose window has begun
    touched: set[str] = field(default_factory=set)  # activities to pass again
    finished: dict[str, Any] = field(default_factory=dict)  # activity → its last result
    waiting_for: str = ""  # whom the year-end report waits for
    opens_on: date = field(init=False)  # the unit reports open: the year-end passes begin
    review_on: date = field(init=False)  # the Director reads the draft

    def __post_init__(self) -> None:
        cal = self.ctx.app.calendar
        self.opens_on = year_end_dates(self.ctx.plan, cal).opens_on
        self.review_on = review_day(self.ctx.plan, cal)

    def run(self, steps: Steps) -> dict[str, Any]:
        cal = self.ctx.app.calendar
        for day in event_days(self.ctx.plan, self.ctx.directory, cal):
            self.people.on_day(day)
            self.people.clock.set(at(day, 7, 30))
            steps.sweep(at(day, 7, 30))
            self._propagate(steps, day)
            result = self._year_end(steps, day)
            if "sent" in result:
                steps.sweep(at(cal.next_working_day(day), 7, 30))  # the report mail
                return {"finished": sorted(self.finished), "year_end": result}
        return {"finished": sorted(self.finished), "year_end": {"sent": False}}

    def _propagate(self, steps: Steps, day: date) -> None:
        """Every activity begun or answered today passes again, until no unit answers."""
        plan = self.ctx.plan
        self.touched |= {
            a.code
            for a in plan.activities
            if a.time_window(plan.year).start <= day and a.code not in self.started
        }
        self.started |= self.touched
        for _round in range(SAME_DAY_ROUNDS):
            for activity in sorted(self.touched - set(self.finished)):
                run = steps.propagate(activity, self.people.clock.now())
                if "waiting" not in run:
                    self.finished[activity] = run
            self.touched = self._answer(day)
            if not self.touched:
                break

    def _answer(self, day: date) -> set[str]:
        """The people's side: every answer due by 16:00; the activities touched."""
        with self.ctx.app.uow() as uow:
            return self.people.answer_due(uow, self.ctx.plan.code, until=at(day, 16))

    def _year_end(self, steps: Steps, day: date) -> dict[str, Any]:
        """A pass of the year-end report once unit reports are open. A deployment run
        waiting for the Director is suspended until the decision: the replay passes again
        only once the Director has decided (on the review day)."""
        if day < self.opens_on or (self.waiting_for == "director" and day < self.review_on):
            return {}
        clock = self.people.clock
        clock.set(max(clock.now(), at(day, 16, 30)))
        result: dict[str, Any] = {}
        if self.waiting_for != "director":
            result = steps.year_end(clock.now())
            self.waiting_for = str(result.get("waiting", ""))
        if self.waiting_for == "director" and day >= self.review_on:
            clock.set(at(day, 16, 45))
            steps.approve(self.people.director_approves)
            result = steps.year_end(clock.now())
            self.waiting_for = str(result.get("waiting", ""))
        if self.waiting_for == "registry":  # the văn thư numbers it the same afternoon
            clock.set(at(day, 17, 0))
            steps.number(lambda: self.people.clerk_numbers(REPORT_NUMBER))
            result = steps.year_end(clock.now())
            self.waiting_for = str(result.get("waiting", ""))
        return result
