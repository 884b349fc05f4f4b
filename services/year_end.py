"""The year-end collection: the unit report tasks, how far they are, and each unit's form
prefilled from what it already reported (the report itself: services/report_draft.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.clock import end_of_day, local_date
from domain.errors import NotFound
from domain.phrases import TimeWindow
from domain.policy import Stage
from domain.records import YEAR_END_ORIGIN, StoredTask
from domain.task import ACTIVE_STATES, DONE_STATES, Task, TaskState
from domain.year_end import YEAR_END, unit_report_tasks, year_end_dates
from services.assignments import enqueue_assignments
from services.context import PlanContext
from services.ports import UnitOfWork


@dataclass(frozen=True)
class Collection:
    """How far the unit reports are: in, expected, and who is still missing."""

    done: int
    total: int
    missing: list[str]
    cut_off_passed: bool

    @property
    def finished(self) -> bool:
        return self.done >= self.total or self.cut_off_passed


def open_unit_reports(ctx: PlanContext, *, now: datetime) -> int:
    """Create the unit report tasks (once) and mail every one already open (once ever);
    how many mails were newly queued."""
    plan, today = ctx.plan, local_date(now)
    tasks = unit_report_tasks(plan, ctx.directory, ctx.app.calendar)
    with ctx.app.uow() as uow:
        stored = _ensure_tasks(uow, ctx, tasks, now=now)
        open_now: list[tuple[int, Task]] = [
            (stored[t.key.unit].id, t)
            for t in tasks
            if t.opens_on <= today and stored[t.key.unit].task.state in ACTIVE_STATES
        ]
        queued = enqueue_assignments(uow, ctx.mailer, open_now, now=now)
        uow.commit()
    return queued


def _ensure_tasks(
    uow: UnitOfWork, ctx: PlanContext, tasks: list[Task], *, now: datetime
) -> dict[str, StoredTask]:
    """The unit report tasks by unit, created the first time (the plan's own are kept)."""
    code = ctx.plan.code
    if uow.plans.stored(code) is None:
        raise NotFound(f"plan {code!r} is not loaded")
    dates = year_end_dates(ctx.plan, ctx.app.calendar)
    year_end = ctx.plan.year_end_activity()
    window = TimeWindow(dates.opens_on, dates.unit_due, year_end.window)
    uow.plans.save_activity(code, year_end.number, YEAR_END, year_end.title, window)
    existing = uow.tasks.keyed(plan=code, activity=YEAR_END)
    stored: dict[str, StoredTask] = {}
    for task in tasks:
        found = existing.get(task.key)
        if found is None:
            new_id = uow.tasks.add(task, plan=code, at=now, origin=YEAR_END_ORIGIN)
            found = StoredTask(new_id, task, YEAR_END_ORIGIN)
        stored[task.key.unit] = found
    return stored


def collection(ctx: PlanContext, *, now: datetime) -> Collection:
    dates = year_end_dates(ctx.plan, ctx.app.calendar)
    names = {u.code: u.name for u in ctx.directory.units}
    with ctx.app.uow() as uow:
        tasks = [
            t
            for _id, t in uow.tasks.slot(
                plan=ctx.plan.code, activity=YEAR_END, stage=Stage.REPORT, seq=1
            )
        ]
    live = [t for t in tasks if t.state is not TaskState.CANCELLED]
    missing = [names.get(t.key.unit, t.key.unit) for t in live if t.state not in DONE_STATES]
    return Collection(
        len(live) - len(missing), len(live), missing, now >= end_of_day(dates.unit_due)
    )


def prefill(ctx: PlanContext, unit: str) -> dict[str, Any]:
    """The unit's year-end report form, filled from what it already reported per activity,
    so the unit confirms and completes rather than retypes."""
    lines, links, topics, difficulties, proposals = [], [], [], [], []
    counts: dict[str, int] = defaultdict(int)
    with ctx.app.uow() as uow:
        for task_id, task in uow.tasks.with_ids(plan=ctx.plan.code, unit=unit):
            if task.key.activity == YEAR_END or task.key.stage is not Stage.REPORT:
                continue
            versions = uow.submissions.versions(task_id)
            if not versions:
                continue
            payload = versions[-1].payload
            activity = ctx.plan.activity(task.key.activity)
            number = activity.number if activity else "?"
            lines.append(f"Hình thức {number}. {payload.get('content', '')}")
            for name, value in payload.get("counts", {}).items():
                counts[name] += int(value)
            links += [u for u in payload.get("links", []) if u not in links]
            topics += [t for t in payload.get("topics", []) if t not in topics]
            difficulties += [payload["difficulties"]] if payload.get("difficulties") else []
            proposals += [payload["proposals"]] if payload.get("proposals") else []
    form: dict[str, Any] = {f"count_{k}": str(v) for k, v in counts.items()}
    form.update(
        content="\n".join(lines),
        links="\n".join(links),
        topics=topics,
        difficulties="\n".join(difficulties),
        proposals="\n".join(proposals),
    )
    return form
