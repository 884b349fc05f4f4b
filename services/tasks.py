"""Task changes with their mail: each writes state, audit and outbox in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.errors import NotFound
from domain.records import StoredTask
from domain.task import Action, Task, TaskChanged, TaskKey
from notifications.content import MailKind
from services.mail import (
    Mailer,
    enqueue_task_mail,
    local_time,
    prepare_task_mail,
    queue_task_mail,
)
from services.ports import UnitOfWork


def load(uow: UnitOfWork, plan: str, key: TaskKey) -> StoredTask:
    """The stored task of `plan` with `key`; NotFound when the plan has no such task."""
    found = uow.tasks.get(key, plan=plan)
    if found is None:
        raise NotFound(f"task {key} is not in plan {plan}")
    return found


def assign(uow: UnitOfWork, mailer: Mailer, keys: list[TaskKey], *, now: datetime) -> int:
    """Send each task's assignment mail (once, ever); returns how many were newly queued."""
    queued = 0
    for key in keys:
        stored = load(uow, mailer.plan.code, key)
        queued += enqueue_task_mail(
            uow, mailer, stored.task, MailKind.TASK_ASSIGNED, now=now, task_id=stored.id
        )
    uow.commit()
    return queued


def transition(
    uow: UnitOfWork,
    stored: StoredTask,
    action: Action,
    *,
    at: datetime,
    by: str,
    reason: str = "",
    note: dict[str, Any] | None = None,
) -> Task:
    """Move a task through its lifecycle, store it and write the audit entry."""
    changed, event = stored.task.apply(action, at=at, reason=reason)
    record_transition(uow, stored, changed, event, at=at, by=by, reason=reason, note=note)
    return changed


def record_transition(
    uow: UnitOfWork,
    stored: StoredTask,
    changed: Task,
    event: TaskChanged,
    *,
    at: datetime,
    by: str,
    reason: str = "",
    note: dict[str, Any] | None = None,
) -> None:
    """Store a task as `Task.apply` changed it, and the audit entry of that change."""
    uow.tasks.save(stored.id, changed, at=at)
    uow.audit.record(
        at=at,
        actor=by,
        action=f"task.{event.new.value}",
        entity="task",
        key=str(stored.task.key),
        reason=reason,
        old={"state": event.old.value},
        new={"state": event.new.value, **(note or {})},
    )


def submit(
    uow: UnitOfWork,
    mailer: Mailer,
    key: TaskKey,
    *,
    at: datetime,
    by: str,
    payload: dict[str, Any],
    nonce: str | None = None,
    evidence: list[dict[str, Any]] | None = None,
    before_commit: Callable[[], object] | None = None,
    check: Callable[[Task], object] | None = None,
) -> int:
    """Record a submission (a new version), move the task, queue the receipt; the version.

    `before_commit` runs last inside the transaction, once everything else was accepted (the
    portal moves the evidence files into the store there); `check` is shown the stored task
    before anything else and may refuse it by raising (the portal's replaced-link check).

    The same form (`nonce`) handed in again returns the version it made and changes nothing;
    two at once: the database's unique constraint lets one through (the other raises
    IntegrityError, and asking again returns the winner's version).
    """
    stored = load(uow, mailer.plan.code, key)
    if check is not None:
        check(stored.task)
    if nonce and (done := uow.submissions.by_nonce(stored.id, nonce)) is not None:
        return done
    # Everything read and rendered first: SQLite has one writer at a time, and a transaction
    # holds the write lock from its first write to its commit.
    version = uow.submissions.next_version(stored.id)
    changed, event = stored.task.apply(Action.SUBMIT, at=at)
    receipt = prepare_task_mail(
        uow,
        mailer,
        changed,
        MailKind.SUBMISSION_RECEIPT,
        now=at,
        rung=f"v{version}",
        extra={"version": version, "submitted_at": local_time(at)},
    )
    uow.submissions.add(
        task_id=stored.id, at=at, by=by, payload=payload, nonce=nonce, version=version
    )
    if evidence:
        uow.submissions.add_evidence(task_id=stored.id, version=version, items=evidence, at=at)
    record_transition(uow, stored, changed, event, at=at, by=by, note={"version": version})
    if receipt is not None:
        queue_task_mail(uow, receipt, task_id=stored.id)
    if before_commit is not None:
        before_commit()
    uow.commit()
    return version


def return_for_revision(
    uow: UnitOfWork, mailer: Mailer, key: TaskKey, *, at: datetime, by: str, reason: str
) -> None:
    """The Office sends a submission back with a reason; the unit gets the returned mail."""
    stored = load(uow, mailer.plan.code, key)
    changed = transition(uow, stored, Action.RETURN, at=at, by=by, reason=reason)
    versions = len(uow.submissions.versions(stored.id))
    enqueue_task_mail(
        uow,
        mailer,
        changed,
        MailKind.RETURNED,
        now=at,
        task_id=stored.id,
        rung=f"v{versions}",
        extra={"reason": reason},
    )
    uow.commit()
