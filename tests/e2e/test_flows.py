"""The propagation flow through real suspend/resume cycles on a real Prefect API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from sqlalchemy import func, select

from domain.policy import Stage
from domain.task import TaskKey
from flows import common
from flows.propagation import propagation
from services.context import plan_context
from services.tasks import submit
from storage.tables import OutboxRow, TaskRow
from tests.conftest import PLAN_PATH, UNITS_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
ACTIVITY = "iso-training"  # lead TDC alone: four tasks, one per stage


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_MAIL__BACKEND", "memory")
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    common._context.cache_clear()
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)]).exit_code == 0
    yield url
    common._context.cache_clear()


def counts() -> dict[str, int]:
    ctx = common.context(common.DEFAULT_PLAN)
    with ctx.app.uow() as uow:
        return {
            "outbox": uow.session.scalar(select(func.count()).select_from(OutboxRow)) or 0,
            "tasks": uow.session.scalar(select(func.count()).select_from(TaskRow)) or 0,
        }


def new_run(params: dict[str, Any]) -> Any:
    deployment_id = propagation.to_deployment(name=f"test-{ACTIVITY}").apply()
    with get_client(sync_client=True) as client:
        return client.create_flow_run_from_deployment(deployment_id, parameters=params)


def step(run_id: Any, params: dict[str, Any]) -> str:
    """Let the run's process go until it suspends or ends; the state name."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        try:
            run_flow(propagation, flow_run=run, parameters=params, return_type="state")
        except Pause:
            pass
        return str(client.read_flow_run(run_id).state_name)


def hand_in(stage: Stage) -> None:
    ctx = plan_context(common.DEFAULT_PLAN)
    with ctx.app.uow() as uow:
        submit(uow, ctx.mailer, TaskKey(ACTIVITY, "TDC", stage), at=datetime.now(UTC),
               by="tdc@skhcn.example.invalid", payload={"stage": stage.value})


def test_a_whole_activity_through_its_four_gates(loaded: str) -> None:
    params = {"activity": ACTIVITY}
    run = new_run(params)
    assert step(run.id, params) == "Suspended"
    for stage in (Stage.PLAN, Stage.EXECUTE, Stage.EVIDENCE):
        hand_in(stage)
        resume_flow_run(run.id, run_input={"submission_ids": [1]})
        assert step(run.id, params) == "Suspended"
    hand_in(Stage.REPORT)
    resume_flow_run(run.id, run_input={"submission_ids": [4]})
    assert step(run.id, params) == "Completed"
    ctx = common.context(common.DEFAULT_PLAN)
    with ctx.app.uow() as uow:
        report = uow.reports.get(plan=ctx.plan.code, activity=ACTIVITY)
        kinds = [r.kind for r in uow.session.scalars(select(OutboxRow))]
    assert report is not None
    assert report["units"]["TDC"]["payload"] == {"stage": "report"}
    assert kinds.count("task_assigned") == 4
    assert kinds.count("submission_receipt") == 4


def test_resuming_twice_and_rerunning_creates_nothing_twice(loaded: str) -> None:
    params = {"activity": ACTIVITY}
    run = new_run(params)
    assert step(run.id, params) == "Suspended"
    hand_in(Stage.PLAN)
    resume_flow_run(run.id, run_input={"submission_ids": [1]})
    assert step(run.id, params) == "Suspended"  # now at the execute gate
    before = counts()
    # An admin resumes it again from the UI with nothing new: it replays and waits again.
    resume_flow_run(run.id, run_input={"submission_ids": []})
    assert step(run.id, params) == "Suspended"
    assert counts() == before
    # A second run of the same activity (say the first crashed) replays to the same gate.
    other = new_run(params)
    assert step(other.id, params) == "Suspended"
    assert counts() == before


def test_an_unknown_activity_fails_the_run_with_a_clear_message(loaded: str) -> None:
    params = {"activity": "no-such-activity"}
    run = new_run(params)
    with get_client(sync_client=True) as client:
        state = run_flow(propagation, flow_run=client.read_flow_run(run.id), parameters=params,
                         return_type="state")
    assert state.is_failed()
    assert "no-such-activity" in str(state.message) + str(state.result(raise_on_failure=False))
    assert counts()["outbox"] == 0
