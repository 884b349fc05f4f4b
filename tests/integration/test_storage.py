"""Storage on real SQLite and PostgreSQL: migrations, idempotent plan loads, audit entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text

from domain.calendar import WorkingCalendar
from domain.errors import CchcError, PlanInvalid
from domain.plan import Plan
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from domain.units import UnitDirectory
from services.plans import LoadReport, load_plan
from storage.db import make_engine, session_factory
from storage.migrate import head_revision, require_current, upgrade
from storage.tables import Base, TaskRow
from storage.tasks import TaskRepository
from storage.uow import UnitOfWork

T0 = datetime(2025, 3, 26, 1, 0, tzinfo=UTC)
T1 = datetime(2025, 5, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine))


def load(
    uow: UnitOfWork,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    at: datetime = T0,
    actor: str = "test",
) -> LoadReport:
    with uow:
        return load_plan(uow, plan=plan, directory=directory, calendar=calendar, at=at, actor=actor)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(text(t))).scalar_one()
            for t in ("plans", "units", "activities", "tasks", "audit_log")
        }


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                TaskRow.id, TaskRow.stage, TaskRow.opens_on, TaskRow.due_on, TaskRow.state
            ).order_by(TaskRow.id)
        )
        return [tuple(r) for r in rows]


def test_first_migration_creates_every_table_matching_the_models(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert tables >= {
        "plans",
        "units",
        "activities",
        "tasks",
        "submissions",
        "evidence",
        "outbox",
        "audit_log",
        "alembic_version",
    }
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    require_current(engine)


def test_upgrade_twice_is_harmless(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == (
            head_revision()
        )


def test_unmigrated_database_is_refused_with_advice(tmp_path: object) -> None:
    engine = make_engine("sqlite://")
    with pytest.raises(CchcError, match="cchc db upgrade"):
        require_current(engine)


def test_loading_the_same_plan_twice_leaves_the_same_rows(
    uow: UnitOfWork,
    engine: Engine,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> None:
    first = load(uow, plan, directory, calendar)
    before, rows_before = counts(engine), snapshot(engine)
    second = load(uow, plan, directory, calendar, at=T1)
    assert first.changed
    assert first.tasks_created == 180
    assert first.plan_change == "created"
    assert not second.changed
    assert counts(engine) == before
    assert snapshot(engine) == rows_before
    assert before["units"] == len(directory.units) + len(directory.recipients)
    assert before["activities"] == 6


def test_a_changed_plan_is_updated_rescheduled_and_audited(
    uow: UnitOfWork,
    engine: Engine,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> None:
    load(uow, plan, directory, calendar)
    activities = list(plan.activities)
    activities[3] = activities[3].model_copy(update={"window": "Quý III/2025"})
    activities[2] = activities[2].model_copy(
        update={
            "coordinators": activities[2].coordinators.model_copy(  # type: ignore[union-attr]
                update={"groups": [], "units": ["VP"]}
            )
        }
    )
    changed = plan.model_copy(update={"activities": activities})
    report = load(uow, changed, directory, calendar, at=T1, actor="office")
    assert report.plan_change == "updated"
    assert report.tasks_rescheduled > 0
    assert report.tasks_cancelled > 0
    with uow:
        stored = uow.plans.get(plan.code)
        assert stored is not None
        assert stored.activities[3].window == "Quý III/2025"
        audit = uow.audit.entries(entity="plan", key=plan.code)
        assert [a.action for a in audit] == ["plan.created", "plan.updated"]
        assert audit[-1].actor == "office"
        assert "activities" in (audit[-1].new or {})["changed"]
        tasks = {t.key: t for t in uow.tasks.find(plan=plan.code)}
        moved = tasks[TaskKey("science-digital-events", "VP", Stage.PLAN)]
        assert moved.opens_on.month == 7
        dropped = tasks[TaskKey("bulletins", "KHTC", Stage.REPORT)]
        assert dropped.state is TaskState.CANCELLED
        assert uow.audit.entries(entity="task", key=str(dropped.key))[-1].action == "task.cancelled"


def test_a_changed_unit_is_audited(
    uow: UnitOfWork, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    load(uow, plan, directory, calendar)
    units = list(directory.units)
    units[0] = units[0].model_copy(update={"name": units[0].name + " (mới)"})
    renamed = directory.model_copy(update={"units": units})
    with uow:
        report = load_plan(
            uow, plan=plan, directory=renamed, calendar=calendar, at=T1, actor="test"
        )
        assert report.units_changed == 1
        assert report.plan_change == "unchanged"
        entries = uow.audit.entries(entity="unit", key=units[0].code)
        assert [e.action for e in entries] == ["unit.created", "unit.updated"]
    fewer = renamed.model_copy(update={"units": units[:-1]})
    with uow:
        report = load_plan(uow, plan=plan, directory=fewer, calendar=calendar, at=T1, actor="test")
        assert report.units_changed == 1
        assert units[-1].code not in uow.units.codes()
        assert uow.units.get(units[-1].code) is not None  # kept for history, only inactive
        entries = uow.audit.entries(entity="unit", key=units[-1].code)
        assert entries[-1].action == "unit.deactivated"


def test_list_due_reads_active_tasks_by_due_day(
    uow: UnitOfWork, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    load(uow, plan, directory, calendar)
    with uow:
        due = uow.tasks.list_due(on=calendar.due_before(datetime(2025, 11, 15).date()))
        assert due
        assert {t.due_on.isoformat() for t in due} == {"2025-11-14"}
        assert {t.key.stage for t in due} == {Stage.REPORT}


def test_an_invalid_plan_is_refused_before_anything_is_written(
    uow: UnitOfWork,
    engine: Engine,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> None:
    late = plan.activities[5].model_copy(update={"window": "tháng 12/2025"})
    bad = plan.model_copy(update={"activities": [*plan.activities[:5], late]})
    with pytest.raises(PlanInvalid, match=r"activities\[5\]\.window"), uow:
        load_plan(uow, plan=bad, directory=directory, calendar=calendar, at=T0, actor="test")
    assert set(counts(engine).values()) == {0}


def test_a_failure_midway_rolls_everything_back(
    uow: UnitOfWork,
    engine: Engine,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A crash half-way through the task inserts (no real server fails on cue, hence the patch).
    calls = {"n": 0}
    original = TaskRepository._new_row  # each task row, in batches or one by one

    def failing_add(self: TaskRepository, *args: Any, **kwargs: Any) -> TaskRow:
        calls["n"] += 1
        if calls["n"] == 90:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TaskRepository, "_new_row", failing_add)
    with pytest.raises(RuntimeError, match="disk full"), uow:
        load_plan(uow, plan=plan, directory=directory, calendar=calendar, at=T0, actor="test")
    assert set(counts(engine).values()) == {0}
    monkeypatch.undo()
    report = load(uow, plan, directory, calendar, at=T1)
    assert report.tasks_created == 180
