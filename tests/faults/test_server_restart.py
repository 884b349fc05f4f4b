"""The Prefect server restarts while all six activity runs wait at their gates: nothing is
lost — after the restart the sweep's reconciler resumes every run and each completes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows import common
from services.prefect_adapter import runs as prefect_runs
from tests.conftest import PLAN_CODE, PLAN_PATH, UNITS_PATH
from tests.faults.kit import hand_in_everything
from tests.smtp_server import free_port


class PrefectServer:
    """`prefect server start` as its own process, on a private home and port."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError("the Prefect server did not come up")

    def stop(self) -> None:
        """Hand the server this process's pending events and logs, then stop it: nothing
        is left retrying against it (a restart of the server itself loses nothing of ours:
        the runs and their states are in its database)."""
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        EventsWorker.drain_all(timeout=10)
        APILogWorker.drain_all(timeout=10)
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrefectServer]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    for name, value in {
        "CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cchc.db'}",
        "CCHC_UNITS_PATH": str(UNITS_PATH),
        "CCHC_MAIL__BACKEND": "memory",
        "CCHC_BPMN_DIR": str(tmp_path / "bpmn"),
    }.items():
        monkeypatch.setenv(name, value)
    common.CACHE.clear()
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)]).exit_code == 0
    prefect = PrefectServer(tmp_path / "prefect")
    prefect.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: prefect.url}):
            yield prefect
    finally:
        prefect.stop()
        common.CACHE.clear()


def step(run_id: Any) -> str:
    """Run the flow run's process until it suspends or ends; its state name."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import Pause
    from prefect.flow_engine import run_flow

    from flows.propagation import propagation

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        with contextlib.suppress(Pause):
            run_flow(propagation, flow_run=run, parameters=run.parameters, return_type="state")
        return str(client.read_flow_run(run_id).state_name)


def test_every_suspended_run_resumes_after_a_server_restart(server: PrefectServer) -> None:
    from prefect.client.orchestration import get_client

    from flows.propagation import propagation

    ctx = common.context(PLAN_CODE)
    runs = {}
    with get_client(sync_client=True) as client:
        for activity in ctx.plan.activities:
            deployment: Any = propagation.to_deployment(name=activity.code).apply()
            run = client.create_flow_run_from_deployment(
                deployment, parameters={"activity": activity.code, "plan": PLAN_CODE, "year": 2025}
            )
            runs[activity.code] = run.id
    assert {step(run_id) for run_id in runs.values()} == {"Suspended"}
    server.stop()  # every run waits at its plan gate; the server goes away
    assert hand_in_everything(ctx) > 0  # meanwhile every unit hands in every stage
    server.start()  # same home, same database: the runs are still there, still suspended
    assert prefect_runs.reconcile(ctx, now=ctx.app.clock.now()) == len(runs)
    assert {activity: step(run_id) for activity, run_id in runs.items()} == dict.fromkeys(
        runs, "Completed"
    )
    with ctx.app.uow() as uow:
        reports = [uow.reports.get(plan=ctx.plan.code, activity=a) for a in runs]
    assert all(r is not None for r in reports)
    assert prefect_runs.reconcile(ctx, now=ctx.app.clock.now()) == 0  # nothing left waiting
