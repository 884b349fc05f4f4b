"""Repositories: domain words in, domain objects out; rows converted explicitly."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from domain.errors import NotFound
from domain.phrases import TimeWindow
from domain.plan import Plan
from domain.policy import Role, Stage
from domain.task import ACTIVE_STATES, Task, TaskKey, TaskState
from domain.units import Recipient, Unit
from storage.tables import (
    ActivityRow,
    AuditRow,
    PlanRow,
    TaskRow,
    UnitRow,
)


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, code: str) -> PlanRow | None:
        return self.session.scalar(select(PlanRow).where(PlanRow.code == code))

    def get(self, code: str) -> Plan | None:
        row = self.row(code)
        return Plan.model_validate(row.document) if row else None

    def save(self, plan: Plan, *, content_hash: str, at: datetime) -> PlanRow:
        row = self.row(plan.code) or PlanRow(code=plan.code, created_at=at)
        row.year, row.number_symbol, row.title = plan.year, plan.number_symbol, plan.title
        row.issued_on, row.content_hash, row.updated_at = plan.issued_on, content_hash, at
        row.document = plan.model_dump(mode="json", by_alias=True)
        self.session.add(row)
        self.session.flush()
        return row

    def row_activity(self, plan_id: int, code: str) -> ActivityRow:
        found = self.session.scalar(
            select(ActivityRow).where(ActivityRow.plan_id == plan_id, ActivityRow.code == code)
        )
        if found is None:
            raise NotFound(f"activity {code!r}")
        return found

    def save_activity(
        self, plan_row: PlanRow, number: int, code: str, title: str, window: TimeWindow
    ) -> ActivityRow:
        row = self.session.scalar(
            select(ActivityRow).where(ActivityRow.plan_id == plan_row.id, ActivityRow.code == code)
        ) or ActivityRow(plan_id=plan_row.id, code=code)
        row.number, row.title, row.window_text = number, title, window.text
        row.window_start, row.window_end = window.start, window.end
        self.session.add(row)
        self.session.flush()
        return row


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, code: str) -> UnitRow | None:
        return self.session.scalar(select(UnitRow).where(UnitRow.code == code))

    def get(self, code: str) -> Unit | None:
        row = self.row(code)
        return Unit.model_validate(row.document) if row and row.kind == "unit" else None

    def all(self, *, active_only: bool = True) -> list[Unit]:
        query = select(UnitRow).where(UnitRow.kind == "unit").order_by(UnitRow.id)
        if active_only:
            query = query.where(UnitRow.active.is_(True))
        return [Unit.model_validate(r.document) for r in self.session.scalars(query)]

    def save(self, item: Unit | Recipient, *, at: datetime) -> tuple[dict[str, Any] | None, bool]:
        """Insert or update; returns (the old document, whether anything changed)."""
        row = self.row(item.code)
        new = item.model_dump(mode="json")
        kind = "unit" if isinstance(item, Unit) else "recipient"
        if row and row.document == new and row.kind == kind and row.active:
            return row.document, False
        old = row.document if row else None
        row = row or UnitRow(code=item.code)
        row.kind, row.name, row.document, row.active, row.updated_at = (
            kind,
            item.name,
            new,
            True,
            at,
        )
        self.session.add(row)
        self.session.flush()
        return old, True

    def codes(self) -> set[str]:
        return set(self.session.scalars(select(UnitRow.code).where(UnitRow.active.is_(True))))

    def deactivate(self, code: str, *, at: datetime) -> None:
        row = self.row(code)
        if row is None:
            raise NotFound(f"unit {code!r}")
        row.active, row.updated_at = False, at


def _task_query() -> Select[TaskRow, str, str]:
    return (
        select(TaskRow, ActivityRow.code, UnitRow.code)
        .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
        .join(UnitRow, TaskRow.unit_id == UnitRow.id)
    )


def _task_values() -> Select[Any]:
    """The task columns with the activity and unit codes, for lists only read: plain rows
    cost half what ORM objects do (a province reads thousands of tasks per pass)."""
    return (
        select(*TaskRow.__table__.columns, ActivityRow.code.label("activity_code"))
        .add_columns(UnitRow.code.label("unit_code"))
        .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
        .join(UnitRow, TaskRow.unit_id == UnitRow.id)
    )


def _read(session: Session, query: Select[Any]) -> list[tuple[int, Task]]:
    return [(r.id, to_task(r, r.activity_code, r.unit_code)) for r in session.execute(query)]


# Stored values to members by dictionary: calling the Enum costs more than the rest of a row.
_STAGES = {s.value: s for s in Stage}
_ROLES = {r.value: r for r in Role}
_STATES = {s.value: s for s in TaskState}


def to_task(row: TaskRow | Row[Any], activity: str, unit: str) -> Task:
    return Task(
        key=TaskKey(activity, unit, _STAGES[row.stage], row.seq),
        role=_ROLES[row.role],
        opens_on=row.opens_on,
        due_on=row.due_on,
        state=_STATES[row.state],
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        reason=row.reason,
        link_generation=row.link_generation or 1,
        delegate_name=row.delegate_name or "",
        delegate_email=row.delegate_email or "",
    )


class TaskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, query: Select[Any]) -> list[Task]:
        return [task for _id, task in _read(self.session, query)]

    def find(self, *, plan: str | None = None, unit: str | None = None) -> list[Task]:
        query = _task_values()
        if plan is not None:
            query = query.join(PlanRow, TaskRow.plan_id == PlanRow.id).where(PlanRow.code == plan)
        if unit is not None:
            query = query.where(UnitRow.code == unit)
        return self._rows(query.order_by(TaskRow.id))

    def list_due(self, *, on: date, within: int = 0, plan: str | None = None) -> list[Task]:
        """Active tasks due from `on` to `within` days later, read through the due-day index."""
        return [task for _id, task in self.due_with_ids(on=on, within=within, plan=plan)]

    def due_with_ids(
        self, *, on: date, within: int = 0, plan: str | None = None
    ) -> list[tuple[int, Task]]:
        """`list_due` with each task's row id: the sweep reads only the tasks due."""
        states = [s.value for s in ACTIVE_STATES]
        last = date.fromordinal(on.toordinal() + max(within, 0))
        query = _task_values().where(
            TaskRow.state.in_(states), TaskRow.due_on >= on, TaskRow.due_on <= last
        )
        if plan is not None:
            query = query.join(PlanRow, TaskRow.plan_id == PlanRow.id).where(PlanRow.code == plan)
        query = query.order_by(TaskRow.due_on, TaskRow.id)
        return _read(self.session, query)

    def slot(self, *, plan: str, activity: str, stage: Stage, seq: int) -> list[tuple[int, Task]]:
        """Every unit's task (with its row id) in one stage check-in of one activity."""
        query = (
            _task_values()
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan, ActivityRow.code == activity)
            .where(TaskRow.stage == stage.value, TaskRow.seq == seq)
            .order_by(TaskRow.id)
        )
        return _read(self.session, query)

    def slot_states(
        self, *, plan: str, activity: str, stage: Stage, seq: int
    ) -> list[tuple[str, TaskState]]:
        """(unit, state) of every task in one stage check-in, in the order of `slot`."""
        query = (
            select(UnitRow.code, TaskRow.state)
            .join(UnitRow, TaskRow.unit_id == UnitRow.id)
            .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan, ActivityRow.code == activity)
            .where(TaskRow.stage == stage.value, TaskRow.seq == seq)
            .order_by(TaskRow.id)
        )
        return [(unit, TaskState(state)) for unit, state in self.session.execute(query)]

    def of_activity(self, *, plan: str, activity: str) -> list[Task]:
        query = (
            _task_values()
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan, ActivityRow.code == activity)
        )
        return self._rows(query.order_by(TaskRow.id))

    def by_id(self, task_id: int) -> tuple[TaskRow, Task] | None:
        found = self.session.execute(_task_query().where(TaskRow.id == task_id)).first()
        return (found[0], to_task(*found)) if found is not None else None

    def with_ids(
        self, *, plan: str, unit: str | None = None, ids: Collection[int] | None = None
    ) -> list[tuple[int, Task]]:
        query = _task_values().join(PlanRow, TaskRow.plan_id == PlanRow.id)
        query = query.where(PlanRow.code == plan).order_by(TaskRow.id)
        if unit is not None:
            query = query.where(UnitRow.code == unit)
        if ids is not None:
            query = query.where(TaskRow.id.in_(ids))
        return _read(self.session, query)

    def row(self, key: TaskKey, *, plan_id: int) -> TaskRow | None:
        query = _task_query().where(
            TaskRow.plan_id == plan_id,
            ActivityRow.code == key.activity,
            UnitRow.code == key.unit,
            TaskRow.stage == key.stage.value,
            TaskRow.seq == key.seq,
        )
        found = self.session.execute(query).first()
        return found[0] if found is not None else None

    def link_generation(self, key: TaskKey, *, plan: str) -> int | None:
        """The task's link generation (None: no such task in the plan), in one small query:
        every portal request checks it."""
        found = self.session.execute(
            select(TaskRow.link_generation)
            .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
            .join(UnitRow, TaskRow.unit_id == UnitRow.id)
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(
                PlanRow.code == plan,
                ActivityRow.code == key.activity,
                UnitRow.code == key.unit,
                TaskRow.stage == key.stage.value,
                TaskRow.seq == key.seq,
            )
        ).first()
        return None if found is None else found[0] or 1

    def keyed_rows(self, *, plan_id: int, activity: str | None = None) -> dict[TaskKey, TaskRow]:
        query = _task_query().where(TaskRow.plan_id == plan_id)
        if activity is not None:
            query = query.where(ActivityRow.code == activity)
        return {TaskKey(a, u, Stage(r.stage), r.seq): r for r, a, u in self.session.execute(query)}

    def add(
        self, task: Task, *, plan_id: int, activity_id: int, unit_id: int, at: datetime
    ) -> TaskRow:
        row = TaskRow(plan_id=plan_id, activity_id=activity_id, unit_id=unit_id, created_at=at)
        write_task(row, task, at=at)
        self.session.add(row)
        return row


def write_task(row: TaskRow, task: Task, *, at: datetime) -> None:
    """Copy a domain task's fields onto its row."""
    row.stage, row.seq, row.role = task.key.stage.value, task.key.seq, task.role.value
    row.opens_on, row.due_on, row.state = task.opens_on, task.due_on, task.state.value
    row.submitted_at, row.decided_at, row.reason = task.submitted_at, task.decided_at, task.reason
    row.updated_at = at


class AuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity: str,
        key: str,
        reason: str = "",
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditRow(
                at=at,
                actor=actor,
                action=action,
                entity=entity,
                entity_key=key,
                reason=reason,
                old=old,
                new=new,
            )
        )

    def entries(self, *, entity: str | None = None, key: str | None = None) -> Sequence[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.id)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if key is not None:
            query = query.where(AuditRow.entity_key == key)
        return self.session.scalars(query).all()


def unit_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    rows = session.execute(select(UnitRow.code, UnitRow.id).where(UnitRow.code.in_(list(codes))))
    return {code: id_ for code, id_ in rows}
