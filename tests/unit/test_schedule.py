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


def test_the_schedule_takes_the_units_as_they_stand_when_each_activity_opens(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    """TTUD ends on 30/6/2025 and TTUDM takes its work from 1/7: an activity open since
    spring has TTUD (its open work moves on later); one opening in quarter III has TTUDM;
    the year-end asks TTUDM, not TTUD, for the units' report."""
    from domain.year_end import reporting_units

    ttud = directory.unit("TTUD")
    assert ttud is not None
    ended = ttud.model_copy(update={"valid_until": date(2025, 6, 30), "successor": "TTUDM"})
    successor = ttud.model_copy(
        update={"code": "TTUDM", "aliases": [], "valid_from": date(2025, 7, 1)}
    )
    units = [ended if u.code == "TTUD" else u for u in directory.units] + [successor]
    dated = directory.model_copy(update={"units": units})
    later = [
        a.model_copy(update={"window": "Quý III/2025"}) if a.code == "website-publication" else a
        for a in plan.activities
    ]
    moved = plan.model_copy(update={"activities": later})
    by_code = {s.activity.code: s for s in build_schedule(moved, dated, calendar)}
    assert "TTUD" in by_code["website-cchc-section"].coordinators
    assert "TTUDM" not in by_code["website-cchc-section"].coordinators
    assert "TTUDM" in by_code["website-publication"].coordinators
    assert "TTUD" not in by_code["website-publication"].coordinators
    reporting = reporting_units(moved, dated, calendar)
    assert "TTUDM" in reporting
    assert "TTUD" not in reporting
    undated = set(reporting_units(plan, directory, calendar))
    assert "TTUD" in undated
    assert undated - {"TTUD"} == set(reporting) - {"TTUDM"}  # no one else changes
