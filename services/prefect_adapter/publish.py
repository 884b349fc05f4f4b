"""A published plan onto the Prefect server: what `cchc plan publish` and `cchc up` both do."""

from __future__ import annotations

from domain.calendar import WorkingCalendar
from services.context import PlanContext
from services.prefect_adapter import deployments, starts


def deploy_and_start(
    ctx: PlanContext, *, work_pool: str, calendar: WorkingCalendar | None = None
) -> tuple[deployments.Applied, list[str]]:
    """The plan's deployments created or updated from its data (on the calendar given, the
    app's by default), then every activity whose window is open and that never ran started;
    what was applied and the activities started."""
    applied = deployments.apply(ctx.plan, calendar or ctx.app.calendar, work_pool=work_pool)
    return applied, starts.start_open(ctx, now=ctx.app.clock.now())
