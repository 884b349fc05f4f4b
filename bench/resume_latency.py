"""P6: from a committed submission to the run leaving Suspended, with a local process worker.

Brings up the stack on spare ports with a fresh SQLite database, starts the `bulletins`
activity (plan stage: the lead alone; each execute check-in: the lead and six coordinators),
then hands in one task at a time: commit, resume (as the portal does), and time until the run
is Resuming and until it is Running again. Also times an empty flow run on the same server
against a run passing one stage gate, for the per-stage overhead.
Usage: python -m bench.resume_latency [--submissions 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.client.orchestration import get_client

from bench.results import record
from deploy.stack import Stack
from domain.policy import Stage
from services.context import plan_context
from services.prefect_adapter import runs as prefect_runs
from services.prefect_adapter.settings import temporary
from services.settings import Settings, StackSettings
from services.tasks import submit
from tests.smtp_server import free_port

ACTIVITY = "bulletins"
PLAN = "2025-skhcn-quang-ngai"  # the plan `cchc up` publishes (CCHC_PLAN_PATH's default)
GOAL_P50, GOAL_P95 = 2.0, 4.0  # seconds, submission committed → run Running


@flow(name="bench-empty")
def empty() -> None:
    """Nothing: the cost of a flow run itself."""


def state_of(run_id: Any) -> str:
    with get_client(sync_client=True) as client:
        return str(client.read_flow_run(run_id).state_name)


def wait_for(run_id: Any, names: set[str], timeout: float = 120) -> float:
    started = time.perf_counter()
    while state_of(run_id) not in names:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"run {run_id} never reached {names}")
        time.sleep(0.05)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cchc-p6-"))
    settings = Settings(
        database_url=f"sqlite:///{work / 'cchc.db'}",
        stack=StackSettings(
            prefect_port=free_port(),
            sink_port=free_port(),
            prefect_home=work / "prefect",
            sink_dir=work / "sink",
        ),
    )
    stack = Stack(settings, say=lambda line: None)
    try:
        stack.start()
        auth = stack.env()["PREFECT_API_AUTH_STRING"]  # the stack's own
        with temporary(api_url=stack.api_url, auth_string=auth):
            measure(settings, stack, args.submissions)
    finally:
        stack.stop()


def measure(settings: Settings, stack: Stack, count: int) -> None:
    os.environ["CCHC_DATABASE_URL"] = settings.database_url
    ctx = plan_context(PLAN)
    from prefect.deployments import run_deployment

    from services.prefect_adapter.deployments import full_name

    run = run_deployment(  # the plan's own deployment of the activity, made from its data
        full_name(PLAN, ACTIVITY),
        timeout=0,
        as_subflow=False,
        parameters={"activity": ACTIVITY, "plan": PLAN, "year": ctx.plan.year},
    )
    first_gate = wait_for(run.id, {"Suspended"})
    order: list[tuple[Stage, int, str]] = [(Stage.PLAN, 1, "CDS")]
    helpers = [u for u in ctx.directory.resolve([], ["lien-quan"]) if u != "CDS"]
    for seq in (1, 2, 3):
        order += [(Stage.EXECUTE, seq, u) for u in ["CDS", *helpers]]
    to_resuming: list[float] = []
    to_pending: list[float] = []
    to_running: list[float] = []
    replays: list[float] = []
    for stage, seq, unit in order[:count]:
        from domain.task import TaskKey

        with ctx.app.uow() as uow:
            submit(
                uow,
                ctx.mailer,
                TaskKey(ACTIVITY, unit, stage, seq),
                at=datetime.now(UTC),
                by="bench",
                payload={},
            )
        started = time.perf_counter()  # committed: now the resume, as the portal does it
        prefect_runs.resume(run.id)
        wait_for(run.id, {"Resuming", "Pending", "Running"})
        to_resuming.append(time.perf_counter() - started)
        wait_for(run.id, {"Pending", "Running", "Completed", "Suspended"})
        to_pending.append(time.perf_counter() - started)
        wait_for(run.id, {"Running", "Completed", "Suspended"})
        to_running.append(time.perf_counter() - started)
        replays.append(wait_for(run.id, {"Suspended", "Completed"}))
    empty_run = run_empty(stack)
    load = api_load(stack)
    p50, p95 = statistics.median(to_running), percentile(to_running, 0.95)
    entry = record(
        "P6",
        value=p50,
        unit="s (submission committed → run Running, p50)",
        baseline=empty_run,
        goal=f"p50 ≤ {GOAL_P50:g} s and p95 ≤ {GOAL_P95:g} s through a real worker",
        met=p50 <= GOAL_P50 and p95 <= GOAL_P95,
        p95=round(p95, 3),
        resuming_p50=round(statistics.median(to_resuming), 3),
        pending_p50=round(statistics.median(to_pending), 3),
        first_gate_s=round(first_gate, 3),
        submissions=len(to_running),
        replay_to_next_gate_p50_s=round(statistics.median(replays), 3),
        baseline_what="an empty flow run, submitted to the same worker, to Completed",
        to_running_s=sorted(round(t, 3) for t in to_running),
        **load,
    )
    print(f"{'figure':<58}{'value':>10}{'baseline':>10}{'ratio':>8}")
    print(
        f"{'P6 submission → Running, p50 (s)':<58}{p50:>10.2f}{empty_run:>10.2f}"
        f"{entry['ratio']:>8.2f}"
    )
    print(
        f"   p95 {p95:.2f} s; → Resuming p50 {statistics.median(to_resuming):.3f} s; "
        f"→ Pending (a worker took it) p50 {statistics.median(to_pending):.3f} s; "
        f"first gate reached {first_gate:.1f} s after the run was created"
    )
    print(
        f"   the workers' polls ({load['worker_polls_per_minute']}/min): Prefect server "
        f"{load['server_cpu_pct_polled']:.1f}% of a core while idle, "
        f"{load['server_cpu_pct_unpolled']:.1f}% with the workers stopped"
    )
    print(
        f"   per stage: Running → body replayed → next gate, p50 "
        f"{statistics.median(replays):.2f} s (an empty run end to end: {empty_run:.2f} s)"
    )


def cpu_seconds(root: int) -> float:
    """User and system CPU time of process `root` and its descendants, from /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])))
    tree: set[int] = set()
    grown = {root}
    while grown - tree:  # add children until no process is new
        tree |= grown
        grown = tree | {pid for pid, (ppid, _) in stats.items() if ppid in tree}
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def api_load(stack: Stack, seconds: float = 20) -> dict[str, Any]:
    """What the workers' polling costs the API: the server's CPU over an idle window with
    the workers polling, and over the same window with them stopped (SIGSTOP)."""
    server = next(p for name, p in stack.processes.items() if name.startswith("server"))
    workers = [p for name, p in stack.processes.items() if name.startswith("worker")]

    def share() -> float:
        before = cpu_seconds(server.pid)
        time.sleep(seconds)
        return round(100 * (cpu_seconds(server.pid) - before) / seconds, 2)

    polled = share()
    for worker in workers:
        worker.send_signal(signal.SIGSTOP)
    try:
        unpolled = share()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGCONT)
    poll = float(stack.env()["PREFECT_WORKER_QUERY_SECONDS"])
    return {
        "worker_poll_seconds": poll,
        "worker_polls_per_minute": round(len(workers) * 60 / poll),
        "server_cpu_pct_polled": polled,
        "server_cpu_pct_unpolled": unpolled,
    }


def run_empty(stack: Stack) -> float:
    """An empty flow on the same worker: its wall time from creation to Completed."""
    from prefect.deployments import run_deployment

    empty.from_source(
        source=str(Path(__file__).resolve().parent.parent),
        entrypoint="bench/resume_latency.py:empty",
    ).deploy(
        name="bench",
        work_pool_name=stack.settings.stack.work_pool,
        build=False,
        push=False,
        print_next_steps=False,
    )
    times = []
    for _ in range(5):
        started = time.perf_counter()
        run: Any = run_deployment("bench-empty/bench", timeout=0, as_subflow=False)
        wait_for(run.id, {"Completed"})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
