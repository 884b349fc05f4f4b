"""The daily deadline sweep: fire the ladder rungs due now, then deliver the outbox."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from domain.clock import FixedClock, local_date
from domain.task import ACTIVE_STATES, Task, TaskState
from services import acceptance, uploads
from services.bootstrap import delivery
from services.context import PlanContext
from services.head_summary import send_head_summaries
from services.notices import PastDue, notice_window, send_due_notices
from services.ports import UnitOfWork
from services.report_ladder import report_deadline_notices


@dataclass
class SweepReport:
    at: str
    working_day: bool
    notices: dict[str, Any] = field(default_factory=dict)
    delivery: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0  # evidence files no row refers to, older than a day
    accepted: list[str] = field(default_factory=list)  # by the plan's review policy

    def __str__(self) -> str:
        if not self.working_day:
            return f"{self.at}: a day off, nothing sent"
        n, d = self.notices, self.delivery
        return (
            f"{self.at}: {n['reminders']} reminders, {n['overdue']} overdue, "
            f"{n['escalated']} escalated (digest {'sent' if n['digest_sent'] else 'none'}); "
            f"{len(self.accepted)} submissions accepted after the review time; "
            f"mail: {d['sent']} sent, {d['retried']} to retry, {d['failed']} failed; "
            f"{self.files_removed} unreferenced files removed"
        )


def notices(
    ctx: PlanContext,
    *,
    now: datetime,
    due: list[tuple[int, Task]] | None = None,
    past_due: PastDue | None = None,
) -> dict[str, Any]:
    """The ladder rungs due now: the tasks', then the consolidated report's own; on a
    month's first working day, each unit head's summary. `due`: the plan's tasks inside its
    notice window, when read already (the sweep over every plan reads them at once), and
    `past_due` likewise for the Director's digest."""
    with ctx.app.uow() as uow:
        fired = asdict(send_due_notices(uow, ctx.mailer, now=now, due=due, past_due=past_due))
    with ctx.app.uow() as uow:
        heads = send_head_summaries(uow, ctx.mailer, now=now)
    return {
        **fired,
        "report_deadlines": report_deadline_notices(ctx, now=now),
        "head_summaries": heads,
    }


ACTIVE = sorted(ACTIVE_STATES)


class _PastDue:
    """Every plan's active tasks past due since its issue, read once for all the plans of a
    pass, when the first Director's digest needs them (a plan with no escalation today reads
    nothing)."""

    def __init__(self, contexts: dict[str, PlanContext], today: date) -> None:
        self.codes, self.today = list(contexts), today
        self.issued = {code: c.plan.issued_on for code, c in contexts.items()}
        self._found: dict[str, list[tuple[int, Task]]] | None = None

    def of(self, code: str) -> PastDue:
        def read(uow: UnitOfWork) -> list[Task]:
            if self._found is None:
                start = min(self.issued.values())
                self._found = uow.tasks.by_plan(
                    plans=self.codes,
                    states=ACTIVE,
                    on=start,
                    within=(self.today - start).days - 1,
                )
            since = self.issued[code]
            return [t for _, t in self._found[code] if since <= t.due_on < self.today]

        return read


def every_plan(contexts: dict[str, PlanContext], *, now: datetime) -> dict[str, dict[str, Any]]:
    """The rungs due now and the lapsed reviews of every plan in `contexts`, in one pass:
    the tasks inside any plan's notice window are read once for all plans (through
    ix_tasks_state_due_on), each plan then fires only its own; a plan with nothing due and
    nothing waiting for review costs no read of its tasks."""
    if not contexts:
        return {}
    app, today = next(iter(contexts.values())).app, local_date(now)
    windows = {code: notice_window(c.plan, app.calendar, today) for code, c in contexts.items()}
    first, last = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    codes, within = list(contexts), (last - first).days
    with app.uow() as uow:
        due = uow.tasks.by_plan(plans=codes, states=ACTIVE, on=first, within=within)
        waiting = uow.tasks.by_plan(plans=codes, states=[TaskState.SUBMITTED])
    past_due = _PastDue(contexts, today)
    done: dict[str, dict[str, Any]] = {}
    for code, ctx in contexts.items():
        lo, hi = windows[code]
        mine = [(i, task) for i, task in due[code] if lo <= task.due_on <= hi]
        done[code] = {
            "notices": notices(ctx, now=now, due=mine, past_due=past_due.of(code)),
            "accepted": acceptance.auto_accept(ctx, now=now, waiting=waiting[code]),
        }
    return done


def accept_reviewed(ctx: PlanContext, *, now: datetime) -> list[str]:
    """Submissions the Office did not return within the plan's review time, accepted."""
    return acceptance.auto_accept(ctx, now=now)


def deliver(ctx: PlanContext, *, now: datetime) -> dict[str, int]:
    """Deliver what is due at `now` (the sweep's instant, simulated or not)."""
    step = delivery(ctx.app)
    step.clock = FixedClock(now)
    report = asyncio.run(step.run())
    return {
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "released": report.released,
    }


def clean_uploads(ctx: PlanContext) -> int:
    """Remove evidence files no row refers to (a request that died half-way), a day old."""
    with ctx.app.uow() as uow:
        return uploads.collect_garbage(uow, ctx.app.settings.portal.upload_dir)


def run_sweep(ctx: PlanContext, *, now: datetime) -> SweepReport:
    """One sweep at `now`: nothing at all on a day off (no reminder is sent on a day off)."""
    if not ctx.app.calendar.is_working_day(local_date(now)):
        return SweepReport(at=now.isoformat(), working_day=False)
    fired = notices(ctx, now=now)
    accepted = accept_reviewed(ctx, now=now)
    return SweepReport(
        at=now.isoformat(),
        working_day=True,
        notices=fired,
        accepted=accepted,
        delivery=deliver(ctx, now=now),
        files_removed=clean_uploads(ctx),
    )
