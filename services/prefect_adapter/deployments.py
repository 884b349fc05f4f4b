"""A plan's Prefect deployments, made from its data: one per activity plus its year-end.

Made with Prefect's client (`create_deployment`, the call `prefect deploy` itself ends in)
rather than `Flow.deploy`/`RunnerDeployment.apply`: those upsert every time, and an upsert
that carries schedules makes the server delete and schedule again the deployment's future
runs, so publishing the same plan twice would change the server. Here each deployment is
read first and written only when what the plan asks for differs; the pull step and work
pool are those prefect.yaml gives the plan-independent deployments.

- name `<plan code>.<activity code>` of flow `propagation` (and `<plan code>.year-end` of
  flow `year-end-report`), tagged cchc, the plan code and its year;
- one schedule, fired **once** (an RRULE with COUNT=1) at 07:00 Asia/Ho_Chi_Minh on the
  day the activity's window opens (the year-end: the day the collection opens). A window
  that opened before the publish gets no run from its schedule: the caller starts what is
  open now (starts.activate), so a plan published mid-window still runs.

Closing a plan removes its deployments' schedules and cancels its waiting runs, with a
message; deployments and run history stay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.errors import CchcError
from domain.plan import YEAR_END, Plan
from domain.year_end import year_end_dates
from services.prefect_adapter.probes import PrefectProbe
from services.prefect_adapter.settings import client_settings

ROOT = Path(__file__).resolve().parents[2]
PROPAGATION = ("propagation", "flows/propagation.py:propagation")
YEAR_END_REPORT = ("year-end-report", "flows/year_end.py:year_end_report")
OPENS_AT = time(7)  # the hour a window's run starts, local time: before office hours
SLUG = "window-opens"
WAITING = ("SCHEDULED", "PENDING", "PAUSED")
RETIRED = "Theo Kế hoạch điều chỉnh: hình thức này không còn trong kế hoạch"


class PrefectUnavailable(CchcError):
    """The Prefect API does not answer (or refuses our credentials): nothing was changed."""


def deployment_name(plan: str, activity: str) -> str:
    """`<plan>.<activity>`, and `<plan>.year-end` for the year-end (activity YEAR_END)."""
    return f"{plan}.{'year-end' if activity == YEAR_END else activity}"


def opening(day: date) -> datetime:
    """The instant a window opening on `day` starts its run: 07:00 local time, before office
    hours, so that every assignment of that morning waits for the same sending time (a
    unit's go in one mail) and the 07:30 sweep delivers them."""
    return datetime.combine(day, OPENS_AT, tzinfo=LOCAL_TZ)


def full_name(plan: str, activity: str) -> str:
    """`<flow>/<deployment>`, as run_deployment and read_deployment_by_name take it."""
    flow = YEAR_END_REPORT[0] if activity == YEAR_END else PROPAGATION[0]
    return f"{flow}/{deployment_name(plan, activity)}"


@dataclass(frozen=True)
class Wanted:
    """One deployment as the plan asks for it."""

    flow: str
    entrypoint: str
    name: str
    description: str
    parameters: dict[str, Any]
    tags: list[str]
    opens_on: date

    @property
    def rrule(self) -> str:
        return f"DTSTART:{self.opens_on:%Y%m%d}T{OPENS_AT:%H%M%S}\nRRULE:FREQ=DAILY;COUNT=1"


def wanted(plan: Plan, calendar: WorkingCalendar) -> list[Wanted]:
    """The plan's deployments: one per activity (opening with its window) and the year-end
    (opening with the collection of the units' reports)."""
    tags = ["cchc", plan.code, str(plan.year)]
    found = []
    for a in plan.activities:
        lead = a.lead.as_written
        found.append(
            Wanted(
                *PROPAGATION,
                name=deployment_name(plan.code, a.code),
                description=f"Hình thức {a.number}: {a.title}. Chủ trì: {lead}. "
                f"Thời gian: {a.window}. ({plan.number_symbol}, {plan.code})",
                parameters={"activity": a.code, "plan": plan.code, "year": plan.year},
                tags=[*tags, "propagation", f"ht{a.number}"],
                opens_on=a.time_window(plan.year).start,
            )
        )
    found.append(
        Wanted(
            *YEAR_END_REPORT,
            name=deployment_name(plan.code, YEAR_END),
            description="Thu thập báo cáo năm của các đơn vị, lập báo cáo tổng hợp, trình Giám "
            f"đốc, gửi UBND tỉnh. ({plan.number_symbol}, {plan.code})",
            parameters={"plan": plan.code},
            tags=[*tags, "year-end"],
            opens_on=year_end_dates(plan, calendar).opens_on,
        )
    )
    return found


@dataclass(frozen=True)
class Applied:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]  # of activities an amendment removed: unscheduled, waiting runs cancelled
    runs_cancelled: int = 0


def _probe() -> PrefectProbe:
    url, auth = client_settings()
    return PrefectProbe(url, auth)


def require_server() -> str:
    """The API URL the deployments go to; PrefectUnavailable when it does not answer."""
    probe = _probe()
    if (problem := probe.health_problem()) is not None:
        raise PrefectUnavailable(
            f"Prefect API: {problem}; nothing was changed (start it with `cchc up`, or set "
            "PREFECT_API_URL and PREFECT_API_AUTH_STRING to the server's)"
        )
    return str(probe.url)


def _pull_steps() -> list[dict[str, Any]]:
    """prefect.yaml's pull step: CCHC_HOME when set here, else the placeholder, which each
    worker resolves from its own environment when it starts a run (deploy/README.md §4)."""
    home = os.environ.get("CCHC_HOME") or "{{ $CCHC_HOME }}"
    return [{"prefect.deployments.steps.set_working_directory": {"directory": home}}]


def _schema(entrypoint: str) -> dict[str, Any]:
    """The flow's parameter schema, read from its source (nothing imported: loading the
    file as Prefect's loader does would put flows/ on sys.path, where flows/replay.py
    would then shadow the replay package)."""
    from prefect.utilities.callables import parameter_schema_from_entrypoint

    return parameter_schema_from_entrypoint(str(ROOT / entrypoint)).model_dump()


def _same(current: Any, want: Wanted, pool: str, pull: list[dict[str, Any]]) -> bool:
    schedules = [
        (s.schedule.rrule, s.schedule.timezone, s.slug, s.active)
        for s in current.schedules
        if hasattr(s.schedule, "rrule")
    ]
    return (
        current.parameters == want.parameters
        and sorted(current.tags) == sorted(want.tags)
        and current.description == want.description
        and current.entrypoint == want.entrypoint
        and current.work_pool_name == pool
        and current.pull_steps == pull
        and len(current.schedules) == 1
        and schedules == [(want.rrule, str(LOCAL_TZ), SLUG, True)]
    )


def apply(plan: Plan, calendar: WorkingCalendar, *, work_pool: str) -> Applied:
    """Create or update the plan's deployments on the server Prefect's settings name;
    a deployment already as wanted is left untouched."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import RRuleSchedule
    from prefect.exceptions import ObjectNotFound

    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    pull = _pull_steps()
    schemas: dict[str, dict[str, Any]] = {}
    with get_client(sync_client=True) as client:
        _ensure_pool(client, work_pool)
        for want in wanted(plan, calendar):
            try:
                current = client.read_deployment_by_name(f"{want.flow}/{want.name}")
            except ObjectNotFound:
                current = None
            if current is not None and _same(current, want, work_pool, pull):
                unchanged.append(want.name)
                continue
            if want.entrypoint not in schemas:
                schemas[want.entrypoint] = _schema(want.entrypoint)
            schedule = RRuleSchedule(rrule=want.rrule, timezone=str(LOCAL_TZ))
            client.create_deployment(
                flow_id=client.create_flow_from_name(want.flow),
                name=want.name,
                description=want.description,
                parameters=want.parameters,
                tags=want.tags,
                entrypoint=want.entrypoint,
                work_pool_name=work_pool,
                work_queue_name="default",
                pull_steps=pull,
                parameter_openapi_schema=schemas[want.entrypoint],
                schedules=[DeploymentScheduleCreate(schedule=schedule, active=True, slug=SLUG)],
            )
            (created if current is None else updated).append(want.name)
    gone = {
        name: i
        for name, i in plan_deployment_ids(plan.code).items()
        if name not in {w.name for w in wanted(plan, calendar)}
    }
    cancelled = _unschedule(gone, message=RETIRED) if gone else (0, 0)
    return Applied(created, updated, unchanged, sorted(gone), cancelled[1])


def _ensure_pool(client: Any, name: str) -> None:
    """The work pool the deployments name, created (process type) when the server lacks it,
    as `cchc up` creates it."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    try:
        client.read_work_pool(name)
    except ObjectNotFound:
        client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def plan_deployment_ids(plan: str) -> dict[str, UUID]:
    """Name → id of the deployments published for `plan` (found by its tag)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

    with get_client(sync_client=True) as client:
        found = client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=["cchc", plan]))
        )
    prefix = f"{plan}."
    return {d.name: d.id for d in found if d.name.startswith(prefix)}


@dataclass(frozen=True)
class Closed:
    schedules_removed: int
    runs_cancelled: int


def close(plan: str, *, message: str) -> Closed:
    """Remove the schedules of the plan's deployments and cancel their waiting runs
    (scheduled, pending, or suspended at a gate) with `message`; nothing is deleted."""
    return Closed(*_unschedule(plan_deployment_ids(plan), message=message))


def _unschedule(ids: dict[str, UUID], *, message: str) -> tuple[int, int]:
    """Remove the deployments' schedules and cancel their waiting runs with `message`;
    (schedules removed, runs cancelled)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    removed = cancelled = 0
    with get_client(sync_client=True) as client:
        for deployment_id in ids.values():
            for schedule in client.read_deployment_schedules(deployment_id):
                client.delete_deployment_schedule(deployment_id, schedule.id)
                removed += 1
        if not ids:
            return removed, cancelled
        waiting = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=list(ids.values())),
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType(s) for s in WAITING])
                ),
            )
        )
        for run in waiting:
            client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
            cancelled += 1
    return removed, cancelled
