"""The year-end collection (section VI): one UnitReport task per unit, before the cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calendar import WorkingCalendar
from domain.plan import YEAR_END, YEAR_END_TITLE, Plan
from domain.policy import Role, Rung, Stage
from domain.schedule import all_tasks
from domain.task import Task, TaskKey
from domain.units import UnitDirectory

__all__ = ["YEAR_END", "YEAR_END_TITLE", "YearEndDates", "ladder_for", "unit_report_tasks"]


@dataclass(frozen=True)
class YearEndDates:
    opens_on: date  # the unit report tasks open (and are mailed)
    unit_due: date  # the units' cut-off ("trước ngày 15/11" → 14/11)
    final_due: date  # the Director's report to UBND tỉnh ("trước ngày 30/11" → 28/11)


def year_end_dates(plan: Plan, calendar: WorkingCalendar) -> YearEndDates:
    unit_due = plan.unit_deadline().due(calendar)
    opens = calendar.add_working_days(unit_due, -plan.policy.year_end.opens_working_days_before)
    return YearEndDates(opens, unit_due, plan.final_deadline().due(calendar))


def reporting_units(plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar) -> list[str]:
    """Every unit that leads or coordinates an activity, in directory order, as the
    directory stands when the collection opens (a unit that has ended reports through its
    successor)."""
    opens = year_end_dates(plan, calendar).opens_on
    working = {directory.standing(t.key.unit, opens) for t in all_tasks(plan, directory, calendar)}
    return [u.code for u in directory.units if u.code in working]


def unit_report_tasks(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> list[Task]:
    """One report task per reporting unit, open from `opens_on`, due at the unit cut-off."""
    dates = year_end_dates(plan, calendar)
    leads = {t.key.unit for t in all_tasks(plan, directory, calendar) if t.role is Role.LEAD}
    return [
        Task(
            TaskKey(YEAR_END, unit, Stage.REPORT),
            Role.LEAD if unit in leads else Role.COORDINATOR,
            dates.opens_on,
            dates.unit_due,
        )
        for unit in reporting_units(plan, directory, calendar)
    ]


def revision_key(office: str, version: int) -> TaskKey:
    """The Office's task to revise the draft the Director returned (one per returned version)."""
    return TaskKey(YEAR_END, office, Stage.REPORT, version + 1)


def revised_version(key: TaskKey) -> int:
    """The returned draft version a revision task (see `revision_key`) is for; 0 for any
    other task."""
    return key.seq - 1 if key.activity == YEAR_END and key.seq > 1 else 0


def ladder_for(plan: Plan, key: TaskKey) -> list[Rung]:
    """The year-end collection's tighter ladder for its tasks; the activity ladder otherwise."""
    return plan.policy.year_end.ladder if key.activity == YEAR_END else plan.policy.ladder
