"""The deadline sweep accepts what the Office did not return within the plan's review time:
through the task's state machine, audit-logged, once; never a returned submission."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from documents.plans.files import load_plan as read_plan
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from domain.units import UnitDirectory
from services import office
from services.context import PlanContext, plan_context
from services.plans import load_plan
from services.sweep import run_sweep
from services.tasks import submit
from tests.conftest import PLAN_PATH
from tests.integration.conftest import World

ISO = TaskKey("iso-training", "TDC", Stage.PLAN)  # due Thursday 10/4/2025
BULLETINS = TaskKey("bulletins", "CDS", Stage.PLAN)  # due Thursday 10/4/2025
REASON = "Tự động chấp nhận sau 3 ngày làm việc theo Kế hoạch số 281/KH-SKHCN"


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def sweep_on(world: World, day: date) -> list[str]:
    """The morning sweep of `day` (07:30, as scheduled); the tasks it accepted."""
    world.clock.set(at(day, 7, 30))
    return run_sweep(plan_context(world.plan.code, world.app), now=world.clock.now()).accepted


def hand_in(world: World, key: TaskKey, on: datetime) -> None:
    with world.app.uow() as uow:
        submit(
            uow,
            world.mailer,
            key,
            at=on,
            by=f"unit:{key.unit}",
            payload={"content": "Kế hoạch mở 2 lớp"},
        )


def state(world: World, key: TaskKey) -> TaskState:
    with world.app.uow() as uow:
        found = uow.tasks.get(key, plan=world.plan.code)
    assert found is not None
    return found.task.state


def task_id(world: World, key: TaskKey) -> int:
    with world.app.uow() as uow:
        found = uow.tasks.get(key, plan=world.plan.code)
    assert found is not None
    return found.id


def accepted_entries(world: World, key: TaskKey) -> list[tuple[str, str]]:
    with world.app.uow() as uow:
        entries = uow.audit.entries(entity="task", key=str(key))
    return [(e.actor, e.reason) for e in entries if e.action == "task.accepted"]


def test_a_submission_is_accepted_after_three_working_days_not_before(world: World) -> None:
    hand_in(world, ISO, at(date(2025, 4, 1), 16))  # Tuesday afternoon
    for day in (date(2025, 4, 2), date(2025, 4, 3), date(2025, 4, 4)):
        assert sweep_on(world, day) == []  # the Office's Wednesday, Thursday, Friday
        assert state(world, ISO) is TaskState.SUBMITTED
    assert sweep_on(world, date(2025, 4, 7)) == []  # Giỗ Tổ Hùng Vương: no sweep at all
    assert sweep_on(world, date(2025, 4, 8)) == [str(ISO)]
    assert state(world, ISO) is TaskState.ACCEPTED
    [(actor, reason)] = accepted_entries(world, ISO)
    assert actor == "auto-accept"
    assert reason.startswith(REASON)


def test_the_sweep_accepts_once_and_a_second_run_changes_nothing(world: World) -> None:
    hand_in(world, ISO, at(date(2025, 4, 1)))
    hand_in(world, BULLETINS, at(date(2025, 4, 3)))  # its review time ends on 9/4
    assert sweep_on(world, date(2025, 4, 8)) == [str(ISO)]
    assert sweep_on(world, date(2025, 4, 8)) == []
    assert sweep_on(world, date(2025, 4, 9)) == []
    assert sweep_on(world, date(2025, 4, 10)) == [str(BULLETINS)]
    assert sweep_on(world, date(2025, 4, 11)) == []
    for key in (ISO, BULLETINS):
        assert len(accepted_entries(world, key)) == 1
        assert state(world, key) is TaskState.ACCEPTED


def test_a_returned_submission_is_never_accepted_by_the_sweep(world: World) -> None:
    hand_in(world, ISO, at(date(2025, 4, 1)))
    ctx = plan_context(world.plan.code, world.app)
    office.return_task(
        ctx, task_id(world, ISO), at=at(date(2025, 4, 2)), by="office:vp", reason="Thiếu lịch"
    )
    for day in (date(2025, 4, 8), date(2025, 4, 9), date(2025, 5, 6)):
        assert sweep_on(world, day) == []
    assert state(world, ISO) is TaskState.RETURNED
    assert accepted_entries(world, ISO) == []


def test_an_amendment_starts_the_review_time_again(world: World) -> None:
    hand_in(world, ISO, at(date(2025, 4, 1)))
    hand_in(world, ISO, at(date(2025, 4, 4)))  # the unit amends it before it falls due
    assert sweep_on(world, date(2025, 4, 8)) == []  # three from the first version
    assert sweep_on(world, date(2025, 4, 10)) == []
    assert sweep_on(world, date(2025, 4, 11)) == [str(ISO)]  # three from the amendment


def test_the_offices_own_accept_leaves_nothing_for_the_sweep(world: World) -> None:
    hand_in(world, ISO, at(date(2025, 4, 1)))
    ctx = plan_context(world.plan.code, world.app)
    office.accept(ctx, task_id(world, ISO), at=at(date(2025, 4, 2)), by="office:vp")
    assert sweep_on(world, date(2025, 4, 8)) == []
    assert [actor for actor, _r in accepted_entries(world, ISO)] == ["office:vp"]


def reloaded_with(
    world: World, tmp_path: Path, text: str, directory: UnitDirectory, calendar: WorkingCalendar
) -> PlanContext:
    """The plan file with its review block replaced by `text`, loaded over the stored plan
    as `cchc plan load` would: the sweep reads the policy from the stored plan."""
    source = PLAN_PATH.read_text(encoding="utf-8")
    block = "  review:\n    auto_accept: true\n    working_days: 3\n"
    assert source.count(block) == 1
    path = tmp_path / "plan.yaml"
    path.write_text(source.replace(block, text), encoding="utf-8")
    plan = read_plan(path, directory=directory, calendar=calendar)
    with world.app.uow() as uow:
        load_plan(
            uow, plan=plan, directory=directory, calendar=calendar, at=world.clock.now(), actor="t"
        )
    return plan_context(world.plan.code, world.app)


@pytest.mark.parametrize(
    ("block", "quiet_until", "accepted_on"),
    [
        ("  review:\n    working_days: 5\n", date(2025, 4, 9), date(2025, 4, 10)),
        ("  review:\n    auto_accept: false\n", date(2025, 12, 31), None),
    ],
)
def test_the_review_time_is_the_one_the_plan_gives(
    world: World,
    tmp_path: Path,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    block: str,
    quiet_until: date,
    accepted_on: date | None,
) -> None:
    ctx = reloaded_with(world, tmp_path, block, directory, calendar)
    assert ctx.plan.policy.review.auto_accept is (accepted_on is not None)
    hand_in(world, ISO, at(date(2025, 4, 1)))
    assert sweep_on(world, date(2025, 4, 8)) == []  # three working days are not enough
    assert sweep_on(world, quiet_until) == []
    if accepted_on is not None:
        assert sweep_on(world, accepted_on) == [str(ISO)]
        reason = accepted_entries(world, ISO)[0][1]
        assert reason.startswith("Tự động chấp nhận sau 5 ngày làm việc theo Kế hoạch")
    else:
        assert state(world, ISO) is TaskState.SUBMITTED
