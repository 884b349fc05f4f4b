"""A unit's reminders and chases of one morning in one mail, grouped by urgency, each task
with its own link and due date; the mail refers to each task's thread."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.clock import local_date
from domain.ladder import Notice
from domain.mail import Mailbox, OutgoingMail, message_id, thread_id
from domain.policy import Audience, NoticeKind
from domain.task import Task
from notifications.content import MailKind, reminder_lead
from services.mail import Mailer
from services.ports import UnitOfWork

# The groups of a digest, most urgent first.
OVERDUE, DUE_TODAY, DUE_SOON = "Quá hạn", "Đến hạn hôm nay", "Sắp đến hạn"


@dataclass(frozen=True)
class Fired:
    """A rung that fired for a task: what a digest carries."""

    task_id: int
    task: Task
    notice: Notice

    @property
    def identity(self) -> tuple[int, str, str]:
        return (self.task_id, self.notice.kind.value, self.notice.rung)


def digest_key(mailer: Mailer, unit: str, items: list[Fired]) -> str:
    """Covers every rung carried: the same rungs give the same key, other rungs another."""
    rungs = sorted(i.notice.idempotency_key for i in items)
    digest = hashlib.sha256("\n".join(rungs).encode()).hexdigest()[:16]
    return f"{mailer.plan.code}:{unit}:{MailKind.UNIT_DIGEST.value}:{digest}"


def enqueue_digest(
    uow: UnitOfWork, mailer: Mailer, unit: str, items: list[Fired], *, now: datetime
) -> bool:
    """Queue one mail for `unit` carrying every rung in `items`, and record that it carries
    them; False (nothing queued) when that mail was queued before."""
    key = digest_key(mailer, unit, items)
    if uow.outbox.exists(key):
        return False
    mail = _build(mailer, unit, items, key=key, now=now)
    queued = uow.outbox.enqueue(
        mail,
        key=key,
        kind=MailKind.UNIT_DIGEST.value,
        task_id=None,
        not_before=mailer.not_before(now),
    )
    uow.notices.carried_by([i.identity for i in items], key)
    return queued


def _build(
    mailer: Mailer, unit: str, items: list[Fired], *, key: str, now: datetime
) -> OutgoingMail:
    today = local_date(now)
    groups: dict[str, list[dict[str, Any]]] = {OVERDUE: [], DUE_TODAY: [], DUE_SOON: []}
    for item in sorted(items, key=lambda i: (i.task.due_on, str(i.task.key))):
        values = mailer.task_context(item.task, today=today)
        values["lead"] = reminder_lead(values["days_left"])
        groups[_group(item, values["days_left"])].append(values)
    found = mailer.directory.unit(unit)
    context = {
        "plan": mailer.plan_context(),
        "greeting": found.name if found else unit,
        "unit": found.name if found else unit,
        "groups": [{"label": label, "tasks": tasks} for label, tasks in groups.items() if tasks],
        "count": len(items),
        "overdue": len(groups[OVERDUE]),
        "head_link": mailer.head_link(unit, today=today) if _to_head(items) else "",
    }
    content = mailer.renderer.render(MailKind.UNIT_DIGEST, context, key=key)
    domain = mailer.settings.domain
    threads = tuple(
        dict.fromkeys(thread_id(f"{mailer.plan.code}:{i.task.key}", domain) for i in items)
    )
    return OutgoingMail(
        message_id=message_id(key, domain),
        sender=mailer.sender,
        to=_boxes(mailer, items, cc=False),
        cc=_boxes(mailer, items, cc=True),
        content=content,
        date=now,
        references=threads,  # each task's thread, where the mail client follows references
        rehearsal=mailer.plan.rehearsal,
    )


def _to_head(items: Iterable[Fired]) -> bool:
    """A chase among the rungs: the head is addressed and gets the unit's page."""
    return any(i.notice.reaches_head for i in items)


def _group(item: Fired, days_left: int) -> str:
    if item.notice.kind is NoticeKind.OVERDUE or days_left < 0:
        return OVERDUE
    return DUE_TODAY if days_left == 0 else DUE_SOON


def _boxes(mailer: Mailer, items: Iterable[Fired], *, cc: bool) -> tuple[Mailbox, ...]:
    """Every addressee the rungs name (the unit, a task's delegate; in copy the head when a
    chase is among them), each once; nobody both in To and in Cc."""
    found: dict[str, Mailbox] = {}
    for item in items:
        audiences: tuple[Audience, ...] = item.notice.cc if cc else item.notice.to
        for who in audiences:
            for box in mailer.audience(who, item.task.key.unit, item.task):
                found.setdefault(box.email, box)
    if cc:
        direct = {b.email for b in _boxes(mailer, items, cc=False)}
        return tuple(b for e, b in found.items() if e not in direct)
    return tuple(found.values())
