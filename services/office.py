"""The Office's view and decisions: the progress matrix, and accept, return, extend, reassign,
delegate or re-link a task — each audit-logged with who, when, why, old and new."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from domain.acceptance import waiting_for_review
from domain.clock import local_date
from domain.errors import InvalidRequest, NotFound
from domain.policy import Stage
from domain.records import OFFICE_ORIGIN, AuditEntry, Evidence, StoredTask, Submission
from domain.status import Bucket, bucket
from domain.task import Action, Task, TaskKey, TaskState
from domain.vi import dmy
from notifications.content import MailKind
from services import stages
from services.context import PlanContext
from services.mail import enqueue_task_mail
from services.ports import UnitOfWork
from services.tasks import return_for_revision, transition

REVIEW = "review"  # submitted, waiting for the Office: shown apart from the four buckets
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


@dataclass(frozen=True)
class Cell:
    task_id: int
    key: str
    seq: int
    css: str  # a Bucket value, REVIEW, or "none" (not open yet / cancelled)
    due: str
    waiting: bool = False  # handed in, neither accepted nor returned yet


@dataclass
class Matrix:
    units: list[tuple[str, str]]
    activities: list[tuple[str, int, str]]
    stages: list[Stage]
    cells: dict[tuple[str, str, Stage], list[Cell]] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        """How many tasks shown wait for the Office's review (the bulk accept's count)."""
        return sum(c.waiting for cells in self.cells.values() for c in cells)


@dataclass(frozen=True)
class TaskView:
    task_id: int
    task: Task
    versions: list[Submission]
    evidence: list[Evidence]
    audit: list[AuditEntry]


def cell_class(task: Task, now: datetime) -> str:
    """The colour of a task's cell: its QĐ 42/2014 bucket, or "review" while the Office has
    not yet accepted a submission made in time."""
    found = bucket(task, now)
    if found is None:
        return "none"
    if task.state is TaskState.SUBMITTED and found is Bucket.DONE_ON_TIME:
        return REVIEW
    return found.value


def dashboard(
    ctx: PlanContext,
    *,
    now: datetime,
    unit: str = "",
    activity: str = "",
    css: str = "",
) -> Matrix:
    """Units × activities × stages; filters keep only the unit, activity or colour asked for."""
    with ctx.app.uow() as uow:
        tasks = uow.tasks.with_ids(plan=ctx.plan.code)
    cells: dict[tuple[str, str, Stage], list[Cell]] = defaultdict(list)
    for task_id, task, colour in filtered(tasks, now=now, unit=unit, activity=activity, css=css):
        key = task.key
        waiting = waiting_for_review(task)
        cell = Cell(task_id, str(key), key.seq, colour, dmy(task.due_on), waiting)
        cells[(key.unit, key.activity, key.stage)].append(cell)
    units = [(u.code, u.name) for u in ctx.directory.units if any(k[0] == u.code for k in cells)]
    year_end = ctx.plan.year_end_activity()  # a column once its report tasks exist
    shown = [*ctx.plan.activities, year_end]
    activities = [
        (a.code, a.number, a.title)
        for a in shown
        if (not activity or a.code == activity)
        and (a is not year_end or any(k[1] == year_end.code for k in cells))
    ]
    return Matrix(units, activities, list(Stage), dict(cells))


def filtered(
    tasks: Iterable[tuple[int, Task]], *, now: datetime, unit: str, activity: str, css: str
) -> list[tuple[int, Task, str]]:
    """The tasks the dashboard's filters keep (an empty filter keeps all), with their colour."""
    kept = []
    for task_id, task in tasks:
        key, colour = task.key, cell_class(task, now)
        if (unit and key.unit != unit) or (activity and key.activity != activity):
            continue
        if not css or colour == css:
            kept.append((task_id, task, colour))
    return kept


def task_view(ctx: PlanContext, task_id: int) -> TaskView:
    with ctx.app.uow() as uow:
        task = _get(uow, task_id).task
        versions = uow.submissions.versions(task_id)
        evidence = uow.submissions.evidence([task_id])
        audit = uow.audit.entries(entity="task", key=str(task.key))
    return TaskView(task_id, task, versions, evidence, audit)


def accept(ctx: PlanContext, task_id: int, *, at: datetime, by: str) -> None:
    with ctx.app.uow() as uow:
        transition(uow, _get(uow, task_id), Action.ACCEPT, at=at, by=by)
        uow.commit()


def return_task(ctx: PlanContext, task_id: int, *, at: datetime, by: str, reason: str) -> None:
    """Send a submission back; the unit gets the returned mail with the reason."""
    if not reason.strip():
        raise InvalidRequest("Cần ghi lý do trả lại")
    with ctx.app.uow() as uow:
        task = _get(uow, task_id).task
        return_for_revision(uow, ctx.mailer, task.key, at=at, by=by, reason=reason.strip())


def extend(
    ctx: PlanContext, task_id: int, *, due_on: date, at: datetime, by: str, reason: str
) -> date:
    with ctx.app.uow() as uow:
        task = _get(uow, task_id).task
    if due_on <= task.due_on:
        raise InvalidRequest(f"Hạn mới phải sau hạn hiện tại ({dmy(task.due_on)})")
    return stages.extend_due(ctx, task.key, due_on=due_on, at=at, by=by, reason=reason)


def reassign(
    ctx: PlanContext, task_id: int, *, to_unit: str, at: datetime, by: str, reason: str
) -> int:
    """Move the work to another unit: this task is cancelled, the other unit gets a new one
    (same stage, role and dates) and its assignment mail. The new task's id."""
    _need_reason(reason)
    target = ctx.directory.unit(to_unit)
    if target is None:
        raise InvalidRequest(f"Không có đơn vị {to_unit!r} trong danh bạ")
    with ctx.app.uow() as uow:
        stored = _get(uow, task_id)
        task = stored.task
        if task.state not in (TaskState.OPEN, TaskState.RETURNED):
            raise InvalidRequest("Chỉ giao lại được nhiệm vụ chưa hoàn thành")
        new_key = replace(task.key, unit=target.code)
        if uow.tasks.get(new_key, plan=ctx.plan.code) is not None:
            raise InvalidRequest(f"{target.name} đã có nhiệm vụ này")
        transition(uow, stored, Action.CANCEL, at=at, by=by, reason=f"giao lại: {reason}")
        new_task = Task(new_key, task.role, task.opens_on, task.due_on)
        new_id = uow.tasks.add(new_task, plan=ctx.plan.code, at=at, origin=OFFICE_ORIGIN)
        for key, other in ((task.key, new_key), (new_key, task.key)):
            _audit(uow, key, "task.reassigned", at, by, reason, {"unit": key.unit}, other)
        if task.opens_on <= local_date(at):
            enqueue_task_mail(
                uow, ctx.mailer, new_task, MailKind.TASK_ASSIGNED, now=at, task_id=new_id
            )
        uow.commit()
        return new_id


def delegate(
    ctx: PlanContext, task_id: int, *, name: str, email: str, at: datetime, by: str, reason: str
) -> None:
    """Hand the task to a named contact: its mails go to them, with the unit still informed."""
    _need_reason(reason)
    name, email = name.strip(), email.strip()
    if not name or not _EMAIL.match(email):
        raise InvalidRequest("Cần họ tên và địa chỉ thư điện tử hợp lệ của người được giao")
    with ctx.app.uow() as uow:
        task = _get(uow, task_id).task
        old = {"name": task.delegate_name, "email": task.delegate_email}
        changed = replace(task, delegate_name=name, delegate_email=email)
        uow.tasks.save(task_id, changed, at=at)
        _audit(uow, task.key, "task.delegated", at, by, reason, old, {"name": name, "email": email})
        count = sum(1 for e in uow.audit.entries(entity="task", key=str(task.key)))
        enqueue_task_mail(
            uow,
            ctx.mailer,
            changed,
            MailKind.TASK_ASSIGNED,
            now=at,
            task_id=task_id,
            rung=f"delegated-{count}",
        )
        uow.commit()


def reissue_link(ctx: PlanContext, task_id: int, *, at: datetime, by: str, reason: str) -> int:
    """Revoke the task's link and mail a new one; the new link generation."""
    _need_reason(reason)
    with ctx.app.uow() as uow:
        task = _get(uow, task_id).task
        generation = task.link_generation + 1
        changed = replace(task, link_generation=generation)
        uow.tasks.save(task_id, changed, at=at)
        old, new = {"link_generation": generation - 1}, {"link_generation": generation}
        _audit(uow, task.key, "task.link_reissued", at, by, reason, old, new)
        enqueue_task_mail(
            uow,
            ctx.mailer,
            changed,
            MailKind.TASK_ASSIGNED,
            now=at,
            task_id=task_id,
            rung=f"link-{generation}",
        )
        uow.commit()
        return generation


def _get(uow: UnitOfWork, task_id: int) -> StoredTask:
    found = uow.tasks.by_id(task_id)
    if found is None:
        raise NotFound(f"task #{task_id}")
    return found


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidRequest("Cần ghi lý do")


def _audit(
    uow: UnitOfWork,
    key: TaskKey,
    action: str,
    at: datetime,
    by: str,
    reason: str,
    old: dict[str, Any],
    new: Any,
) -> None:
    new_value = {"task": str(new)} if isinstance(new, TaskKey) else new
    uow.audit.record(
        at=at,
        actor=by,
        action=action,
        entity="task",
        key=str(key),
        reason=reason.strip(),
        old=old,
        new=new_value,
    )
