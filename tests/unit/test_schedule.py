"""The 2025 plan becomes dated tasks: working days, stage order, nothing after the cut-off."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.policy import Role, Stage
from domain.schedule import ScheduleConflict, all_tasks, build_schedule, schedule_activity
from domain.units import UnitDirectory

CUTOFF = date(2025, 11, 14)


def test_every_due_and_open_date_is_a_working_day(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    tasks = all_tasks(plan, directory, calendar)
    assert tasks
    assert all(
        calendar.is_working_day(t.due_on) and calendar.is_working_day(t.opens_on) for t in tasks
    )
    assert all(t.opens_on <= t.due_on <= CUTOFF for t in tasks)


def test_stages_follow_each_other(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    for schedule in build_schedule(plan, directory, calendar):
        dues = [slot.due_on for slot in schedule.slots]
        assert dues == sorted(dues)
        assert next(s.stage for s in schedule.slots) is Stage.PLAN
        assert [s.stage for s in schedule.slots][-2:] == [Stage.EVIDENCE, Stage.REPORT]
        for before, after in zip(schedule.slots, schedule.slots[1:], strict=False):
            assert after.opens_on == calendar.next_working_day(before.due_on)


def test_quarter_ii_activity_dates(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    events = schedule_activity(plan, plan.activities[3], directory, calendar)
    assert [(s.stage, s.opens_on, s.due_on) for s in events.slots] == [
        (Stage.PLAN, date(2025, 4, 1), date(2025, 4, 16)),  # 7/4 Giỗ Tổ is skipped
        (Stage.EXECUTE, date(2025, 4, 17), date(2025, 6, 30)),
        (Stage.EVIDENCE, date(2025, 7, 1), date(2025, 7, 7)),
        (Stage.REPORT, date(2025, 7, 8), date(2025, 7, 14)),
    ]
    assert events.leads == ["VP", "BCVT", "CDS"]
    assert not set(events.coordinators) & set(events.leads)
    assert not events.estimate


def test_year_round_activity_has_quarterly_check_ins_and_an_estimate(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    events = schedule_activity(plan, plan.activities[0], directory, calendar)
    assert events.estimate
    assert events.due(Stage.PLAN) == [date(2025, 4, 10)]  # opens with the plan, 26/3
    # Q1 ends before the plan stage is due, so it folds into Q2; Q4 is cut back from 14/11.
    assert events.due(Stage.EXECUTE) == [date(2025, 6, 30), date(2025, 9, 30), date(2025, 10, 31)]
    assert events.due(Stage.REPORT) == [CUTOFF]
    assert "BBT" not in events.coordinators
    assert len(events.coordinators) == len(directory.members("thuoc-so")) - 1


def test_quarter_iv_window_reports_before_the_cut_off(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    events = schedule_activity(plan, plan.activities[5], directory, calendar)
    assert events.estimate
    assert events.due(Stage.EXECUTE) == [date(2025, 10, 31)]
    assert events.due(Stage.EVIDENCE) == [date(2025, 11, 7)]
    assert events.due(Stage.REPORT) == [CUTOFF]


def test_roles_follow_the_policy(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    tasks = all_tasks(plan, directory, calendar)
    assert {t.role for t in tasks if t.key.stage is Stage.PLAN} == {Role.LEAD}
    keys = [t.key for t in tasks]
    assert len(keys) == len(set(keys))


def test_a_window_after_the_cut_off_cannot_be_scheduled(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    late = plan.activities[5].model_copy(update={"window": "tháng 12/2025"})
    with pytest.raises(ScheduleConflict, match="cut-off"):
        schedule_activity(plan, late, directory, calendar)
