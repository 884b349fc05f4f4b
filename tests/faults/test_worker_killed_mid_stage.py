"""PostgreSQL and two workers (`cchc up --postgres … --workers 2`): a run is killed with
SIGKILL — its worker and the run's own process — while it is inside a stage, queueing the
stage's assignment mails. Prefect would leave it Running for ever; its heartbeats stop, the
automation cchc-zombie-runs marks it Crashed, the reconciler runs the same run again, the
other worker picks it up and the body replays to where the database is: every mail once,
no task twice, and the unit's submission made while the run was dead kept.

The run is held inside the stage by a real PostgreSQL lock: another session holds the
outbox table (as a long transaction elsewhere would), so the stage's first INSERT waits.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from domain.policy import Stage
from domain.schedule import all_tasks
from domain.task import TaskState
from flows import common
from services import stages
from services.context import PlanContext
from services.prefect_adapter import runs as prefect_runs
from services.tasks import submit
from storage.tables import OutboxRow, SubmissionRow, TaskRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE
from tests.faults.kit import hand_in_everything, hand_in_through_the_portal
from tests.processes import alive, gone

pytestmark = pytest.mark.postgres
ACTIVITY = "science-digital-events"  # plan: 3 leads; execute, evidence, report: 7 units each
SECRET = "khoa-ky-duong-dan-thu-nghiem"
ZOMBIE_AFTER = 60  # two heartbeats of 30 s, Prefect's shortest
ASSIGNED = "task_assigned"


@pytest.fixture
def stack_env(stack_env: dict[str, str]) -> dict[str, str]:
    """The rehearsal's settings, with the shortest zombie window and a known link secret."""
    return stack_env | {
        "CCHC_ZOMBIE_AFTER_SECONDS": str(ZOMBIE_AFTER),
        "CCHC_SECRET_KEY": SECRET,
    }


@pytest.fixture
def prefect(stack: dict[str, str]) -> Iterator[Any]:
    """A Prefect client on the rehearsal's API."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: stack["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        yield client


def wait_for(client: Any, run_id: Any, wanted: str, seconds: float) -> Any:
    """The flow run once its state is named `wanted` (or is of that type: RUNNING)."""
    deadline = time.monotonic() + seconds
    while wanted not in ((run := client.read_flow_run(run_id)).state_name, run.state_type.value):
        if time.monotonic() > deadline:
            pytest.fail(f"run not {wanted} after {seconds} s: {run.state_name}")
        time.sleep(1)
    return run


def pg(ctx: PlanContext) -> psycopg.Connection[Any]:
    url = make_url(ctx.app.settings.database_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False))


def waits_on_outbox(conn: psycopg.Connection[Any]) -> bool:
    """Some session of this database waits for a lock to write the outbox: inserting, or
    taking the waiting mails of an assignment batch (SELECT … FOR UPDATE)."""
    conn.execute("SELECT pg_stat_clear_snapshot()")  # else fixed for the transaction
    found = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND (query ILIKE 'INSERT INTO outbox%' "
        "OR (query ILIKE '%FROM outbox%' AND query ILIKE '%FOR UPDATE%'))"
    ).fetchone()
    return bool(found and found[0])


def parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(parent(int(entry.name)), []).append(int(entry.name))
            except (OSError, ValueError):
                continue  # gone meanwhile
    found, todo = [], [root]
    while todo:
        found.append(pid := todo.pop())
        todo += children.get(pid, [])
    return found


def warm_process_of(run: Any, home: Path) -> int:
    """The pid the warm process (prefect_adapter/warm.py) forked last for `run`: its own."""
    forks = re.findall(
        rf"warm: flow run {run.id} in process (\d+)", (home / "warm.log").read_text()
    )
    assert forks, f"run {run.id} was not started warm"
    return int(forks[-1])


def kill_worker_of(run: Any, home: Path) -> list[int]:
    """SIGKILL the worker that runs `run`, then every process under it (the starter it ran
    for the run): nobody is left to tell Prefect that the run ended. The run's own process,
    forked by the warm process, dies with its starter."""
    pid = int(str(run.infrastructure_pid).rsplit(":", 1)[-1])
    own = warm_process_of(run, home)
    assert alive(own)
    worker = pid
    while b"worker" not in Path(f"/proc/{worker}/cmdline").read_bytes():
        worker = parent(worker)
    tree = process_tree(worker)
    assert pid in tree
    for victim in tree:  # the worker first: it would report its child's death
        os.kill(victim, signal.SIGKILL)
    assert gone(own), f"the run's process {own} outlived its starter"
    return [*tree, own]


def assigned(ctx: PlanContext) -> list[int]:
    """The task ids of every assignment mail queued (one entry per mail)."""
    with ctx.app.uow() as uow:
        return list(
            session_of(uow).scalars(select(OutboxRow.task_id).where(OutboxRow.kind == ASSIGNED))
        )


def slot(ctx: PlanContext, stage: Stage, seq: int) -> dict[int, str]:
    """The tasks of one stage of the activity: row id → task key."""
    with ctx.app.uow() as uow:
        return {
            row_id: str(task.key)
            for row_id, task in uow.tasks.slot(
                plan=ctx.plan.code, activity=ACTIVITY, stage=stage, seq=seq
            )
        }


def counts(ctx: PlanContext) -> dict[str, int]:
    with ctx.app.uow() as uow:
        found = {
            t.__tablename__: session_of(uow).scalar(select(func.count()).select_from(t)) or 0
            for t in (TaskRow, SubmissionRow, OutboxRow)
        }
        found["receipts"] = (
            session_of(uow).scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.kind == "submission_receipt")
            )
            or 0
        )
        # The mails that carry a unit's assignments of one day are counted by the
        # assignments they carry (tests/integration/test_assignment_batch.py), not here.
        found["outbox"] -= (
            session_of(uow).scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.kind == "assignment_digest")
            )
            or 0
        )
    return found


def hand_in(ctx: PlanContext, stage: Stage, seq: int = 1) -> int:
    """Every unit of one stage of the activity hands in, through the service; how many."""
    with ctx.app.uow() as uow:
        keys = [
            t.key
            for _id, t in uow.tasks.slot(
                plan=ctx.plan.code, activity=ACTIVITY, stage=stage, seq=seq
            )
            if t.state is TaskState.OPEN
        ]
    for key in keys:
        with ctx.app.uow() as uow:
            submit(
                uow,
                ctx.mailer,
                key,
                at=ctx.app.clock.now(),
                by=key.unit,
                payload={"content": "Xong"},
            )
    return len(keys)


def test_a_run_killed_inside_a_stage_is_crashed_run_again_and_adds_nothing_twice(
    stack: dict[str, str], prefect: Any
) -> None:
    from prefect.deployments import run_deployment

    from services.prefect_adapter.deployments import full_name

    began = time.monotonic()
    ctx = common.context(PLAN_CODE)
    plan_slot, check_in = stages.slots(ctx, ACTIVITY)[:2]
    assert (plan_slot.stage, check_in.stage) == (Stage.PLAN, Stage.EXECUTE)
    planned, executed = slot(ctx, Stage.PLAN, 1), slot(ctx, Stage.EXECUTE, check_in.seq)
    assert len(executed) > 1  # one hand-in meanwhile leaves the check-in's gate shut
    # A crash-free run, units handing in as below, mails these two stages and no other: the
    # later stages are all in when the run reaches them.
    mailed = sorted([*planned, *executed])
    tasks = counts(ctx)["tasks"]
    assert tasks == len(all_tasks(ctx.plan, ctx.directory, ctx.app.calendar))

    run: Any = run_deployment(
        full_name(ctx.plan.code, ACTIVITY),
        timeout=0,
        as_subflow=False,
        parameters={"activity": ACTIVITY, "plan": ctx.plan.code, "year": ctx.plan.year},
    )
    wait_for(prefect, run.id, "Suspended", 240)  # at the plan gate, its mails queued
    assert sorted(assigned(ctx)) == sorted(planned)
    handed = hand_in(ctx, Stage.PLAN)
    with pg(ctx) as holder:
        holder.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")  # reads pass, inserts wait
        assert prefect_runs.resume_activity(ctx.plan.code, ACTIVITY, note="kế hoạch đã đủ") == 1
        deadline = time.monotonic() + 180
        while not waits_on_outbox(holder):  # the run replayed the plan stage, opened the next
            assert time.monotonic() < deadline, "the run never reached the check-in's mails"
            time.sleep(0.5)
        inside = wait_for(prefect, run.id, "RUNNING", 5)
        killed = kill_worker_of(inside, Path(stack["CCHC_STACK__PREFECT_HOME"]))
        killed_at = time.monotonic()
        holder.rollback()  # the lock goes; the dead run's half-done insert is rolled back
    assert sorted(assigned(ctx)) == sorted(planned)  # some of the run's mails, not all

    # Meanwhile a unit hands in its check-in on the portal; nothing can resume the dead run.
    first = min(executed)
    hand_in_through_the_portal(stack, ctx, executed[first], secret=SECRET)
    handed += 1
    assert prefect.read_flow_run(run.id).state_type.value == "RUNNING"  # a zombie

    crashed = wait_for(prefect, run.id, "Crashed", ZOMBIE_AFTER + 90)
    detected = time.monotonic() - killed_at
    assert "nhịp tim" in (crashed.state.message or "")  # the automation's doing, not a worker's
    assert prefect_runs.reconcile(ctx, now=ctx.app.clock.now()) == 1  # run again: the same run
    again = wait_for(prefect, run.id, "Suspended", 240)  # the other worker took it
    assert again.state.state_details.pause_key == f"execute-{check_in.seq}-1-1"
    assert sorted(assigned(ctx)) == mailed  # every mail of both stages, once
    now = counts(ctx)
    assert (now["tasks"], now["submissions"], now["receipts"]) == (tasks, handed, handed)
    with ctx.app.uow() as uow:
        [kept] = uow.submissions.versions(first)  # the portal's hand-in, once
    assert str(kept.payload["content"]).startswith("Đã tổ chức hội thảo")

    handed += hand_in_everything(ctx, activity=ACTIVITY)
    assert prefect_runs.reconcile(ctx, now=ctx.app.clock.now()) == 1  # resumed
    wait_for(prefect, run.id, "Completed", 240)
    final = counts(ctx)
    assert sorted(assigned(ctx)) == mailed
    assert (final["tasks"], final["submissions"], final["receipts"]) == (tasks, handed, handed)
    assert final["outbox"] == len(mailed) + handed
    with ctx.app.uow() as uow:
        assert uow.reports.get(plan=ctx.plan.code, activity=ACTIVITY) is not None
    runs = [
        r
        for r in prefect.read_flow_runs()
        if r.parameters.get("activity") == ACTIVITY and r.start_time
    ]
    assert [r.id for r in runs] == [run.id]  # no second run
    print(
        f"\nkilled {len(killed)} processes; Crashed {detected:.0f} s after the kill; "
        f"test {time.monotonic() - began:.0f} s; {len(mailed)} assignment mails, "
        f"{handed} submissions and receipts, {tasks} tasks"
    )
