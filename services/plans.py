"""Loading a plan and its unit directory into the database: idempotent and audit-logged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from domain.calendar import WorkingCalendar
from domain.errors import PlanInvalid
from domain.plan import Plan
from domain.records import PLAN_ORIGIN, StoredTask
from domain.schedule import build_schedule, schedule_tasks
from domain.task import ACTIVE_STATES, Action, TaskKey
from domain.units import Recipient, Unit, UnitDirectory
from domain.validation import check_plan
from services.ports import UnitOfWork
from services.tasks import transition


@dataclass(frozen=True)
class TaskChange:
    """An open task a changed plan moved (old and new due day) or cancelled (new_due None)."""

    key: TaskKey
    old_due: date
    new_due: date | None = None

    @property
    def cancelled(self) -> bool:
        return self.new_due is None


@dataclass
class LoadReport:
    """What a load changed; all zeros when the same plan is loaded again."""

    plan: str = ""
    plan_change: str = "unchanged"  # created | updated | unchanged
    units_changed: int = 0
    tasks_created: int = 0
    tasks_rescheduled: int = 0
    tasks_cancelled: int = 0
    created: list[TaskKey] = field(default_factory=list)
    changes: list[TaskChange] = field(default_factory=list)  # open tasks moved or cancelled

    @property
    def changed(self) -> bool:
        return self.plan_change != "unchanged" or any(
            (self.units_changed, self.tasks_created, self.tasks_rescheduled, self.tasks_cancelled)
        )


def content_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def load_plan(
    uow: UnitOfWork,
    *,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    at: datetime,
    actor: str,
) -> LoadReport:
    """Store the directory, the plan, its activities and its scheduled tasks in one transaction.

    Raises PlanInvalid before writing anything when the plan breaks a rule.
    """
    report = store_plan_data(
        uow, plan=plan, directory=directory, calendar=calendar, at=at, actor=actor
    )
    uow.commit()
    return report


def store_plan_data(
    uow: UnitOfWork,
    *,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    at: datetime,
    actor: str,
    reason: str = "",
) -> LoadReport:
    """load_plan's writes, left for the caller to commit (publish adds its version first).
    `reason` is what the audit log says of the tasks moved or cancelled (an amendment's
    "Theo Kế hoạch điều chỉnh …"); by default "plan changed" and "no longer in the plan"."""
    problems = check_plan(plan, directory, calendar)
    if problems:
        raise PlanInvalid(problems)
    report = LoadReport(plan=plan.code)
    report.units_changed = store_units(uow, directory, at=at, actor=actor)
    _store_plan(uow, plan, at=at, actor=actor, report=report)
    _sync_tasks(uow, plan, directory, calendar, at=at, actor=actor, report=report, reason=reason)
    return report


def store_units(uow: UnitOfWork, directory: UnitDirectory, *, at: datetime, actor: str) -> int:
    """Store every unit and recipient (each change audit-logged with its old and new
    document: the directory's history); deactivate those no longer listed. How many changed."""
    changed = 0
    items: list[Unit | Recipient] = [*directory.units, *directory.recipients]
    for item in items:
        old, differs = uow.units.save(item, at=at)
        if differs:
            changed += 1
            action = "unit.created" if old is None else "unit.updated"
            new = item.model_dump(mode="json", exclude_none=True)
            uow.audit.record(
                at=at, actor=actor, action=action, entity="unit", key=item.code, old=old, new=new
            )
    for code in sorted(uow.units.codes() - {item.code for item in items}):
        uow.units.deactivate(code, at=at)
        uow.audit.record(
            at=at,
            actor=actor,
            action="unit.deactivated",
            entity="unit",
            key=code,
            reason="no longer in the unit directory",
        )
        changed += 1
    return changed


def _store_plan(
    uow: UnitOfWork, plan: Plan, *, at: datetime, actor: str, report: LoadReport
) -> None:
    document = plan.model_dump(mode="json", by_alias=True)
    digest = content_hash(document)
    stored = uow.plans.stored(plan.code)
    if stored is not None and stored[0] == digest:
        return
    old = stored[1] if stored else None
    uow.plans.save(plan, content_hash=digest, at=at)
    report.plan_change = "created" if old is None else "updated"
    summary = {"content_hash": digest}
    if old is not None:
        summary["changed"] = ", ".join(_changed_fields(old, document))
    uow.audit.record(
        at=at,
        actor=actor,
        action=f"plan.{report.plan_change}",
        entity="plan",
        key=plan.code,
        old={"content_hash": stored[0]} if stored else None,
        new=summary,
    )


def _sync_tasks(
    uow: UnitOfWork,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    *,
    at: datetime,
    actor: str,
    report: LoadReport,
    reason: str,
) -> None:
    existing = uow.tasks.keyed(plan=plan.code)
    wanted: set[TaskKey] = set()
    for schedule in build_schedule(plan, directory, calendar):
        a = schedule.activity
        uow.plans.save_activity(plan.code, a.number, a.code, a.title, schedule.window)
        new_tasks = []
        for task in schedule_tasks(schedule, plan):
            wanted.add(task.key)
            found = existing.get(task.key)
            if found is None:
                new_tasks.append(task)
                continue
            was = found.task
            if (was.opens_on, was.due_on) != (task.opens_on, task.due_on) and (
                was.state in ACTIVE_STATES
            ):
                old = {"opens_on": str(was.opens_on), "due_on": str(was.due_on)}
                moved = replace(was, opens_on=task.opens_on, due_on=task.due_on)
                uow.tasks.save(found.id, moved, at=at)
                new = {"opens_on": str(task.opens_on), "due_on": str(task.due_on)}
                uow.audit.record(
                    at=at,
                    actor=actor,
                    action="task.rescheduled",
                    entity="task",
                    key=str(task.key),
                    reason=reason or "plan changed",
                    old=old,
                    new=new,
                )
                report.tasks_rescheduled += 1
                if was.due_on != task.due_on:
                    report.changes.append(TaskChange(task.key, was.due_on, task.due_on))
        uow.tasks.add_all(new_tasks, plan=plan.code, at=at)
        report.tasks_created += len(new_tasks)
        report.created += [t.key for t in new_tasks]
    _cancel_dropped(
        uow,
        existing,
        wanted,
        at=at,
        actor=actor,
        report=report,
        reason=reason or "no longer in the plan",
    )


def _cancel_dropped(
    uow: UnitOfWork,
    existing: dict[TaskKey, StoredTask],
    wanted: set[TaskKey],
    *,
    at: datetime,
    actor: str,
    report: LoadReport,
    reason: str,
) -> None:
    """Tasks the changed plan no longer has are cancelled, never deleted: history stays
    (submissions included); a task handed in already is left as it is."""
    for key, stored in existing.items():
        if key in wanted or stored.task.state not in ACTIVE_STATES or stored.origin != PLAN_ORIGIN:
            continue  # reassigned or year-end work is not the schedule's to cancel
        transition(uow, stored, Action.CANCEL, at=at, by=actor, reason=reason)
        report.tasks_cancelled += 1
        report.changes.append(TaskChange(key, stored.task.due_on))
