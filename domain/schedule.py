"""Plan + unit directory + calendar → every Task with its open and due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import WorkingCalendar
from domain.phrases import TimeWindow
from domain.plan import YEAR_END, Activity, Plan
from domain.policy import Role, Stage
from domain.task import Task, TaskKey
from domain.units import UnitDirectory


class ScheduleConflict(ValueError):
    """An activity whose stages cannot fit between its opening and the report cut-off."""


@dataclass(frozen=True)
class StageSlot:
    """One dated step of an activity: a stage (execute may have several check-ins)."""

    stage: Stage
    seq: int
    opens_on: date
    due_on: date
    period: tuple[date, date] | None = None  # what an execute check-in covers


@dataclass(frozen=True)
class ActivitySchedule:
    activity: Activity
    window: TimeWindow
    leads: list[str]
    coordinators: list[str]
    slots: list[StageSlot]
    estimate: bool  # the window ends after the cut-off: report done-so-far plus an estimate

    def due(self, stage: Stage) -> list[date]:
        return [s.due_on for s in self.slots if s.stage is stage]

    @property
    def last_due(self) -> date:
        """The due day of its last stage: after it, the activity has nothing left to ask."""
        return max(s.due_on for s in self.slots)

    def startable(self, today: date) -> bool:
        """Open on `today` with work still ahead: its window has opened and its last stage
        is not yet past (a run started later would mail links to tasks long due)."""
        return self.window.start <= today <= self.last_due


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return date(year, month, min(day.day, last.day))


def _periods(window: TimeWindow, months: int) -> list[tuple[date, date]]:
    """Check-in periods of `months` from the window's first day (1/1 for a calendar year;
    a rehearsal's shifted year may start on any day and run into the next)."""
    if not window.year_round:
        return [(window.start, window.end)]
    out, step = [], 0
    while (first := _add_months(window.start, step)) <= window.end:
        step += months
        out.append((first, min(_add_months(window.start, step) - timedelta(days=1), window.end)))
    return out


def _execute_dues(
    periods: list[tuple[date, date]], plan_due: date, limit: date, cal: WorkingCalendar
) -> list[tuple[tuple[date, date], date]]:
    """Check-ins: periods ending before the plan is due merge into the next; none after limit."""
    out: list[tuple[tuple[date, date], date]] = []
    start = periods[0][0]
    for first, last in periods:
        due = min(cal.due_by(last), limit)
        if due <= plan_due and (first, last) != periods[-1]:
            continue  # folded into the next check-in, which then covers from `start`
        out.append(((start, min(last, due)), due))
        start = last + timedelta(days=1)
        if due == limit:
            break
    return out


def schedule_activity(
    plan: Plan, activity: Activity, directory: UnitDirectory, cal: WorkingCalendar
) -> ActivitySchedule:
    """The dated stages of one activity; ScheduleConflict if they cannot fit."""
    policy, window = plan.policy, activity.time_window(plan.year)
    cutoff = plan.unit_deadline().due(cal)
    days = {stage: policy.stages[stage].working_days for stage in Stage}
    opens = cal.next_working_day(max(window.start, plan.issued_on), include=True)
    plan_due = cal.add_working_days(opens, max(days[Stage.PLAN], 1))
    report_limit = cutoff
    evidence_limit = cal.add_working_days(report_limit, -days[Stage.REPORT])
    execute_limit = cal.add_working_days(evidence_limit, -days[Stage.EVIDENCE])
    if plan_due >= execute_limit:
        raise ScheduleConflict(
            f"opens {opens:%d/%m/%Y}: its stages cannot fit before the report cut-off "
            f"{cutoff:%d/%m/%Y}"
        )
    checkins = _execute_dues(_periods(window, policy.check_in_months), plan_due, execute_limit, cal)
    if checkins[-1][1] <= plan_due:
        raise ScheduleConflict(
            f"the window ends {window.end:%d/%m/%Y}, before the plan stage is due "
            f"{plan_due:%d/%m/%Y}"
        )
    slots = [StageSlot(Stage.PLAN, 1, opens, plan_due)]
    for seq, (period, due) in enumerate(checkins, start=1):
        slots.append(
            StageSlot(Stage.EXECUTE, seq, cal.next_working_day(slots[-1].due_on), due, period)
        )
    for stage, limit in ((Stage.EVIDENCE, evidence_limit), (Stage.REPORT, report_limit)):
        due = min(cal.add_working_days(slots[-1].due_on, days[stage]), limit)
        slots.append(StageSlot(stage, 1, cal.next_working_day(slots[-1].due_on), due))
    # The units as the directory stands when the activity opens (a unit that ended before
    # gives way to its successor; one that ends later hands its open work on then).
    leads = directory.resolve(activity.lead.units, activity.lead.groups, on=opens)
    helpers = activity.coordinators
    coordinators = directory.resolve(helpers.units, helpers.groups, on=opens) if helpers else []
    coordinators = [c for c in coordinators if c not in leads]
    estimate = carries_estimate(plan, activity, cal)
    return ActivitySchedule(activity, window, leads, coordinators, slots, estimate)


def schedule_tasks(schedule: ActivitySchedule, plan: Plan) -> list[Task]:
    """The tasks of one activity: each slot for every unit whose role works that stage."""
    tasks = []
    for slot in schedule.slots:
        roles = plan.policy.stages[slot.stage].roles
        for role, units in ((Role.LEAD, schedule.leads), (Role.COORDINATOR, schedule.coordinators)):
            if role not in roles:
                continue
            for unit in units:
                key = TaskKey(schedule.activity.code, unit, slot.stage, slot.seq)
                tasks.append(Task(key=key, role=role, opens_on=slot.opens_on, due_on=slot.due_on))
    return tasks


def build_schedule(
    plan: Plan, directory: UnitDirectory, cal: WorkingCalendar
) -> list[ActivitySchedule]:
    """Every activity's dated stages, in plan order."""
    return [schedule_activity(plan, a, directory, cal) for a in plan.activities]


def all_tasks(plan: Plan, directory: UnitDirectory, cal: WorkingCalendar) -> list[Task]:
    """Every task of the plan (activity × unit × stage × check-in), in plan order."""
    return [t for s in build_schedule(plan, directory, cal) for t in schedule_tasks(s, plan)]


def carries_estimate(plan: Plan, activity: Activity, cal: WorkingCalendar) -> bool:
    """Whether a report on `activity` adds an estimate to the year's end: its window ends after
    the unit report cut-off; the year-end report covers the whole year, so it always does."""
    if activity.code == YEAR_END:
        return True
    return activity.time_window(plan.year).end > plan.unit_deadline().due(cal)
