"""In-memory adapters for the services' ports: a unit of work whose repositories keep lists
and dicts, so a use case runs without a database, a server or a network.

One `Store` holds what is "committed"; a `FakeUnitOfWork` works on a copy and writes it back
on commit(), so leaving without commit() loses the work exactly as the real one does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine

from domain.errors import NotFound
from domain.mail import Claimed, FailedMail, Mailbox, OutgoingMail
from domain.phrases import TimeWindow
from domain.plan import Plan
from domain.policy import Stage
from domain.records import PLAN_ORIGIN, AuditEntry, Evidence, StoredTask, StoredUpload, Submission
from domain.report_draft import ReportDraft
from domain.sessions import OfficeSession, SessionEnd
from domain.task import ACTIVE_STATES, Task, TaskKey, TaskState
from domain.units import Recipient, Unit
from services.bootstrap import App


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


@dataclass
class Store:
    """Everything the fakes keep, as committed."""

    plans: dict[str, tuple[str, dict[str, Any], Plan]] = field(default_factory=dict)
    activities: set[tuple[str, str]] = field(default_factory=set)
    units: dict[str, tuple[dict[str, Any], bool]] = field(default_factory=dict)
    tasks: dict[int, tuple[str, StoredTask]] = field(default_factory=dict)  # id → (plan, task)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: dict[str, Queued] = field(default_factory=dict)
    notices: set[tuple[int, str, str]] = field(default_factory=set)
    submissions: list[Submission] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    uploads: dict[str, StoredUpload] = field(default_factory=dict)
    reports: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    drafts: dict[tuple[str, int], ReportDraft] = field(default_factory=dict)
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


class _Repo:
    def __init__(self, store: Store) -> None:
        self.s = store


class FakePlans(_Repo):
    def get(self, code: str) -> Plan | None:
        found = self.s.plans.get(code)
        return found[2] if found else None

    def content_hash(self, code: str) -> str | None:
        found = self.s.plans.get(code)
        return found[0] if found else None

    def stored(self, code: str) -> tuple[str, dict[str, Any]] | None:
        found = self.s.plans.get(code)
        return (found[0], found[1]) if found else None

    def save(self, plan: Plan, *, content_hash: str, at: datetime) -> None:
        self.s.plans[plan.code] = (content_hash, plan.model_dump(mode="json", by_alias=True), plan)

    def save_activity(
        self, plan: str, number: int, code: str, title: str, window: TimeWindow
    ) -> None:
        if plan not in self.s.plans:
            raise NotFound(f"plan {plan!r}")
        self.s.activities.add((plan, code))


class FakeUnits(_Repo):
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
        new = item.model_dump(mode="json")
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


class FakeTasks(_Repo):
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

    def of_activity(self, *, plan: str, activity: str) -> list[Task]:
        return [t.task for t in self._of(plan) if t.task.key.activity == activity]

    def by_id(self, task_id: int) -> StoredTask | None:
        found = self.s.tasks.get(task_id)
        return found[1] if found else None

    def with_ids(
        self, *, plan: str, unit: str | None = None, ids: Sequence[int] | None = None
    ) -> list[tuple[int, Task]]:
        return [
            (t.id, t.task)
            for t in self._of(plan)
            if (unit is None or t.task.key.unit == unit) and (ids is None or t.id in ids)
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


class FakeAudit(_Repo):
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


class FakeOutbox(_Repo):
    def enqueue(
        self, mail: OutgoingMail, *, key: str, kind: str, task_id: int | None, not_before: datetime
    ) -> bool:
        if key in self.s.outbox:
            return False
        queued = Queued(
            self.s.next_id(self.s.outbox.values()), key, kind, task_id, mail, not_before
        )
        self.s.outbox[key] = queued
        return True

    def exists(self, key: str) -> bool:
        return key in self.s.outbox

    def existing(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.s.outbox}

    def claim(
        self, *, now: datetime, limit: int, lease: timedelta, sender: Mailbox
    ) -> list[Claimed]:
        due = [q for q in self.s.outbox.values() if q.state == "pending" and q.not_before <= now]
        for q in due[:limit]:
            q.state = "sending"
        return [Claimed(q.id, q.key, q.attempts, q.mail) for q in due[:limit]]

    def _by_id(self, id_: int) -> Queued:
        return next(q for q in self.s.outbox.values() if q.id == id_)

    def mark_sent(self, id_: int, *, at: datetime) -> None:
        self._by_id(id_).state = "sent"

    def mark_retry(self, id_: int, *, error: str, not_before: datetime) -> None:
        q = self._by_id(id_)
        q.state, q.last_error, q.not_before, q.attempts = (
            "pending",
            error,
            not_before,
            q.attempts + 1,
        )

    def mark_failed(self, id_: int, *, error: str) -> None:
        q = self._by_id(id_)
        q.state, q.last_error, q.attempts = "failed", error, q.attempts + 1

    def release(self, ids: list[int]) -> None:
        for id_ in ids:
            self._by_id(id_).state = "pending"

    def failed(self) -> list[FailedMail]:
        return [
            FailedMail(q.id, q.kind, tuple(m.email for m in q.mail.to), q.attempts, q.last_error)
            for q in self.s.outbox.values()
            if q.state == "failed"
        ]

    def retry_failed(self, ids: list[int] | None, *, now: datetime) -> int:
        again = [
            q for q in self.s.outbox.values() if q.state == "failed" and (not ids or q.id in ids)
        ]
        for q in again:
            q.state, q.attempts, q.not_before = "pending", 0, now
        return len(again)

    def counts(self) -> dict[str, int]:
        states = [q.state for q in self.s.outbox.values()]
        return {s: states.count(s) for s in ("pending", "sending", "sent", "failed")}


class FakeNotices(_Repo):
    def record(
        self, *, task_id: int, kind: str, rung: str, due_on: date, outbox_key: str, at: datetime
    ) -> bool:
        if (task_id, kind, rung) in self.s.notices:
            return False
        self.s.notices.add((task_id, kind, rung))
        return True

    def counts(self, *, plan: str) -> dict[str, int]:
        kinds = [k for task_id, k, _r in self.s.notices if self.s.tasks[task_id][0] == plan]
        return {k: kinds.count(k) for k in set(kinds)}


class FakeSubmissions(_Repo):
    def add(
        self,
        *,
        task_id: int,
        at: datetime,
        by: str,
        payload: dict[str, Any],
        nonce: str | None = None,
    ) -> int:
        if nonce and self.by_nonce(task_id, nonce) is not None:
            raise ValueError("the same form twice")  # the unique constraint's work
        version = len(self.versions(task_id)) + 1
        id_ = self.s.next_id(self.s.submissions)
        self.s.submissions.append(Submission(id_, task_id, version, at, by, payload, nonce))
        return version

    def add_evidence(
        self, *, task_id: int, version: int, items: list[dict[str, Any]], at: datetime
    ) -> None:
        sub = next(s for s in self.versions(task_id) if s.version == version)
        for item in items:
            fields = {k: v for k, v in item.items() if k != "kind"}
            id_ = self.s.next_id(self.s.evidence)
            self.s.evidence.append(
                Evidence(id_, task_id, item["kind"], submission_id=sub.id, **fields)
            )

    def evidence(self, task_ids: list[int]) -> list[Evidence]:
        return [e for e in self.s.evidence if e.task_id in task_ids]

    def by_nonce(self, task_id: int, nonce: str) -> int | None:
        found = [s.version for s in self.versions(task_id) if s.nonce == nonce]
        return found[0] if found else None

    def latest(self, task_ids: Sequence[int]) -> dict[int, Submission]:
        return {s.task_id: s for s in self.s.submissions if s.task_id in task_ids}

    def versions(self, task_id: int) -> list[Submission]:
        return [s for s in self.s.submissions if s.task_id == task_id]


class FakeUploads(_Repo):
    def record(self, *, sha256: str, size: int, content_type: str, at: datetime) -> None:
        self.s.uploads.setdefault(sha256, StoredUpload(sha256, size, content_type, None))

    def of_evidence(self, evidence_id: int) -> StoredUpload | None:
        found = next((e for e in self.s.evidence if e.id == evidence_id), None)
        upload = self.s.uploads.get(found.sha256 or "") if found else None
        return replace(upload, filename=found.filename) if found and upload else None

    def referenced(self, among: list[str] | None = None) -> set[str]:
        known = set(self.s.uploads) | {e.sha256 for e in self.s.evidence if e.sha256}
        return known if among is None else known & set(among)


class FakeReports(_Repo):
    def save(self, *, plan: str, activity: str, content: dict[str, Any], at: datetime) -> bool:
        if self.s.reports.get((plan, activity)) == content:
            return False
        self.s.reports[plan, activity] = content
        return True

    def get(self, *, plan: str, activity: str) -> dict[str, Any] | None:
        return self.s.reports.get((plan, activity))


class FakeDrafts(_Repo):
    def latest(self, *, plan: str) -> ReportDraft | None:
        mine = [d for (p, _v), d in self.s.drafts.items() if p == plan]
        return max(mine, key=lambda d: d.version, default=None)

    def get(self, *, plan: str, version: int) -> ReportDraft | None:
        return self.s.drafts.get((plan, version))

    def save(self, draft: ReportDraft) -> None:
        if draft.plan not in self.s.plans:
            raise NotFound(f"plan {draft.plan!r}")
        self.s.drafts[draft.plan, draft.version] = draft


class FakeLogins(_Repo):
    def add(self, sid: str, found: OfficeSession) -> None:
        self.s.logins[sid] = found

    def get(self, sid: str) -> OfficeSession | None:
        return self.s.logins.get(sid)

    def seen(self, sid: str, at: datetime) -> None:
        self.s.logins[sid] = replace(self.s.logins[sid], last_seen_at=at)

    def end(self, sid: str, *, at: datetime, because: SessionEnd) -> None:
        self.s.logins[sid] = replace(self.s.logins[sid], ended_at=at, ended_because=because)

    def end_all(self, account: str, *, at: datetime, because: SessionEnd) -> int:
        mine = [sid for sid, s in self.s.logins.items() if s.account == account and not s.ended_at]
        for sid in mine:
            self.end(sid, at=at, because=because)
        return len(mine)


class FakeUnitOfWork:
    """Works on a copy of the store; commit() makes the copy the store."""

    plans: FakePlans
    units: FakeUnits
    tasks: FakeTasks
    audit: FakeAudit
    outbox: FakeOutbox
    notices: FakeNotices
    submissions: FakeSubmissions
    uploads: FakeUploads
    reports: FakeReports
    drafts: FakeDrafts
    logins: FakeLogins

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Self:
        self._work = self.store.copy()
        work = self._work
        self.plans, self.units, self.tasks = FakePlans(work), FakeUnits(work), FakeTasks(work)
        self.audit, self.outbox, self.notices = FakeAudit(work), FakeOutbox(work), FakeNotices(work)
        self.submissions, self.uploads = FakeSubmissions(work), FakeUploads(work)
        self.reports, self.drafts, self.logins = (
            FakeReports(work),
            FakeDrafts(work),
            FakeLogins(work),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._work.commits += 1
        self.store.__dict__.update(self._work.copy().__dict__)

    def rollback(self) -> None:
        self.__enter__()


class FakeApp(App):
    """The wiring with the in-memory unit of work in place of the database."""

    store: Store

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    @property
    def engine(self) -> Engine:
        raise AssertionError("the services' unit layer opens no database")
