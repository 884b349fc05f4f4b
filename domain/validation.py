"""Rules a plan must keep beyond its schema: units exist, windows fit the year, deadlines hold."""

from __future__ import annotations

from domain.calendar import WorkingCalendar
from domain.errors import CalendarError, PhraseError, Problem
from domain.plan import Activity, Assignment, Plan, ReportingRule
from domain.policy import NoticeKind, Stage
from domain.schedule import ScheduleConflict, schedule_activity
from domain.units import UnitDirectory


def check_plan(plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar) -> list[Problem]:
    """Every finding, each with the path inside the plan it is about."""
    problems: list[Problem] = []
    if plan.issued_on.year not in (plan.year - 1, plan.year):
        problems.append(Problem("issued_on", f"issued {plan.issued_on} for a {plan.year} plan"))
    last = plan.issued_on
    for i, amendment in enumerate(plan.amendments):
        if amendment.issued_on < last:
            problems.append(
                Problem(
                    f"amendments[{i}].issued_on",
                    f"{amendment.issued_on} is before {last}: amendments come after the plan, "
                    "oldest first",
                )
            )
        last = max(last, amendment.issued_on)
    for i, activity in enumerate(plan.activities):
        problems += _check_activity(f"activities[{i}]", activity, plan, directory)
    for key in ("unit_report", "consolidated_report"):
        rule: ReportingRule = getattr(plan.reporting, key)
        problems += _check_rule(f"reporting.{key}", rule, plan, directory)
    for i, line in enumerate(plan.recipients):
        problems += _check_codes(f"recipients[{i}]", line.units, line.groups, directory)
    if not problems:
        problems += _check_deadlines(plan, calendar)
    if not problems:
        problems += _check_schedule(plan, directory, calendar)
    return problems


def _years(plan: Plan) -> set[int]:
    """The calendar years the plan's windows and deadlines may fall in: its year; for a
    rehearsal (twelve months from any day, shifted by days) the next year as well."""
    return {plan.year, plan.year + 1} if plan.rehearsal else {plan.year}


def _check_codes(
    path: str, units: list[str], groups: list[str], directory: UnitDirectory, *, people: bool = True
) -> list[Problem]:
    problems = []
    for j, code in enumerate(units):
        known = directory.unit(code) or (people and directory.recipient(code))
        if not known:
            problems.append(Problem(f"{path}.units[{j}]", f"unknown unit {code!r}"))
    for j, code in enumerate(groups):
        if not directory.group(code):
            problems.append(Problem(f"{path}.groups[{j}]", f"unknown group {code!r}"))
        elif not directory.members(code):
            problems.append(Problem(f"{path}.groups[{j}]", f"group {code!r} resolves to no unit"))
    return problems


def _assignment(path: str, who: Assignment, directory: UnitDirectory) -> list[Problem]:
    return _check_codes(path, who.units, who.groups, directory, people=False)


def _check_activity(
    path: str, activity: Activity, plan: Plan, directory: UnitDirectory
) -> list[Problem]:
    problems = _assignment(f"{path}.lead", activity.lead, directory)
    if activity.coordinators:
        found = _assignment(f"{path}.coordinators", activity.coordinators, directory)
        problems += found
        leads = set(directory.resolve(activity.lead.units, activity.lead.groups))
        helpers = directory.resolve(activity.coordinators.units, activity.coordinators.groups)
        if not found and not set(helpers) - leads:
            msg = "resolves to no unit besides the lead units"
            problems.append(Problem(f"{path}.coordinators", msg))
    try:
        window = activity.time_window(plan.year)
    except PhraseError as exc:
        return [*problems, Problem(f"{path}.window", str(exc))]
    if not {window.start.year, window.end.year} <= _years(plan):
        msg = f"window {window.start}–{window.end} lies outside the plan year {plan.year}"
        problems.append(Problem(f"{path}.window", msg))
    return problems


def _check_rule(
    path: str, rule: ReportingRule, plan: Plan, directory: UnitDirectory
) -> list[Problem]:
    problems = _check_codes(f"{path}.from", rule.from_.units, rule.from_.groups, directory)
    for attr in ("to", "signed_by"):
        code = getattr(rule, attr)
        if code and not (directory.unit(code) or directory.recipient(code)):
            problems.append(Problem(f"{path}.{attr}", f"unknown unit or recipient {code!r}"))
    try:
        deadline = rule.parsed_deadline(plan.year)
    except PhraseError as exc:
        return [*problems, Problem(f"{path}.deadline", str(exc))]
    if deadline.on.year not in _years(plan):
        problems.append(Problem(f"{path}.deadline", f"{deadline.on} is not in {plan.year}"))
    return problems


def _check_deadlines(plan: Plan, calendar: WorkingCalendar) -> list[Problem]:
    try:
        unit_due = plan.unit_deadline().due(calendar)
        final_due = plan.final_deadline().due(calendar)
    except CalendarError as exc:
        return [Problem("reporting", str(exc))]
    if final_due <= unit_due:
        msg = f"the consolidated report ({final_due}) must be due after the units' ({unit_due})"
        return [Problem("reporting.consolidated_report.deadline", msg)]
    year_end = plan.policy.year_end
    latest = calendar.add_working_days(
        final_due, -year_end.escalate_no_later_than_working_days_before_final
    )
    for i, rung in enumerate(year_end.ladder):
        if (
            rung.kind is NoticeKind.ESCALATION
            and calendar.add_working_days(unit_due, rung.offset) > latest
        ):
            msg = f"escalation {rung.name} falls after {latest}, too close to the final deadline"
            return [Problem(f"policy.year_end.ladder[{i}]", msg)]
    if plan.policy.stages[Stage.PLAN].working_days == 0:
        return [Problem("policy.stages.plan.working_days", "the plan stage needs at least 1 day")]
    return []


def _check_schedule(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> list[Problem]:
    problems = []
    for i, activity in enumerate(plan.activities):
        try:
            schedule_activity(plan, activity, directory, calendar)
        except ScheduleConflict as exc:
            problems.append(Problem(f"activities[{i}].window", str(exc)))
    return problems
