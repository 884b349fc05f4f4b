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
from dataclasses import dataclass
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
    queued already, the batches' waiting mails and the tasks those carry are read in one
    query each, whatever the number of units: a waiting stage passes here again and again."""
    queued_before = uow.outbox.existing([mailer.key(task, ASSIGNED) for _id, task in tasks])
    slot = mailer.not_before(now)
    new = 0
    batches: dict[str, list[tuple[int, Task]]] = {}
    for task_id, task in tasks:
        if mailer.key(task, ASSIGNED) in queued_before:
            continue
        if _batched(mailer, task):
            batch = batch_name(mailer, task.key.unit, slot)
            batches.setdefault(batch, []).append((task_id, task))
        else:
            new += enqueue_task_mail(uow, mailer, task, ASSIGNED, now=now, task_id=task_id)
    if batches:
        found = _Found.read(uow, list(batches))
        for batch, joining in batches.items():
            new += _enqueue_in_batch(uow, mailer, batch, joining, found, now=now)
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


@dataclass(frozen=True)
class _Found:
    """What the batches joined already hold: their waiting mails, the assignments each
    waiting batch mail carries, and the tasks of those assignments by row id."""

    waiting: dict[str, list[Waiting]]
    carried: dict[str, list[Waiting]]
    tasks: dict[int, Task]

    @classmethod
    def read(cls, uow: UnitOfWork, batches: list[str]) -> _Found:
        waiting = uow.outbox.waiting_in(batches)
        mails = [m.key for found in waiting.values() for m in found if m.kind == BATCH.value]
        carried = uow.outbox.carried_in(mails)
        ids = [m.task_id for found in waiting.values() for m in found if m.kind != BATCH.value]
        ids += [c.task_id for found in carried.values() for c in found]
        stored = uow.tasks.by_ids([i for i in ids if i is not None])
        return cls(waiting, carried, {i: s.task for i, s in stored.items()})

    def assignments(self, batch: str) -> list[Waiting]:
        """The assignments the waiting mails of `batch` carry: their own, or a batch mail's."""
        found: list[Waiting] = []
        for mail in self.waiting.get(batch, []):
            if mail.kind == BATCH.value:
                found += [c for c in self.carried.get(mail.key, []) if c.kind == ASSIGNED.value]
            else:
                found.append(mail)
        return found

    def task(self, carried: Waiting) -> Task:
        """The task a carried assignment names; NotFound when the outbox names none."""
        if carried.task_id is None or carried.task_id not in self.tasks:
            raise NotFound(f"an assignment in the outbox names no task (id {carried.task_id})")
        return self.tasks[carried.task_id]


def _enqueue_in_batch(
    uow: UnitOfWork,
    mailer: Mailer,
    batch: str,
    joining: list[tuple[int, Task]],
    found: _Found,
    *,
    now: datetime,
) -> int:
    """Queue the assignments `joining` a batch: the first of its sending time goes as it is,
    unless another joins it; else one batch mail carries every assignment of the batch, and
    the mails waiting before are merged into it."""
    built = [
        (task_id, task, *build_task_mail(mailer, task, ASSIGNED, now=now))
        for task_id, task in joining
    ]
    slot, unit = mailer.not_before(now), joining[0][1].key.unit
    waiting = found.waiting.get(batch, [])
    if not waiting and len(built) == 1:
        task_id, _task, key, mail = built[0]
        return int(
            uow.outbox.enqueue(
                mail, key=key, kind=ASSIGNED.value, task_id=task_id, not_before=slot, batch=batch
            )
        )
    slot = min([slot, *(w.not_before for w in waiting if w.not_before)])  # none waits longer
    earlier = found.assignments(batch)
    carried = [
        *earlier,
        *(Waiting(0, key, ASSIGNED.value, task_id) for task_id, _t, key, _m in built),
    ]
    into = batch_key(mailer, unit, [c.key for c in carried])
    for task_id, _task, key, mail in built:
        uow.outbox.enqueue(
            mail,
            key=key,
            kind=ASSIGNED.value,
            task_id=task_id,
            not_before=slot,
            batch=batch,
            carried_by=into,
        )
    if waiting:
        uow.outbox.merge(waiting, into)
    tasks = [*(found.task(c) for c in earlier), *(task for _id, task, _k, _m in built)]
    uow.outbox.enqueue(
        _batch_mail(mailer, unit, tasks, key=into, now=now),
        key=into,
        kind=BATCH.value,
        task_id=None,
        not_before=slot,
        batch=batch,
    )
    return len(built)


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
