"""A plan's life on the in-memory adapters: versions kept, publishing the same content twice
changing nothing, closing keeping every task, and the plan a command works on when none is
named."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.errors import InvalidRequest, NotFound, PlanChoice
from domain.plan import Plan
from domain.records import PlanState
from domain.units import UnitDirectory
from services import plan_lifecycle
from tests.unit.fakes import FakeUnitOfWork, Store

AT = datetime(2026, 1, 5, 8, tzinfo=LOCAL_TZ)


def publish(
    store: Store,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    reason: str = "",
) -> plan_lifecycle.Published:
    with FakeUnitOfWork(store) as uow:
        return plan_lifecycle.publish(
            uow, plan=plan, directory=directory, calendar=calendar, at=AT, actor="vp", reason=reason
        )


def moved(plan: Plan, year: int, code: str | None = None) -> Plan:
    return plan.model_copy(update={"year": year, "code": code or f"{year}-skhcn-quang-ngai"})


def test_publish_keeps_numbered_versions_and_the_same_content_twice_changes_nothing(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    store = Store()
    first = publish(store, plan, directory, calendar, reason="ban hành")
    assert (first.version, first.new_version) == (1, True)
    commits = store.commits
    again = publish(store, plan, directory, calendar)
    assert (again.version, again.new_version, again.changed) == (1, False, False)
    assert store.commits == commits + 1  # one empty transaction, nothing in it
    amended = plan.model_copy(update={"budget": "Kinh phí điều chỉnh."})
    second = publish(store, amended, directory, calendar, reason="điều chỉnh kinh phí")
    assert (second.version, second.new_version) == (2, True)
    with FakeUnitOfWork(store) as uow:
        versions = uow.plans.versions(plan.code)
        [listed] = uow.plans.listing()
    assert [(v.number, v.published_by, v.reason) for v in versions] == [
        (1, "vp", "ban hành"),
        (2, "vp", "điều chỉnh kinh phí"),
    ]
    assert versions[0].content_hash != versions[1].content_hash
    assert (listed.state, listed.version, listed.activities) == (PlanState.PUBLISHED, 2, 6)
    published = [e for e in store.audit if e.action == "plan.published"]
    assert [e.new["version"] for e in published if e.new] == [1, 2]


def test_close_keeps_every_task_and_a_closed_plan_is_not_published_again(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    store = Store()
    publish(store, plan, directory, calendar)
    tasks = dict(store.tasks)
    with FakeUnitOfWork(store) as uow:
        assert plan_lifecycle.close(uow, plan.code, at=AT, actor="vp", reason="xong")
    with FakeUnitOfWork(store) as uow:
        assert not plan_lifecycle.close(uow, plan.code, at=AT, actor="vp")  # closed already
        with pytest.raises(NotFound, match="stored plans: 2025-skhcn-quang-ngai"):
            plan_lifecycle.close(uow, "no-such-plan", at=AT, actor="vp")
    assert store.tasks == tasks
    assert store.states[plan.code] is PlanState.CLOSED
    with pytest.raises(InvalidRequest, match="closed"):
        publish(store, plan, directory, calendar)


def test_lines_count_open_and_overdue_tasks_per_plan(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    store = Store()
    publish(store, plan, directory, calendar)
    with FakeUnitOfWork(store) as uow:
        [early] = plan_lifecycle.lines(uow, today=date(2025, 1, 1))
        [late] = plan_lifecycle.lines(uow, today=date(2026, 1, 1))
    assert early.open_tasks == late.open_tasks > 0
    assert early.overdue_tasks == 0
    assert late.overdue_tasks == late.open_tasks  # every 2025 task is past due in 2026


def test_the_plan_a_command_works_on(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    store = Store()
    with FakeUnitOfWork(store) as uow, pytest.raises(PlanChoice, match="none is published"):
        plan_lifecycle.choose(uow, None, today=date(2026, 3, 1))
    publish(store, plan, directory, calendar)
    with FakeUnitOfWork(store) as uow:
        with pytest.raises(PlanChoice, match="no published plan is for 2026") as why:
            plan_lifecycle.choose(uow, None, today=date(2026, 3, 1))
        assert why.value.candidates == [plan.code]
        assert plan_lifecycle.choose(uow, None, today=date(2025, 3, 1)) == plan.code
        assert plan_lifecycle.choose(uow, plan.code, today=date(2026, 3, 1)) == plan.code
        with pytest.raises(NotFound):
            plan_lifecycle.choose(uow, "2024-skhcn-quang-ngai", today=date(2026, 3, 1))
    rehearsal = moved(plan, 2025, "2025-skhcn-quang-ngai-dien-tap-20250301")
    publish(store, rehearsal.model_copy(update={"rehearsal": True}), directory, calendar)
    with FakeUnitOfWork(store) as uow:  # a rehearsal beside the real plan: the real one
        assert plan_lifecycle.choose(uow, None, today=date(2025, 3, 1)) == plan.code
    publish(store, moved(plan, 2025, "2025-skhcn-quang-ngai-bis"), directory, calendar)
    with FakeUnitOfWork(store) as uow, pytest.raises(PlanChoice, match="2 published plans"):
        plan_lifecycle.choose(uow, None, today=date(2025, 3, 1))
