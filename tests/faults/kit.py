"""What the fault tests share."""

from __future__ import annotations

from domain.task import TaskState
from services.context import PlanContext
from services.tasks import submit


def hand_in_everything(ctx: PlanContext, *, activity: str | None = None) -> int:
    """Every unit hands in every open task of the plan (or of one activity), now; how many."""
    handed = 0
    with ctx.app.uow() as uow:
        for task in uow.tasks.find(plan=ctx.plan.code):
            if task.state is TaskState.OPEN and activity in (None, task.key.activity):
                submit(
                    uow,
                    ctx.mailer,
                    task.key,
                    at=ctx.app.clock.now(),  # the stack's own clock: the system's
                    by=f"unit:{task.key.unit}",
                    payload={"content": "Đã thực hiện"},
                )
                handed += 1
    return handed
