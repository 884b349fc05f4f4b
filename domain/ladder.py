"""The escalation ladder as a pure function: which notice a task is due at an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.policy import Audience, NoticeKind, Rung
from domain.task import ACTIVE_STATES, Task, TaskKey


@dataclass(frozen=True)
class Notice:
    """A reminder, chase or escalation due for a task; (task, kind, rung) is its identity."""

    task: TaskKey
    kind: NoticeKind
    rung: str
    on: date
    to: tuple[Audience, ...]
    cc: tuple[Audience, ...] = ()

    @property
    def idempotency_key(self) -> str:
        return f"{self.task}:{self.kind.value}:{self.rung}"

    @property
    def reaches_head(self) -> bool:
        """The unit head is addressed (a chase copies the head): its mail links the unit's page."""
        return Audience.UNIT_HEAD in (*self.to, *self.cc)


def rung_date(due_on: date, rung: Rung, calendar: WorkingCalendar) -> date:
    """The working day a rung falls on, counted in working days from the due day."""
    return calendar.add_working_days(calendar.due_by(due_on), rung.offset)


def notices_due(
    task: Task, now: datetime, calendar: WorkingCalendar, ladder: list[Rung]
) -> list[Notice]:
    """The notice due for `task` at `now`: the latest rung reached, never on a day off.

    Only the latest rung is returned so that a sweep that missed a day catches up with one
    notice, not a burst of stale ones; the outbox's idempotency key makes repeats harmless.
    Rungs that fall before the task opened are skipped (the assignment mail covers them).
    """
    today = local_date(now)
    if task.state not in ACTIVE_STATES or not calendar.is_working_day(today):
        return []
    reached = [
        (day, rung)
        for rung in ladder
        if task.opens_on <= (day := rung_date(task.due_on, rung, calendar)) <= today
    ]
    if not reached:
        return []
    day, rung = max(reached, key=lambda pair: (pair[0], pair[1].offset))
    return [Notice(task.key, rung.kind, rung.name, day, tuple(rung.to), tuple(rung.cc))]
