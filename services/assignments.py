"""Assignment mails: a unit's assignments that wait for the same sending time go out in one
mail (when the unit takes digests), each task with its own link, due date and calendar
event; a unit that asked for one mail per task gets one per task.

Every assignment keeps its own outbox row under its own key, so that nothing is ever
assigned twice; a row a batch mail carries is "merged" and names that mail. The batch mail's
key covers every assignment it carries: a later assignment of the same sending time makes a
new batch mail that carries the earlier ones too, and the earlier mail is merged into it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from domain.clock import local_date
from domain.errors import NotFound
from domain.mail import OutgoingMail, Waiting, message_id, thread_id
from domain.policy import Audience
from domain.task import Task
from notifications.content import MailKind
from services.mail import Mailer, build_task_mail, enqueue_task_mail, task_event
from services.ports import UnitOfWork

ASSIGNED, BATCH = MailKind.TASK_ASSIGNED, MailKind.ASSIGNMENT_DIGEST


def enqueue_assignments(
    uow: UnitOfWork, mailer: Mailer, tasks: list[tuple[int, Task]], *, now: datetime
) -> int:
    """Queue the assignment of each (row id, task) not mailed yet; how many new. What is
    queued already is read in one query: a waiting stage passes here again and again."""
    queued_before = uow.outbox.existing([mailer.key(task, ASSIGNED) for _id, task in tasks])
    new = 0
    for task_id, task in tasks:
        if mailer.key(task, ASSIGNED) in queued_before:
            continue
        if _batched(mailer, task):
            new += _enqueue_in_batch(uow, mailer, task_id, task, now=now)
        else:
            new += enqueue_task_mail(uow, mailer, task, ASSIGNED, now=now, task_id=task_id)
    return new


def _batched(mailer: Mailer, task: Task) -> bool:
    """A unit that takes digests (the default); a task given to a delegate goes alone."""
    found = mailer.directory.unit(task.key.unit)
    return not task.delegate_email and (found is None or found.reminders == "digest")


def batch_name(mailer: Mailer, unit: str, slot: datetime) -> str:
    """A unit's assignments that may go on the same day (office hours kept) share a batch."""
    return f"{mailer.plan.code}:{unit}:{ASSIGNED.value}:{local_date(slot).isoformat()}"


def batch_key(mailer: Mailer, unit: str, keys: list[str]) -> str:
    """Covers every assignment carried: the same assignments give the same key."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
    return f"{mailer.plan.code}:{unit}:{BATCH.value}:{digest}"


def _enqueue_in_batch(
    uow: UnitOfWork, mailer: Mailer, task_id: int, task: Task, *, now: datetime
) -> bool:
    key, mail = build_task_mail(mailer, task, ASSIGNED, now=now)
    slot, unit = mailer.not_before(now), task.key.unit
    batch = batch_name(mailer, unit, slot)
    waiting = uow.outbox.waiting(batch)
    if not waiting:  # the first of its sending time goes as it is, unless another joins it
        return uow.outbox.enqueue(
            mail, key=key, kind=ASSIGNED.value, task_id=task_id, not_before=slot, batch=batch
        )
    slot = min([slot, *(w.not_before for w in waiting if w.not_before)])  # none waits longer
    carried = [*_carried(uow, waiting), Waiting(0, key, ASSIGNED.value, task_id)]
    into = batch_key(mailer, unit, [c.key for c in carried])
    uow.outbox.enqueue(
        mail,
        key=key,
        kind=ASSIGNED.value,
        task_id=task_id,
        not_before=slot,
        batch=batch,
        carried_by=into,
    )
    uow.outbox.merge([w.id for w in waiting], into)
    tasks = [*_tasks(uow, [c.task_id for c in carried[:-1]]), task]
    uow.outbox.enqueue(
        _batch_mail(mailer, unit, tasks, key=into, now=now),
        key=into,
        kind=BATCH.value,
        task_id=None,
        not_before=slot,
        batch=batch,
    )
    return True


def _carried(uow: UnitOfWork, waiting: list[Waiting]) -> list[Waiting]:
    """The assignments the waiting mails of a batch carry: their own, or a batch mail's."""
    found: list[Waiting] = []
    for mail in waiting:
        if mail.kind == BATCH.value:
            found += [c for c in uow.outbox.carried(mail.key) if c.kind == ASSIGNED.value]
        else:
            found.append(mail)
    return found


def _tasks(uow: UnitOfWork, task_ids: list[int | None]) -> list[Task]:
    """The tasks the carried assignments name, in their order (read in one query)."""
    found = uow.tasks.by_ids([i for i in task_ids if i is not None])
    missing = [i for i in task_ids if i is None or i not in found]
    if missing:
        raise NotFound(f"an assignment in the outbox names no task (id {missing[0]})")
    return [found[i].task for i in task_ids if i is not None]


def _batch_mail(
    mailer: Mailer, unit: str, tasks: list[Task], *, key: str, now: datetime
) -> OutgoingMail:
    today, domain = local_date(now), mailer.settings.domain
    ordered = sorted(tasks, key=lambda t: (t.due_on, str(t.key)))
    values: list[dict[str, Any]] = [mailer.task_context(t, today=today) for t in ordered]
    threads = [thread_id(f"{mailer.plan.code}:{t.key}", domain) for t in ordered]
    events = [
        task_event(t, v, thread, now=now, filename=f"han-nhiem-vu-{i}.ics")
        for i, (t, v, thread) in enumerate(zip(ordered, values, threads, strict=True), 1)
    ]
    found = mailer.directory.unit(unit)
    name = found.name if found else unit
    context = {
        "plan": mailer.plan_context(),
        "greeting": name,
        "unit": name,
        "tasks": values,
        "count": len(values),
    }
    return OutgoingMail(
        message_id=message_id(key, domain),
        sender=mailer.sender,
        to=tuple(mailer.audience(Audience.UNIT_CONTACT, unit)),
        cc=(),
        content=mailer.renderer.render(BATCH, context, key=key, attachments=events),
        date=now,
        references=tuple(threads),  # each task's thread, where the mail client follows them
        rehearsal=mailer.plan.rehearsal,
    )
