"""The four status buckets of QĐ 42/2014/QĐ-TTg for a task at an instant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from domain.clock import as_utc, end_of_day, local_date
from domain.policy import Stage
from domain.task import DONE_STATES, Task, TaskState


class Bucket(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"


BUCKET_LABELS_VI = {
    Bucket.DONE_ON_TIME: "Hoàn thành đúng hạn",
    Bucket.DONE_LATE: "Hoàn thành quá hạn",
    Bucket.IN_PROGRESS: "Đang thực hiện trong hạn",
    Bucket.OVERDUE: "Quá hạn, chưa hoàn thành",
}
NOT_OPEN_VI = "Chưa đến thời gian thực hiện"  # a task whose window has not opened yet
CANCELLED_VI = "Đã hủy"


class Standing(NamedTuple):
    """What a task's bucket depends on, with the cell it fills in a status table: the table
    of an activity reads this for every unit on every pass, not whole tasks."""

    unit: str
    stage: Stage
    seq: int
    state: TaskState
    opens_on: date
    due_on: date
    submitted_at: datetime | None


def bucket(task: Task | Standing, now: datetime) -> Bucket | None:
    """The task's bucket at `now`; None when cancelled or not yet opened."""
    now = as_utc(now)
    if task.state is TaskState.CANCELLED or local_date(now) < task.opens_on:
        return None
    due_at = end_of_day(task.due_on)
    if task.state in DONE_STATES and task.submitted_at is not None:
        return Bucket.DONE_ON_TIME if task.submitted_at < due_at else Bucket.DONE_LATE
    return Bucket.IN_PROGRESS if now < due_at else Bucket.OVERDUE


def tally(tasks: Iterable[Task], now: datetime) -> Counter[Bucket]:
    """How many tasks sit in each bucket at `now`."""
    return Counter(b for t in tasks if (b := bucket(t, now)) is not None)
