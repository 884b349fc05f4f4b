"""Starting runs outside their schedules: the activities open today that have no live run
(`cchc flow start`), and after a publish the runs whose once-only schedule fired before the
plan existed."""

from __future__ import annotations

from datetime import date, datetime

from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment

from domain.clock import Clock, local_date
from domain.year_end import YEAR_END
from services import stages
from services.context import PlanContext
from services.prefect_adapter.deployments import deployment_name, full_name
from services.prefect_adapter.runs import WALL, is_live, runs_in


def activate(ctx: PlanContext, *, today: date, wall: Clock = WALL) -> list[str]:
    """Start the run of every activity open on `today` (the plan's day: its window opened,
    its last stage not past) that has no live run; InvalidRequest, with nothing started,
    when all of the plan's work is past."""
    started = []
    for code in stages.startable(ctx, today=today):  # refuses a plan whose work is all past
        if is_live(wall, deployment_name(ctx.plan.code, code)):
            continue
        _start(ctx, code)
        started.append(code)
    return started


def _start(ctx: PlanContext, activity: str) -> None:
    """A run of the activity's deployment, now; its worker takes it."""
    run_deployment(
        full_name(ctx.plan.code, activity),
        timeout=0,
        as_subflow=False,
        parameters={"activity": activity, "plan": ctx.plan.code, "year": ctx.plan.year},
    )


def start_open(ctx: PlanContext, *, now: datetime) -> list[str]:
    """After a publish: start the run of every activity open at `now` whose once-only
    schedule fired before the plan was published (its opening instant is past) and whose
    deployment has never run. A plan whose work is all past starts nothing; a deployment
    with any run, whatever its state, is left alone (the sweep reconciles those), so
    publishing again starts nothing twice. The year-end likewise, once its collection has
    opened and until the report to UBND tỉnh is due."""
    from domain.errors import InvalidRequest
    from services.prefect_adapter.deployments import opening

    try:
        codes = stages.startable(ctx, today=local_date(now))
    except InvalidRequest:
        return []
    started = []
    for code in codes:
        activity = ctx.plan.activity(code)
        if activity is None or opening(activity.time_window(ctx.plan.year).start) > now:
            continue  # its schedule starts it
        if runs_in(list(StateType), deployment_name(ctx.plan.code, code)):
            continue
        _start(ctx, code)
        started.append(code)
    return started + _start_year_end(ctx, now=now)


def _start_year_end(ctx: PlanContext, *, now: datetime) -> list[str]:
    """The year-end's run when its collection opened before the publish, the report to
    UBND tỉnh is not yet due, and its deployment never ran."""
    from domain.year_end import year_end_dates
    from services.prefect_adapter.deployments import opening

    dates = year_end_dates(ctx.plan, ctx.app.calendar)
    if not opening(dates.opens_on) <= now or local_date(now) > dates.final_due:
        return []
    if runs_in(list(StateType), deployment_name(ctx.plan.code, YEAR_END)):
        return []
    run_deployment(
        full_name(ctx.plan.code, YEAR_END),
        timeout=0,
        as_subflow=False,
        parameters={"plan": ctx.plan.code},
    )
    return [YEAR_END]
