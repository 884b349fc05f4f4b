"""The monthly summary to each unit head (plan section VI.2: the head follows the unit's
progress and reports difficulties): on the first working day of a month, how many of the
unit's tasks sit in each status bucket, those overdue and those due this month, with the
signed link to the unit's page. Once per unit and month; a unit with nothing open gets none."""

from __future__ import annotations

import calendar as months
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.policy import Audience, stage_label
from domain.status import BUCKET_LABELS_VI, Bucket, bucket, tally
from domain.task import Task, TaskState
from domain.vi import activity_heading, dmy
from notifications.content import MailKind
from services.mail import Mailer, enqueue_mail
from services.ports import UnitOfWork


def first_working_day_of_month(cal: WorkingCalendar, day: date) -> bool:
    return cal.is_working_day(day) and not any(
        cal.is_working_day(day.replace(day=d)) for d in range(1, day.day)
    )


def summary_key(plan: str, unit: str, day: date) -> str:
    return f"{plan}:{unit}:{MailKind.HEAD_SUMMARY.value}:{day:%Y-%m}"


def send_head_summaries(uow: UnitOfWork, mailer: Mailer, *, now: datetime) -> int:
    """Queue this month's summary to every head whose unit has work open; how many queued
    (none but on the month's first working day, none a second time)."""
    today = local_date(now)
    if not first_working_day_of_month(mailer.calendar, today):
        return 0
    by_unit: dict[str, list[Task]] = defaultdict(list)
    for task in uow.tasks.find(plan=mailer.plan.code):
        by_unit[task.key.unit].append(task)
    queued = 0
    for unit, tasks in sorted(by_unit.items()):
        context = _context(mailer, unit, tasks, now=now)
        heads = mailer.audience(Audience.UNIT_HEAD, unit)
        if context is None or not heads:
            continue
        queued += enqueue_mail(
            uow,
            mailer,
            MailKind.HEAD_SUMMARY,
            key=summary_key(mailer.plan.code, unit, today),
            now=now,
            to=heads,
            context=context,
        )
    uow.commit()
    return queued


def _context(
    mailer: Mailer, unit: str, tasks: list[Task], *, now: datetime
) -> dict[str, Any] | None:
    today = local_date(now)
    month_end = today.replace(day=months.monthrange(today.year, today.month)[1])
    overdue = [t for t in tasks if bucket(t, now) is Bucket.OVERDUE]
    coming = [
        t
        for t in tasks
        if t.state in (TaskState.OPEN, TaskState.RETURNED)
        and today <= t.due_on <= month_end
        and bucket(t, now) is not Bucket.OVERDUE
    ]
    counts = tally(tasks, now)
    if not overdue and not coming and not counts[Bucket.IN_PROGRESS]:
        return None
    found = mailer.directory.unit(unit)
    name = found.name if found else unit
    return {
        "greeting": found.head.name if found and found.head.name else f"Thủ trưởng {name}",
        "unit": name,
        "plan": mailer.plan_context(),
        "month": f"{today.month:02d}/{today.year}",
        "on": dmy(today),
        "counts": [{"label": BUCKET_LABELS_VI[b], "n": counts[b]} for b in Bucket],
        "overdue": [_row(mailer, t, today) for t in sorted(overdue, key=_order)],
        "coming": [_row(mailer, t, today) for t in sorted(coming, key=_order)],
        "head_link": mailer.head_link(unit, today=today),
    }


def _order(task: Task) -> tuple[date, str]:
    return task.due_on, str(task.key)


def _row(mailer: Mailer, task: Task, today: date) -> dict[str, Any]:
    activity = mailer.plan.activity(task.key.activity)
    label, name = activity_heading(activity) if activity else ("Hình thức", task.key.activity)
    return {
        "activity": f"{label}: {name}",
        "stage": stage_label(task.key.stage, task.key.seq),
        "due": dmy(task.due_on),
        "days_late": -mailer.calendar.working_days_until(today, task.due_on),
    }
