"""`replay`: the year on a simulated clock, through the same flows and services as production.

The clock jumps from event day to event day. Each working morning the deadline sweep runs
(as a task here: faster than a deployment run per day); units answer through the portal;
every activity touched that day runs its propagation flow again (wait="return": where a
deployment run would suspend, this run ends, and the next pass is the resume); the year-end
flow collects the unit reports, drafts the report, and sends it once the Director approved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from domain.year_end import year_end_dates
from flows.common import DEFAULT_PLAN, context
from flows.propagation import propagation
from flows.year_end import year_end_report
from services import replay as sim
from services.sweep import run_sweep


@task(name="morning-sweep", cache_policy=NO_CACHE, timeout_seconds=600)
def morning_sweep(plan: str, day: date) -> str:
    return str(run_sweep(context(plan), now=sim.at(day, 7, 30)))


def units_answer(plan: str, day: date) -> list[str]:
    """The people's side (not a task: it is the simulation, not the system's work)."""
    with context(plan).app.uow() as uow:
        return sorted(sim.people(plan).answer_due(uow, plan, until=sim.at(day, 16)))


@task(name="director-approves", cache_policy=NO_CACHE, timeout_seconds=300)
def director_approves(plan: str) -> int:
    return sim.people(plan).director_approves()


@flow(name="replay", flow_run_name="replay-{plan}")
def replay(plan: str = DEFAULT_PLAN) -> dict[str, Any]:
    """Replay the plan's year with the simulated people registered for `plan`."""
    ctx, units = context(plan), sim.people(plan)
    cal, dates = ctx.app.calendar, year_end_dates(ctx.plan, ctx.app.calendar)
    review_day = sim.review_day(ctx.plan, cal)
    started: set[str] = set()
    touched: set[str] = set()
    finished: dict[str, Any] = {}
    waiting_for = ""
    for day in sim.event_days(ctx.plan, ctx.directory, cal):
        units.on_day(day)
        units.clock.set(sim.at(day, 7, 30))
        morning_sweep(plan, day)
        touched |= {
            a.code
            for a in ctx.plan.activities
            if a.time_window(ctx.plan.year).start <= day and a.code not in started
        }
        started |= touched
        for _round in range(3):  # a stage opened in the morning may be answered the same day
            for activity in sorted(touched - set(finished)):
                run = propagation(activity, plan, ctx.plan.year, units.clock.now(), "return")
                if "waiting" not in run:
                    finished[activity] = run
            touched = set(units_answer(plan, day))
            if not touched:
                break
        if day >= dates.opens_on and (waiting_for != "director" or day >= review_day):
            # A deployment run waiting for the Director is suspended until the decision: the
            # replay passes again only once the Director has decided (on the review day).
            units.clock.set(max(units.clock.now(), sim.at(day, 16, 30)))
            result: dict[str, Any] = {}
            if waiting_for != "director":
                result = year_end_report(plan, units.clock.now(), "return")
                waiting_for = str(result.get("waiting", ""))
            if waiting_for == "director" and day >= review_day:
                units.clock.set(sim.at(day, 16, 45))
                director_approves(plan)
                result = year_end_report(plan, units.clock.now(), "return")
                waiting_for = str(result.get("waiting", ""))
            if "sent" in result:
                morning_sweep(plan, cal.next_working_day(day))  # the report mail goes out
                return {"finished": sorted(finished), "year_end": result}
    return {"finished": sorted(finished), "year_end": {"sent": False}}
