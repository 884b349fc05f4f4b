"""Task lifecycle: open → submitted → accepted, submitted → returned → submitted, cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import IllegalTransition
from domain.policy import Role, Stage
from domain.task import Action, Task, TaskKey, TaskState

AT = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def make(state: TaskState = TaskState.OPEN) -> Task:
    key = TaskKey("iso-training", "TDC", Stage.PLAN)
    return Task(
        key=key, role=Role.LEAD, opens_on=date(2025, 4, 1), due_on=date(2025, 4, 16), state=state
    )


def test_happy_path_submit_then_accept() -> None:
    task, event = make().apply(Action.SUBMIT, at=AT)
    assert (event.old, event.new) == (TaskState.OPEN, TaskState.SUBMITTED)
    assert task.submitted_at == AT
    task, _ = task.apply(Action.ACCEPT, at=AT)
    assert task.state is TaskState.ACCEPTED


def test_returned_task_can_be_submitted_again() -> None:
    task, _ = make(TaskState.SUBMITTED).apply(Action.RETURN, at=AT, reason="Thiếu minh chứng")
    assert (task.state, task.reason) == (TaskState.RETURNED, "Thiếu minh chứng")
    task, _ = task.apply(Action.SUBMIT, at=AT)
    assert task.state is TaskState.SUBMITTED


def test_return_needs_a_reason() -> None:
    with pytest.raises(IllegalTransition, match="reason"):
        make(TaskState.SUBMITTED).apply(Action.RETURN, at=AT, reason="  ")


# Written out by hand from DESIGN.md §5, not derived from domain.task.TRANSITIONS.
LEGAL = [
    (TaskState.OPEN, Action.SUBMIT, TaskState.SUBMITTED),
    (TaskState.OPEN, Action.CANCEL, TaskState.CANCELLED),
    (TaskState.SUBMITTED, Action.SUBMIT, TaskState.SUBMITTED),  # an amendment, until due
    (TaskState.SUBMITTED, Action.ACCEPT, TaskState.ACCEPTED),
    (TaskState.SUBMITTED, Action.RETURN, TaskState.RETURNED),
    (TaskState.SUBMITTED, Action.CANCEL, TaskState.CANCELLED),
    (TaskState.RETURNED, Action.SUBMIT, TaskState.SUBMITTED),
    (TaskState.RETURNED, Action.CANCEL, TaskState.CANCELLED),
]
ILLEGAL = [
    (TaskState.OPEN, Action.ACCEPT),  # nothing handed in to accept
    (TaskState.OPEN, Action.RETURN),
    (TaskState.RETURNED, Action.ACCEPT),  # the unit has not handed in again
    (TaskState.RETURNED, Action.RETURN),
    (TaskState.ACCEPTED, Action.SUBMIT),  # accepted is final
    (TaskState.ACCEPTED, Action.ACCEPT),
    (TaskState.ACCEPTED, Action.RETURN),
    (TaskState.ACCEPTED, Action.CANCEL),
    (TaskState.CANCELLED, Action.SUBMIT),  # cancelled is final
    (TaskState.CANCELLED, Action.ACCEPT),
    (TaskState.CANCELLED, Action.RETURN),
    (TaskState.CANCELLED, Action.CANCEL),
]


@pytest.mark.parametrize(("state", "action", "after"), LEGAL)
def test_each_legal_transition_lands_where_the_design_says(
    state: TaskState, action: Action, after: TaskState
) -> None:
    before_due = datetime(2025, 4, 10, 3, 0, tzinfo=UTC)  # amendments still open
    task, event = make(state).apply(action, at=before_due, reason="x")
    assert (event.old, event.new, task.state) == (state, after, after)


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_every_other_transition_is_illegal(state: TaskState, action: Action) -> None:
    with pytest.raises(IllegalTransition):
        make(state).apply(action, at=AT, reason="x")


def test_the_two_lists_cover_every_pair() -> None:
    pairs = {(s, a) for s, a, _ in LEGAL} | set(ILLEGAL)
    assert len(pairs) == len(LEGAL) + len(ILLEGAL) == len(TaskState) * len(Action)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        make().apply(Action.SUBMIT, at=datetime(2025, 6, 1))


def test_an_amendment_is_possible_until_the_due_date() -> None:
    submitted, _ = make().apply(Action.SUBMIT, at=AT.replace(month=4, day=10))
    amended, event = submitted.apply(Action.SUBMIT, at=AT.replace(month=4, day=15))
    assert (event.old, event.new) == (TaskState.SUBMITTED, TaskState.SUBMITTED)
    assert amended.submitted_at == AT.replace(month=4, day=15)
    with pytest.raises(IllegalTransition, match="amendments closed"):
        submitted.apply(Action.SUBMIT, at=AT.replace(month=4, day=17))
