"""What an amended plan (kế hoạch điều chỉnh, bổ sung) tells the units: one mail to each
unit whose assigned work it cancelled or moved, listing every such task with its old and
new due day, queued in the publish's own transaction and never twice for one version.

Only tasks the unit knows of count: those whose assignment mail was queued. A task not yet
opened is simply rescheduled or cancelled; its assignment, when its window opens, carries
the new dates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from domain.policy import Audience, stage_label
from domain.task import DONE_STATES
from domain.vi import activity_tag, dmy
from notifications.content import MailKind
from services.mail import Mailer, enqueue_mail
from services.plans import TaskChange
from services.ports import UnitOfWork


def amendment_reason(version: int, reason: str = "") -> str:
    """What the audit log and the units read of an amendment's changes."""
    return f"Theo Kế hoạch điều chỉnh (phiên bản {version})" + (f": {reason}" if reason else "")


def notify_units(
    uow: UnitOfWork,
    mailer: Mailer,
    changes: list[TaskChange],
    *,
    version: int,
    reason: str,
    now: datetime,
) -> int:
    """Queue one PLAN_AMENDED mail per unit with assigned work changed; how many queued."""
    plan = mailer.plan
    assigned = f":{MailKind.TASK_ASSIGNED.value}:"
    keys = {c.key: f"{plan.code}:{c.key}{assigned}" for c in changes}
    known = uow.outbox.existing(list(keys.values()))
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for change in changes:
        if keys[change.key] in known:
            by_unit[change.key.unit].append(_line(uow, mailer, change))
    queued = 0
    for unit, lines in by_unit.items():
        found = mailer.directory.unit(unit)
        queued += enqueue_mail(
            uow,
            mailer,
            MailKind.PLAN_AMENDED,
            key=f"{plan.code}:amended:v{version}:{unit}",
            now=now,
            to=mailer.audience(Audience.UNIT_CONTACT, unit),
            context={
                "greeting": found.name if found else unit,
                "unit": found.name if found else unit,
                "version": version,
                "reason": reason,
                "changes": lines,
            },
        )
    return queued


def _line(uow: UnitOfWork, mailer: Mailer, change: TaskChange) -> dict[str, Any]:
    key = change.key
    activity = mailer.plan.activity(key.activity)
    stored = uow.tasks.get(key, plan=mailer.plan.code)
    handed_in = stored is not None and bool(uow.submissions.versions(stored.id))
    return {
        "stage": stage_label(key.stage, key.seq),
        "number": activity.number if activity else "",
        "tag": activity_tag(activity) if activity else "",  # "Hình thức 1. ", none for a task
        "title": activity.title if activity else key.activity,
        "cancelled": change.cancelled,
        "submitted": handed_in or (stored is not None and stored.task.state in DONE_STATES),
        "old_due": dmy(change.old_due),
        "new_due": dmy(change.new_due) if change.new_due else "",
    }
