"""When the simulated people act: each unit's planned answer and the days the clock stops."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.schedule import all_tasks
from domain.task import Task
from domain.units import UnitDirectory
from domain.year_end import YEAR_END, unit_report_tasks, year_end_dates

SILENT_UNIT = "TTUD"  # never sends its year-end report: the report must name it as missing
LAST_MINUTE_UNIT = "BBT"  # sends its year-end report on the due day, after every reminder


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def draw(key: str) -> int:
    """A number fixed by `key`: the same unit answers the same way in every replay."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class Answer:
    """When one simulated unit means to hand in one task."""

    task: str
    unit: str
    when: datetime
    late: bool


def planned_answer(task: Task, cal: WorkingCalendar) -> Answer | None:
    """Most units answer two working days early; some on the due day after every reminder;
    some one to four working days late (the chase and the Director's digest fire)."""
    key, due = str(task.key), task.due_on
    if task.key.activity == YEAR_END:
        if task.key.unit == SILENT_UNIT or task.key.seq > 1:
            return None
        if task.key.unit == LAST_MINUTE_UNIT:
            return Answer(key, task.key.unit, at(due, 15), False)
        return Answer(key, task.key.unit, at(cal.add_working_days(due, -3), 9, 30), False)
    n = draw(key) % 20
    if n < 14:
        return Answer(key, task.key.unit, at(cal.add_working_days(due, -2), 9, 30), False)
    if n < 17:
        return Answer(key, task.key.unit, at(due, 15), False)
    late = cal.add_working_days(due, 1 + draw(key + "late") % 4)
    return Answer(key, task.key.unit, at(late, 10), True)


def event_days(plan: Plan, directory: UnitDirectory, cal: WorkingCalendar) -> list[date]:
    """Every working day on which something can happen: a stage opens, a rung is due, a
    unit plans to answer, its answer is accepted by the review policy, a month's first
    working day (the heads' summaries); from the plan's date to the UBND deadline."""
    dates = year_end_dates(plan, cal)
    tasks = [*all_tasks(plan, directory, cal), *unit_report_tasks(plan, directory, cal)]
    offsets = {r.offset for r in [*plan.policy.ladder, *plan.policy.year_end.ladder]}
    review = plan.policy.review.working_days  # the sweep accepts the day after review ends
    days = {plan.issued_on, dates.opens_on, dates.unit_due, dates.final_due}
    days.add(review_day(plan, cal))
    for task in tasks:
        days.add(task.opens_on)
        days.update(cal.add_working_days(task.due_on, n) for n in offsets)
        answer = planned_answer(task, cal)
        if answer is not None:
            days.add(answer.when.date())
            days.add(cal.add_working_days(answer.when.date(), review + 1))
    first, last = plan.issued_on, dates.final_due
    days.update(_months_first_working_days(first, last, cal))  # the heads' summaries
    return sorted(d for d in days if first <= d <= last and cal.is_working_day(d))


def _months_first_working_days(first: date, last: date, cal: WorkingCalendar) -> set[date]:
    found, month = set(), first.replace(day=1)
    while month <= last:
        found.add(cal.next_working_day(month, include=True))
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def review_day(plan: Plan, cal: WorkingCalendar) -> date:
    """The Director reads the draft the working day after the year-end ladder's last rung
    (the escalation listing the missing units), still before the UBND deadline."""
    last = max(r.offset for r in plan.policy.year_end.ladder)
    return cal.add_working_days(year_end_dates(plan, cal).unit_due, last + 1)
