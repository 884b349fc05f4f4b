"""Flow runs through Prefect's client, outside a flow body (CLI, sweep, portal): find the
gates, resume, run again, start; the automations they rely on are in automations.py.

Prefect schedules on the wall clock, whatever the plan's clock says (the replay's is
simulated): whether a run is due is judged by the `wall` clock given, the system's unless
a caller passes another."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.client.schemas.sorting import FlowRunSort
from prefect.exceptions import NotPausedError
from prefect.flow_runs import resume_flow_run

from domain.clock import Clock
from domain.gates import DraftGate, GateKey
from domain.policy import Stage
from domain.report_draft import DraftState
from domain.year_end import YEAR_END
from services import report_draft, review, stages, year_end
from services.bootstrap import SystemClock
from services.context import PlanContext

FLOW = "propagation"
YEAR_END_FLOW = "year-end-report"
LIVE = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]
WALL: Clock = SystemClock()  # Prefect's time: the system clock (it holds no state)


@dataclass(frozen=True)
class Gate:
    """Where a suspended run waits: stage, check-in, how many tasks were in when it stopped."""

    flow_run_id: UUID
    activity: str
    plan: str
    stage: Stage
    seq: int
    done_seen: int

    @classmethod
    def parse(cls, flow_run_id: UUID, parameters: dict[str, Any], key: str) -> Gate | None:
        try:
            gate = GateKey.parse(key)
        except ValueError:
            return None  # not one of our gates
        if gate.stage is None:
            return None  # a gate on the report draft: year_end_gates
        return cls(
            flow_run_id,
            str(parameters.get("activity") or YEAR_END),  # the year-end flow has none
            str(parameters.get("plan") or ""),
            gate.stage,
            gate.number,
            gate.done,
        )


def runs_in(
    states: list[StateType], deployment: str | None = None, *, deployment_id: UUID | None = None
) -> list[Any]:
    """Runs in `states`: all, those of the deployment named `deployment`, or of one by id."""
    names = [deployment] if deployment else None
    with get_client(sync_client=True) as client:
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states)),
                    deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id])
                    if deployment_id
                    else None,
                ),
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
                if names
                else None,
            )
        )


def suspended_gates(plan: str) -> list[Gate]:
    gates = []
    for run in runs_in([StateType.PAUSED]):
        key = run.state.state_details.pause_key if run.state else None
        gate = Gate.parse(run.id, run.parameters, key or "")
        if gate is not None and gate.plan == plan:
            gates.append(gate)
    return gates


SCHEMA_PENDING = "Run input schema not found"
SCHEMA_WAITS = (0.2, 0.5, 1.0, 2.0)  # seconds; a run saves its gate's schema just after it


def resume(flow_run_id: UUID, *, note: str = "") -> bool:
    """Resume a suspended run with a note; False when it no longer waits (the portal and the
    sweep may both resume the same run: the one that comes second finds it resumed, which
    is what it wanted). Prefect marks a run Suspended first and saves its gate's input
    schema just after, so a resume in between is refused with "schema not found": ask
    again a few times rather than leave the run for the morning sweep."""
    for pause in (*SCHEMA_WAITS, None):
        try:
            resume_flow_run(flow_run_id, run_input={"submission_ids": [], "note": note})
            return True
        except NotPausedError:
            return False
        except RuntimeError as exc:
            if pause is None or SCHEMA_PENDING not in str(exc):
                raise
            time.sleep(pause)
    return False


def reconcile(ctx: PlanContext, *, now: datetime, wall: Clock = WALL) -> int:
    """Resume every run still suspended although its stage moved on in the database (the
    portal's own resume was lost, or a unit answered by another path), and the year-end
    run at the cut-off (as of `now`, the sweep's instant) or once the Director or the
    Office acted; run again each activity's or the year-end's run that crashed
    (retry_crashed). How many resumed or run again."""
    return (
        _resume_moved_stages(ctx, now=now)
        + _resume_decided_drafts(ctx)
        + retry_crashed(ctx.plan.code, wall=wall)
    )


def _resume_moved_stages(ctx: PlanContext, *, now: datetime) -> int:
    resumed = 0
    for gate in suspended_gates(ctx.plan.code):
        progress = stages.progress(ctx, gate.activity, gate.stage, gate.seq)
        cut_off = gate.activity == YEAR_END and year_end.collection(ctx, now=now).cut_off_passed
        if progress.done != gate.done_seen or progress.complete or cut_off:
            resumed += resume(
                gate.flow_run_id, note="đối soát: đã có kết quả mới trong cơ sở dữ liệu"
            )
    return resumed


def _resume_decided_drafts(ctx: PlanContext) -> int:
    resumed = 0
    draft = review.latest_draft(ctx)
    for run_id, key in year_end_gates(ctx.plan.code):
        moved = draft is not None and (
            (
                key.kind is DraftGate.DIRECTOR
                and (draft.state != DraftState.DRAFT or draft.version != key.number)
            )
            or (key.kind is DraftGate.REGISTRY and draft.state != DraftState.APPROVED)
            or (
                key.kind is DraftGate.REVISION
                and report_draft.revision_in(ctx, version=draft.version)
            )
        )
        if moved:
            resumed += resume(
                run_id, note="đối soát: Giám đốc, Văn phòng hoặc văn thư đã xử lý báo cáo"
            )
    return resumed


def retry_crashed(plan: str, *, activity: str | None = None, wall: Clock = WALL) -> int:
    """Run again — the same run, as the UI's Retry does — the latest run of each of the
    plan's activity and year-end deployments (or of one activity's) when it crashed (its
    process died: the zombie automation or its worker said so) and nothing of that
    deployment ran or is due since. Any worker picks it up; its body replays to where the
    database is, and every step is idempotent there, so nothing is created or sent twice.
    How many were run again."""
    retried = 0
    with get_client(sync_client=True) as client:
        crashed = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW, YEAR_END_FLOW])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED])),
                deployment_id=FlowRunFilterDeploymentId(is_null_=False),
                start_time=FlowRunFilterStartTime(is_null_=False),
            ),
            sort=FlowRunSort.START_TIME_DESC,  # the newest first: only it may be run again
        )
        seen: set[UUID | None] = set()
        for run in crashed:
            if (
                run.deployment_id in seen
                or run.parameters.get("plan") != plan
                or activity not in (None, run.parameters.get("activity") or YEAR_END)
            ):
                continue
            seen.add(run.deployment_id)
            latest = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    deployment_id=FlowRunFilterDeploymentId(any_=[run.deployment_id]),
                    start_time=FlowRunFilterStartTime(is_null_=False),
                ),
                sort=FlowRunSort.START_TIME_DESC,
                limit=1,
            )
            if [r.id for r in latest] != [run.id] or is_live(wall, deployment_id=run.deployment_id):
                continue  # a later run took over, or one is under way
            retried += retry(run.id, note="đối soát: chạy lại lượt bị gián đoạn")
    return retried


def retry(flow_run_id: UUID, *, note: str) -> bool:
    """Scheduled "AwaitingRetry", forced (Crashed is final): what the UI's Retry sends. Read
    again first so that a run another reconciler already retried is left alone."""
    from prefect.states import AwaitingRetry

    with get_client(sync_client=True) as client:
        current = client.read_flow_run(flow_run_id).state
        if current is None or current.type is not StateType.CRASHED:
            return False
        state: Any = AwaitingRetry(message=note)
        result = client.set_flow_run_state(flow_run_id, state, force=True)
    return result.status is SetStateStatus.ACCEPT


def year_end_gates(plan: str) -> list[tuple[UUID, GateKey]]:
    """The year-end runs waiting for the Director (director-…) or the Office (revision-…)."""
    found = []
    for run in runs_in([StateType.PAUSED]):
        try:
            key = GateKey.parse((run.state.state_details.pause_key if run.state else None) or "")
        except ValueError:
            continue  # not one of our gates
        if isinstance(key.kind, DraftGate) and run.parameters.get("plan") == plan:
            found.append((run.id, key))
    return found


def resume_year_end(plan: str, *, note: str) -> int:
    """After the Director's decision or the Office's revision: resume the waiting run."""
    return sum(resume(run_id, note=note) for run_id, _key in year_end_gates(plan))


def is_live(
    wall: Clock, deployment: str | None = None, *, deployment_id: UUID | None = None
) -> bool:
    """A run of the deployment (by name or id) is under way: running, waiting at a gate,
    resuming, or due to start now on the `wall` clock (a schedule's run for next year does
    not count)."""
    soon = wall.now() + timedelta(minutes=5)
    for run in runs_in(LIVE, deployment, deployment_id=deployment_id):
        start = run.expected_start_time or run.next_scheduled_start_time
        if (
            run.state_type is not StateType.SCHEDULED
            or run.state_name == "Resuming"
            or (start is not None and start <= soon)
        ):
            return True
    return False


def resume_changed(plan: str, activities: set[str], *, note: str) -> int:
    """After an amendment: resume the runs of `activities` waiting at a gate, so that their
    body re-reads the database (new units' tasks opened, due days moved). How many."""
    resumed = 0
    for gate in suspended_gates(plan):
        if gate.activity in activities:
            resumed += resume(gate.flow_run_id, note=note)
    return resumed


def resume_activity(plan: str, activity: str, *, note: str, wall: Clock = WALL) -> int:
    """After a submission is committed: resume that activity's run waiting at a gate, or run
    it again if it crashed (the portal calls this after answering, never on the click path;
    a run marked Crashed while it waited goes back to its gate). How many were resumed."""
    resumed = 0
    for gate in suspended_gates(plan):
        if gate.activity == activity:
            resumed += resume(gate.flow_run_id, note=note)
    return resumed + retry_crashed(plan, activity=activity, wall=wall)
