"""Accepting what units handed in without a click per task: by the plan's review policy in the
daily sweep, and all the waiting tasks of a dashboard filter at once for the Office."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from domain.acceptance import (
    AUTO_ACCEPT_ACTOR,
    auto_accept_reason,
    review_lapsed,
    waiting_for_review,
)
from domain.task import Action, Task, TaskKey, TaskState
from services.context import PlanContext
from services.office import filtered
from services.ports import UnitOfWork
from services.tasks import transition


def auto_accept(
    ctx: PlanContext, *, now: datetime, waiting: list[tuple[int, Task]] | None = None
) -> list[str]:
    """Accept every submission the Office left unreturned past the plan's review time; the
    keys accepted now (none a second time: an accepted task no longer waits). `waiting`: the
    plan's submitted tasks, when read already (nothing to read, nothing to write when none)."""
    policy, calendar = ctx.plan.policy.review, ctx.app.calendar
    if not policy.auto_accept:
        return []

    def lapsed(task: Task) -> bool:
        return review_lapsed(task, now=now, calendar=calendar, policy=policy)

    reason = auto_accept_reason(policy, ctx.plan.number_symbol)
    if waiting is not None and not any(lapsed(task) for _id, task in waiting):
        return []
    with ctx.app.uow() as uow:
        if waiting is None:
            waiting = uow.tasks.with_ids(plan=ctx.plan.code, states=[TaskState.SUBMITTED])
        due = [i for i, task in waiting if lapsed(task)]
        keys = accept(uow, due, at=now, by=AUTO_ACCEPT_ACTOR, reason=reason, still=lapsed)
        uow.commit()
    return [str(key) for key in keys]


def accept_filtered(
    ctx: PlanContext, *, now: datetime, by: str, unit: str = "", activity: str = "", css: str = ""
) -> int:
    """The Office accepts every task of a dashboard filter waiting for its review, in one
    transaction, each audit-logged as its own decision; how many were accepted."""
    with ctx.app.uow() as uow:
        tasks = uow.tasks.with_ids(plan=ctx.plan.code)
        kept = filtered(tasks, now=now, unit=unit, activity=activity, css=css)
        ids = [task_id for task_id, task, _colour in kept if waiting_for_review(task)]
        keys = accept(uow, ids, at=now, by=by, reason="", still=waiting_for_review)
        uow.commit()
    return len(keys)


def accept(
    uow: UnitOfWork,
    task_ids: Iterable[int],
    *,
    at: datetime,
    by: str,
    reason: str,
    still: Callable[[Task], bool],
) -> list[TaskKey]:
    """Accept each task through its state machine, as the Office's accept does; a task read
    again that `still` no longer holds for (returned, amended meanwhile) is left alone."""
    accepted = []
    ids = list(task_ids)
    found = uow.tasks.by_ids(ids)
    for task_id in ids:
        stored = found.get(task_id)
        if stored is None or not still(stored.task):
            continue
        transition(uow, stored, Action.ACCEPT, at=at, by=by, reason=reason)
        accepted.append(stored.task.key)
    return accepted
