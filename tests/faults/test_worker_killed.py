"""PostgreSQL and two workers (`cchc up --postgres … --workers 2`): one worker is killed with
SIGKILL while the six activity runs wait at their gates; units hand in meanwhile; the sweep's
reconciler resumes every run and the surviving worker completes them all — no task, mail or
submission lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from flows import common
from services.prefect_adapter import runs as prefect_runs
from storage.tables import OutboxRow, SubmissionRow, TaskRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE
from tests.faults.kit import assigned_keys, hand_in_everything

pytestmark = pytest.mark.postgres


def states(api: str) -> dict[str, str]:
    """activity → state name of its propagation run (not the schedules' future runs)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as c:
        runs = c.read_flow_runs()
    return {
        str(r.parameters["activity"]): str(r.state_name)
        for r in runs
        if "activity" in r.parameters and r.state_name != "Scheduled"
    }


def wait_until(api: str, wanted: str, count: int, seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        now = states(api)
        if sum(1 for s in now.values() if s == wanted) >= count:
            return now
        if time.monotonic() > deadline:
            pytest.fail(f"not {count} runs {wanted} after {seconds} s: {now}")
        time.sleep(2)


def counts(ctx: Any) -> dict[str, int]:
    with ctx.app.uow() as uow:
        return {
            t.__tablename__: session_of(uow).scalar(select(func.count()).select_from(t)) or 0
            for t in (TaskRow, SubmissionRow, OutboxRow)
        }


def start_every_activity(api: str, ctx: Any) -> None:
    """One run per activity from its deployment, as `cchc plan activate` starts a current
    plan's. The 2025 plan's work is all past, so activate refuses it today; this test is
    about a worker's death, not the start, so the runs are started directly."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from services.prefect_adapter.deployments import full_name

    with temporary_settings(updates={PREFECT_API_URL: api}):
        for activity in ctx.plan.activities:
            run_deployment(
                full_name(ctx.plan.code, activity.code),
                timeout=0,
                as_subflow=False,
                parameters={
                    "activity": activity.code,
                    "plan": ctx.plan.code,
                    "year": ctx.plan.year,
                },
            )


def test_a_worker_killed_loses_nothing(stack: dict[str, str]) -> None:
    api = stack["PREFECT_API_URL"]
    ctx = common.context(PLAN_CODE)
    start_every_activity(api, ctx)
    wait_until(api, "Suspended", 6, seconds=240)  # each at its plan gate
    victim = subprocess.run(
        ["pgrep", "-f", "prefect worker start .*-1$"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert victim, "worker 1 not found"
    for pid in victim:
        os.kill(int(pid), signal.SIGKILL)
    assert hand_in_everything(ctx) > 0  # every unit hands in every stage while a worker is gone
    before = counts(ctx)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        assert prefect_runs.reconcile(ctx, now=ctx.app.clock.now()) == 6
    final = wait_until(api, "Completed", 6, seconds=300)
    assert set(final.values()) == {"Completed"}
    after = counts(ctx)
    assert after["tasks"] == before["tasks"] == 180  # no task created twice
    assert after["submissions"] == before["submissions"] == 180  # nothing lost
    assigned = assigned_keys(ctx)
    # The plan stages were mailed before the kill; stages every unit had already handed in
    # when the run reached them open without mail. No mail twice.
    assert len(assigned) == len(set(assigned)) >= 8
