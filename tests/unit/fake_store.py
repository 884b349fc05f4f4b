"""The fakes' store (what is \"committed\") and the repositories of plans, units, tasks and
the audit log, in memory."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import NotFound
from domain.mail import OutgoingMail
from domain.phrases import TimeWindow
from domain.plan import Plan
from domain.policy import Stage
from domain.records import (
    PLAN_ORIGIN,
    AuditEntry,
    Evidence,
    PlanState,
    PlanVersion,
    StoredPlan,
    StoredTask,
    StoredUpload,
    Submission,
)
from domain.report_draft import ReportDraft
from domain.sessions import OfficeSession
from domain.status import Standing
from domain.task import ACTIVE_STATES, Task, TaskKey, TaskState
from domain.units import Recipient, Unit


@dataclass
class Queued:
    """One outbox entry: the mail and its bookkeeping."""

    id: int
    key: str
    kind: str
    task_id: int | None
    mail: OutgoingMail
    not_before: datetime
    state: str = "pending"
    attempts: int = 0
    last_error: str = ""
    batch: str | None = None
    carried_by: str | None = None


@dataclass
class Store:
    """Everything the fakes keep, as committed."""

    plans: dict[str, tuple[str, dict[str, Any], Plan]] = field(default_factory=dict)
    activities: set[tuple[str, str]] = field(default_factory=set)
    states: dict[str, PlanState] = field(default_factory=dict)
    versions: dict[str, tuple[PlanVersion, ...]] = field(default_factory=dict)
    version_documents: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    units: dict[str, tuple[dict[str, Any], bool]] = field(default_factory=dict)
    tasks: dict[int, tuple[str, StoredTask]] = field(default_factory=dict)  # id → (plan, task)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: dict[str, Queued] = field(default_factory=dict)
    notices: set[tuple[int, str, str]] = field(default_factory=set)
    carried: dict[tuple[int, str, str], str] = field(default_factory=dict)  # rung → digest key
    submissions: list[Submission] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    uploads: dict[str, StoredUpload] = field(default_factory=dict)
    reports: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    drafts: dict[tuple[str, int], ReportDraft] = field(default_factory=dict)
    register: dict[tuple[int, int], str] = field(default_factory=dict)  # (year, number)
    logins: dict[str, OfficeSession] = field(default_factory=dict)
    commits: int = 0

    def copy(self) -> Store:
        """A copy to work on: the containers anew, their (frozen) values shared; the outbox's
        entries, which delivery changes in place, copied too."""
        fresh = Store(**{k: copy.copy(v) for k, v in self.__dict__.items()})
        fresh.outbox = {k: replace(q) for k, q in self.outbox.items()}
        return fresh

    def next_id(self, items: Iterable[Any]) -> int:
        return max((getattr(i, "id", 0) for i in items), default=0) + 1


class Repo:
    def __init__(self, store: Store) -> None:
        self.s = store


class FakePlans(Repo):
    def get(self, code: str) -> Plan | None:
        found = self.s.plans.get(code)
        return found[2] if found else None

    def many(self, codes: list[str]) -> dict[str, Plan | None]:
        return {code: self.get(code) for code in codes}

    def content_hash(self, code: str) -> str | None:
        found = self.s.plans.get(code)
        return found[0] if found else None

    def stored(self, code: str) -> tuple[str, dict[str, Any]] | None:
        found = self.s.plans.get(code)
        return (found[0], found[1]) if found else None

    def save(self, plan: Plan, *, content_hash: str, at: datetime) -> None:
        self.s.plans[plan.code] = (content_hash, plan.model_dump(mode="json", by_alias=True), plan)
        self.s.states.setdefault(plan.code, PlanState.DRAFT)

    def listing(self) -> list[StoredPlan]:
        found = [
            StoredPlan(
                code,
                plan.year,
                plan.title,
                self.s.states[code],
                len(self.s.versions.get(code, ())),
                sum(1 for p, _ in self.s.activities if p == code),
            )
            for code, (_, _, plan) in self.s.plans.items()
        ]
        return sorted(found, key=lambda p: (p.year, p.code))

    def set_state(self, code: str, state: PlanState, *, at: datetime) -> None:
        if code not in self.s.plans:
            raise NotFound(f"plan {code!r}")
        self.s.states[code] = state

    def versions(self, code: str) -> list[PlanVersion]:
        return list(self.s.versions.get(code, ()))

    def version_document(self, code: str, number: int) -> dict[str, Any] | None:
        found = self.s.version_documents.get((code, number))
        return dict(found) if found is not None else None

    def add_version(self, code: str, version: PlanVersion) -> None:
        if code not in self.s.plans:
            raise NotFound(f"plan {code!r}")
        self.s.versions[code] = (*self.s.versions.get(code, ()), version)
        self.s.version_documents[code, version.number] = dict(self.s.plans[code][1])
        self.s.states[code] = PlanState.PUBLISHED

    def save_activity(
        self, plan: str, number: int, code: str, title: str, window: TimeWindow
    ) -> None:
        if plan not in self.s.plans:
            raise NotFound(f"plan {plan!r}")
        self.s.activities.add((plan, code))


class FakeUnits(Repo):
    def get(self, code: str) -> Unit | None:
        found = self.s.units.get(code)
        return Unit.model_validate(found[0]) if found and "head" in found[0] else None

    def all(self, *, active_only: bool = True) -> list[Unit]:
        return [
            Unit.model_validate(doc)
            for doc, active in self.s.units.values()
            if (active or not active_only) and "head" in doc
        ]

    def save(self, item: Unit | Recipient, *, at: datetime) -> tuple[dict[str, Any] | None, bool]:
        new = item.model_dump(mode="json", exclude_none=True)
        old = self.s.units.get(item.code)
        if old == (new, True):
            return old[0], False
        self.s.units[item.code] = (new, True)
        return (old[0] if old else None), True

    def codes(self) -> set[str]:
        return {code for code, (_doc, active) in self.s.units.items() if active}

    def deactivate(self, code: str, *, at: datetime) -> None:
        if code not in self.s.units:
            raise NotFound(f"unit {code!r}")
        self.s.units[code] = (self.s.units[code][0], False)


class FakeTasks(Repo):
    def _of(self, plan: str | None) -> list[StoredTask]:
        return [t for p, t in self.s.tasks.values() if plan is None or p == plan]

    def find(self, *, plan: str | None = None, unit: str | None = None) -> list[Task]:
        return [t.task for t in self._of(plan) if unit is None or t.task.key.unit == unit]

    def list_due(self, *, on: date, within: int = 0, plan: str | None = None) -> list[Task]:
        return [t for _id, t in self.due_with_ids(on=on, within=within, plan=plan)]

    def due_with_ids(
        self, *, on: date, within: int = 0, plan: str | None = None
    ) -> list[tuple[int, Task]]:
        last = on + timedelta(days=max(within, 0))
        due = [
            (t.id, t.task)
            for t in self._of(plan)
            if t.task.state in ACTIVE_STATES and on <= t.task.due_on <= last
        ]
        return sorted(due, key=lambda d: (d[1].due_on, d[0]))

    def by_plan(
        self,
        *,
        plans: Sequence[str],
        states: Sequence[TaskState],
        on: date | None = None,
        within: int = 0,
    ) -> dict[str, list[tuple[int, Task]]]:
        last = on + timedelta(days=max(within, 0)) if on else None
        return {
            code: sorted(
                (
                    (t.id, t.task)
                    for t in self._of(code)
                    if t.task.state in states
                    and (on is None or last is None or on <= t.task.due_on <= last)
                ),
                key=lambda d: (d[1].due_on, d[0]),
            )
            for code in plans
        }

    def slot(self, *, plan: str, activity: str, stage: Stage, seq: int) -> list[tuple[int, Task]]:
        return [
            (t.id, t.task)
            for t in self._of(plan)
            if (t.task.key.activity, t.task.key.stage, t.task.key.seq) == (activity, stage, seq)
        ]

    def slot_states(
        self, *, plan: str, activity: str, stage: Stage, seq: int
    ) -> list[tuple[str, TaskState]]:
        found = self.slot(plan=plan, activity=activity, stage=stage, seq=seq)
        return [(t.key.unit, t.state) for _id, t in found]

    def standings(self, *, plan: str, activity: str) -> list[Standing]:
        return [
            Standing(k.unit, k.stage, k.seq, t.state, t.opens_on, t.due_on, t.submitted_at)
            for t in (s.task for s in self._of(plan))
            if (k := t.key).activity == activity
        ]

    def by_id(self, task_id: int) -> StoredTask | None:
        found = self.s.tasks.get(task_id)
        return found[1] if found else None

    def by_ids(self, task_ids: Sequence[int]) -> dict[int, StoredTask]:
        return {i: found for i in task_ids if (found := self.by_id(i)) is not None}

    def plan_of(self, task_id: int) -> str | None:
        found = self.s.tasks.get(task_id)
        return found[0] if found else None

    def with_ids(
        self,
        *,
        plan: str,
        unit: str | None = None,
        ids: Sequence[int] | None = None,
        states: Sequence[TaskState] | None = None,
    ) -> list[tuple[int, Task]]:
        return [
            (t.id, t.task)
            for t in self._of(plan)
            if (unit is None or t.task.key.unit == unit)
            and (ids is None or t.id in ids)
            and (states is None or t.task.state in states)
        ]

    def get(self, key: TaskKey, *, plan: str) -> StoredTask | None:
        return next((t for t in self._of(plan) if t.task.key == key), None)

    def link_generation(self, key: TaskKey, *, plan: str) -> int | None:
        found = self.get(key, plan=plan)
        return found.task.link_generation if found else None

    def keyed(self, *, plan: str, activity: str | None = None) -> dict[TaskKey, StoredTask]:
        return {
            t.task.key: t
            for t in self._of(plan)
            if activity is None or t.task.key.activity == activity
        }

    def add(self, task: Task, *, plan: str, at: datetime, origin: str = PLAN_ORIGIN) -> int:
        if (plan, task.key.activity) not in self.s.activities:
            raise NotFound(f"activity {task.key.activity!r} of plan {plan!r}")
        if task.key.unit not in self.s.units:
            raise NotFound(f"unit {task.key.unit!r}")
        if self.get(task.key, plan=plan) is not None:
            raise ValueError(f"task {task.key} stored twice")  # the unique constraint's work
        task_id = max(self.s.tasks, default=0) + 1
        self.s.tasks[task_id] = (plan, StoredTask(task_id, task, origin))
        return task_id

    def add_all(
        self, tasks: Iterable[Task], *, plan: str, at: datetime, origin: str = PLAN_ORIGIN
    ) -> None:
        for task in tasks:
            self.add(task, plan=plan, at=at, origin=origin)

    def save(self, task_id: int, task: Task, *, at: datetime) -> None:
        plan, stored = self.s.tasks[task_id]
        self.s.tasks[task_id] = (plan, replace(stored, task=task))


class FakeAudit(Repo):
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
        self.s.audit.append(AuditEntry(at, actor, action, entity, key, reason, old, new))

    def entries(self, *, entity: str | None = None, key: str | None = None) -> list[AuditEntry]:
        return [
            e
            for e in self.s.audit
            if (entity is None or e.entity == entity) and (key is None or e.entity_key == key)
        ]
