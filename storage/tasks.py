"""The task repository: tasks in and out as domain objects, with their row ids."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from domain.errors import NotFound
from domain.policy import Role, Stage
from domain.records import PLAN_ORIGIN, StoredTask
from domain.status import Standing
from domain.task import ACTIVE_STATES, Task, TaskKey, TaskState
from storage.db import chunks
from storage.tables import ActivityRow, PlanRow, TaskRow, UnitRow


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
        # ids looked up while adding tasks, for this unit of work only
        self._activities: dict[tuple[str, str], tuple[int, int]] = {}
        self._units: dict[str, int] = {}
        # The rows read whole, held for this unit of work: the session's identity map keeps
        # only weak references, and a task read to be changed is saved from the same row
        # (without it, every save read the row again).
        self._held: dict[int, TaskRow] = {}

    def _hold(self, row: TaskRow, activity: str, unit: str) -> StoredTask:
        self._held[row.id] = row
        return _stored(row, activity, unit)

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

    def by_plan(
        self,
        *,
        plans: Collection[str],
        states: Collection[TaskState],
        on: date | None = None,
        within: int = 0,
    ) -> dict[str, list[tuple[int, Task]]]:
        """The tasks in `states` of several plans in one read, by plan code (due from `on`
        through `within` days later, when given): the sweep over every published plan reads
        the tasks due, and those waiting for review, once (through ix_tasks_state_due_on)."""
        query = (
            _task_values()
            .add_columns(PlanRow.code.label("plan_code"))
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(TaskRow.state.in_([s.value for s in states]))
            .where(PlanRow.code.in_(list(plans)))
            .order_by(TaskRow.due_on, TaskRow.id)
        )
        if on is not None:
            last = date.fromordinal(on.toordinal() + max(within, 0))
            query = query.where(TaskRow.due_on >= on, TaskRow.due_on <= last)
        found: dict[str, list[tuple[int, Task]]] = {code: [] for code in plans}
        for r in self.session.execute(query):
            found[r.plan_code].append((r.id, to_task(r, r.activity_code, r.unit_code)))
        return found

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

    def standings(self, *, plan: str, activity: str) -> list[Standing]:
        """Every task of an activity as its status table needs it, in row order: the
        columns a bucket depends on, read as plain values (a table of a thousand units is
        drawn on every pass of the activity's run)."""
        query = (
            select(
                UnitRow.code,
                TaskRow.stage,
                TaskRow.seq,
                TaskRow.state,
                TaskRow.opens_on,
                TaskRow.due_on,
                TaskRow.submitted_at,
            )
            .join(UnitRow, TaskRow.unit_id == UnitRow.id)
            .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan, ActivityRow.code == activity)
            .order_by(TaskRow.id)
        )
        return [
            Standing(unit, _STAGES[stage], seq, _STATES[state], opens, due, submitted)
            for unit, stage, seq, state, opens, due, submitted in self.session.execute(query)
        ]

    def by_id(self, task_id: int) -> StoredTask | None:
        found = self.session.execute(_task_query().where(TaskRow.id == task_id)).first()
        return self._hold(*found) if found is not None else None

    def by_ids(self, task_ids: Sequence[int]) -> dict[int, StoredTask]:
        """The tasks of `task_ids` found, by id, in one query per IN-sized slice."""
        found: dict[int, StoredTask] = {}
        for chunk in chunks(list(task_ids)):
            for row in self.session.execute(_task_query().where(TaskRow.id.in_(chunk))):
                stored = self._hold(*row)
                found[stored.id] = stored
        return found

    def plan_of(self, task_id: int) -> str | None:
        """The code of the plan the task belongs to (None: no such task)."""
        return self.session.scalar(
            select(PlanRow.code)
            .join(TaskRow, TaskRow.plan_id == PlanRow.id)
            .where(TaskRow.id == task_id)
        )

    def with_ids(
        self,
        *,
        plan: str,
        unit: str | None = None,
        ids: Collection[int] | None = None,
        states: Collection[TaskState] | None = None,
    ) -> list[tuple[int, Task]]:
        """The plan's tasks with their row ids; only those of `unit`, of `ids` or in
        `states` when given (states read through ix_tasks_state_due_on)."""
        query = _task_values().join(PlanRow, TaskRow.plan_id == PlanRow.id)
        query = query.where(PlanRow.code == plan).order_by(TaskRow.id)
        if unit is not None:
            query = query.where(UnitRow.code == unit)
        if ids is not None:
            query = query.where(TaskRow.id.in_(ids))
        if states is not None:
            query = query.where(TaskRow.state.in_([s.value for s in states]))
        return _read(self.session, query)

    def _row(self, key: TaskKey, *, plan: str) -> TaskRow | None:
        found = self.session.execute(_BY_KEY, _key_values(key, plan)).first()
        return found[0] if found is not None else None

    def get(self, key: TaskKey, *, plan: str) -> StoredTask | None:
        row = self._row(key, plan=plan)
        return self._hold(row, key.activity, key.unit) if row is not None else None

    def link_generation(self, key: TaskKey, *, plan: str) -> int | None:
        """The task's link generation (None: no such task in the plan), in one small query:
        every portal request checks it."""
        found = self.session.connection().execute(_GENERATION, _key_values(key, plan)).first()
        return None if found is None else found[0] or 1

    def keyed(self, *, plan: str, activity: str | None = None) -> dict[TaskKey, StoredTask]:
        query = _task_query().join(PlanRow, TaskRow.plan_id == PlanRow.id)
        query = query.where(PlanRow.code == plan)
        if activity is not None:
            query = query.where(ActivityRow.code == activity)
        return {(s := self._hold(r, a, u)).task.key: s for r, a, u in self.session.execute(query)}

    def add(self, task: Task, *, plan: str, at: datetime, origin: str = PLAN_ORIGIN) -> int:
        """Store a new task of `plan` (its activity and unit stored before); its row id."""
        row = self._new_row(task, plan=plan, at=at, origin=origin)
        self.session.add(row)
        self.session.flush()
        return row.id

    def _new_row(self, task: Task, *, plan: str, at: datetime, origin: str) -> TaskRow:
        plan_id, activity_id = self._activity_id(plan, task.key.activity)
        row = TaskRow(
            plan_id=plan_id,
            activity_id=activity_id,
            unit_id=self._unit_id(task.key.unit),
            created_at=at,
            origin=origin,
        )
        write_task(row, task, at=at)
        return row

    def add_all(
        self, tasks: Iterable[Task], *, plan: str, at: datetime, origin: str = PLAN_ORIGIN
    ) -> None:
        """Store new tasks of `plan` in one batch (no ids: a plan load adds thousands)."""
        for task in tasks:
            self.session.add(self._new_row(task, plan=plan, at=at, origin=origin))

    def save(self, task_id: int, task: Task, *, at: datetime) -> None:
        """Store what changed in a task (its key and origin never change); a row read in
        this unit of work is not read again."""
        row = self._held.get(task_id) or self.session.get(TaskRow, task_id)
        if row is None:
            raise NotFound(f"task id {task_id}")
        write_task(row, task, at=at)

    def _activity_id(self, plan: str, activity: str) -> tuple[int, int]:
        if (plan, activity) not in self._activities:
            found = self.session.execute(
                select(PlanRow.id, ActivityRow.id)
                .join(ActivityRow, ActivityRow.plan_id == PlanRow.id)
                .where(PlanRow.code == plan, ActivityRow.code == activity)
            ).first()
            if found is None:
                raise NotFound(f"activity {activity!r} of plan {plan!r}")
            self._activities[plan, activity] = (found[0], found[1])
        return self._activities[plan, activity]

    def _unit_id(self, code: str) -> int:
        if code not in self._units:  # read again: a unit may have been stored since
            self._units.update(
                {c: i for c, i in self.session.execute(select(UnitRow.code, UnitRow.id))}
            )
        if code not in self._units:
            raise NotFound(f"unit {code!r}")
        return self._units[code]


_Query = TypeVar("_Query", bound=Select)  # type: ignore[type-arg]


def _by_key(query: _Query) -> _Query:
    """`query` (of tasks joined to activities and units) for one task of one plan, the
    key's values bound at execution (see `_key_values`)."""
    return query.join(PlanRow, TaskRow.plan_id == PlanRow.id).where(
        PlanRow.code == bindparam("plan"),
        ActivityRow.code == bindparam("activity"),
        UnitRow.code == bindparam("unit"),
        TaskRow.stage == bindparam("stage"),
        TaskRow.seq == bindparam("seq"),
    )


def _key_values(key: TaskKey, plan: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "activity": key.activity,
        "unit": key.unit,
        "stage": key.stage.value,
        "seq": key.seq,
    }


# Built once: the portal reads one task by its key on every request.
_BY_KEY = _by_key(_task_query())
_GENERATION = _by_key(
    select(TaskRow.link_generation)
    .join(ActivityRow, TaskRow.activity_id == ActivityRow.id)
    .join(UnitRow, TaskRow.unit_id == UnitRow.id)
)


def _stored(row: TaskRow, activity: str, unit: str) -> StoredTask:
    return StoredTask(row.id, to_task(row, activity, unit), row.origin)


def write_task(row: TaskRow, task: Task, *, at: datetime) -> None:
    """Copy a domain task's fields onto its row."""
    row.stage, row.seq, row.role = task.key.stage.value, task.key.seq, task.role.value
    row.opens_on, row.due_on, row.state = task.opens_on, task.due_on, task.state.value
    row.submitted_at, row.decided_at, row.reason = task.submitted_at, task.decided_at, task.reason
    row.link_generation, row.updated_at = task.link_generation, at
    row.delegate_name, row.delegate_email = task.delegate_name, task.delegate_email
