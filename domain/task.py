"""A Task (unit × activity × stage) and its lifecycle as an explicit state machine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain.clock import as_utc, end_of_day
from domain.errors import IllegalTransition
from domain.policy import Role, Stage


@dataclass(frozen=True, order=True)
class TaskKey:
    """What makes a task unique: activity, unit, stage and the check-in number (1 if single)."""

    activity: str
    unit: str
    stage: Stage
    seq: int = 1

    def __str__(self) -> str:
        return f"{self.activity}/{self.unit}/{self.stage.value}#{self.seq}"


class TaskState(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    CANCEL = "cancel"


# (state, action) → next state; everything else is illegal. Cancelled and accepted are final.
TRANSITIONS: dict[tuple[TaskState, Action], TaskState] = {
    (TaskState.OPEN, Action.SUBMIT): TaskState.SUBMITTED,
    (TaskState.RETURNED, Action.SUBMIT): TaskState.SUBMITTED,
    (TaskState.SUBMITTED, Action.SUBMIT): TaskState.SUBMITTED,  # an amendment, until due
    (TaskState.SUBMITTED, Action.ACCEPT): TaskState.ACCEPTED,
    (TaskState.SUBMITTED, Action.RETURN): TaskState.RETURNED,
    (TaskState.OPEN, Action.CANCEL): TaskState.CANCELLED,
    (TaskState.SUBMITTED, Action.CANCEL): TaskState.CANCELLED,
    (TaskState.RETURNED, Action.CANCEL): TaskState.CANCELLED,
}

ACTIVE_STATES = frozenset({TaskState.OPEN, TaskState.RETURNED})  # still waiting for the unit
DONE_STATES = frozenset({TaskState.SUBMITTED, TaskState.ACCEPTED})


@dataclass(frozen=True)
class TaskChanged:
    """Event: a task moved from one state to another."""

    key: TaskKey
    action: Action
    old: TaskState
    new: TaskState
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class Task:
    """One unit's work in one stage of one activity; overdue is derived, never stored."""

    key: TaskKey
    role: Role
    opens_on: date
    due_on: date
    state: TaskState = TaskState.OPEN
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    reason: str = ""
    link_generation: int = 1  # the Office revokes a link by moving to the next generation
    delegate_name: str = ""  # a contact the Office delegated the task to, if any
    delegate_email: str = ""

    @property
    def due_at(self) -> datetime:
        """The instant the due day ends (24:00 local)."""
        return end_of_day(self.due_on)

    def apply(self, action: Action, *, at: datetime, reason: str = "") -> tuple[Task, TaskChanged]:
        """The task after `action`, and the event; IllegalTransition if not allowed."""
        new = TRANSITIONS.get((self.state, action))
        if new is None:
            raise IllegalTransition(
                f"task {self.key}: cannot {action.value} when {self.state.value}"
            )
        if action is Action.RETURN and not reason.strip():
            raise IllegalTransition(f"task {self.key}: a return needs a reason")
        at = as_utc(at)
        if self.state is TaskState.SUBMITTED and action is Action.SUBMIT and at >= self.due_at:
            raise IllegalTransition(f"task {self.key}: amendments closed when it fell due")
        changed = replace(self, state=new, reason=reason)
        if action is Action.SUBMIT:
            changed = replace(changed, submitted_at=at, decided_at=None)
        elif action in (Action.ACCEPT, Action.RETURN, Action.CANCEL):
            changed = replace(changed, decided_at=at)
        return changed, TaskChanged(self.key, action, self.state, new, at, reason)


def takes_answers(task: Task, *, now: datetime) -> bool:
    """Whether the unit's form is open: the task waits for it, or it was handed in and may
    still be amended until it falls due — unless it was accepted (by the Office or by the
    plan's review policy), which is final."""
    return task.state in ACTIVE_STATES or (task.state is TaskState.SUBMITTED and now < task.due_at)
