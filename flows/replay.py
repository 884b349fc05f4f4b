"""`replay`: the year on a simulated clock, through the same flows and services as production.

The year itself (which days, who answers when) is played by replay/; this flow gives it the
system's steps: the deadline sweep as a task (faster than a deployment run per day), the
propagation and year-end flows as subflows that end where a deployment run would suspend
(wait="return"), the next pass being the resume.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast, runtime_checkable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.propagation import propagation
from flows.year_end import year_end_report
from services.bootstrap import bootstrap
from services.context import PlanContext, plan_context
from services.settings import Settings
from services.sweep import run_sweep


@task(name="morning-sweep", cache_policy=NO_CACHE, timeout_seconds=600)
def morning_sweep(ctx: PlanContext, now: datetime) -> str:
    return str(run_sweep(ctx, now=now))


@task(name="director-approves", cache_policy=NO_CACHE, timeout_seconds=300)
def director_approves(decide: Callable[[], int]) -> int:
    return decide()


@task(name="clerk-numbers-report", cache_policy=NO_CACHE, timeout_seconds=600)
def clerk_numbers_report(register: Callable[[], str]) -> str:
    return register()


@dataclass
class FlowSteps:
    """The system's steps of the replay, as Prefect tasks and subflows."""

    ctx: PlanContext

    def sweep(self, now: datetime) -> None:
        # quoted: Prefect would otherwise walk the whole context (the plan, every unit of
        # the directory) looking for futures, twice per sweep (a province: ~0.1 s each day)
        morning_sweep(cast(PlanContext, quote(self.ctx)), now)

    def propagate(self, activity: str, now: datetime) -> dict[str, Any]:
        plan = self.ctx.plan
        return propagation(activity, plan.code, plan.year, now, "return")

    def year_end(self, now: datetime) -> dict[str, Any]:
        return year_end_report(self.ctx.plan.code, now, "return")

    def approve(self, decide: Callable[[], int]) -> int:
        return director_approves(decide)

    def number(self, register: Callable[[], str]) -> str:
        return clerk_numbers_report(register)


@runtime_checkable
class SimulatedYear(Protocol):
    """The year the replay plays (its clock and simulated people): told the system's
    steps, it plays them day by day and returns what it reached."""

    def run(self, steps: FlowSteps) -> dict[str, Any]: ...


@flow(name="replay", flow_run_name="replay-{plan}")
def replay(year: SimulatedYear, settings: Settings, plan: str) -> dict[str, Any]:
    """Play the simulated year of `plan` on the database `settings` names."""
    ctx = plan_context(plan, bootstrap(settings))
    try:
        return year.run(FlowSteps(ctx))
    finally:
        ctx.app.close()
