"""The propagation flow through real suspend/resume cycles on a real Prefect API."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from prefect.states import Cancelled
from sqlalchemy import func, select

from domain.policy import Stage
from domain.task import TaskKey
from flows import common
from flows.propagation import propagation
from services.context import plan_context
from services.tasks import submit
from storage.tables import OutboxRow, TaskRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE

pytestmark = pytest.mark.usefixtures("prefect_api")
ACTIVITY = "iso-training"  # lead TDC alone: four tasks, one per stage


def counts() -> dict[str, int]:
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        return {
            "outbox": session_of(uow).scalar(select(func.count()).select_from(OutboxRow)) or 0,
            "tasks": session_of(uow).scalar(select(func.count()).select_from(TaskRow)) or 0,
        }


def new_run(params: dict[str, Any], deployment: str = f"test-{ACTIVITY}") -> Any:
    """A run of the propagation flow from `deployment` (a test that judges a deployment's
    latest runs names its own: the Prefect server is shared by the session)."""
    deployment_id: Any = propagation.to_deployment(name=deployment).apply()
    with get_client(sync_client=True) as client:
        return client.create_flow_run_from_deployment(deployment_id, parameters=params)


def step(run_id: Any, params: dict[str, Any]) -> str:
    """Let the run's process go until it suspends or ends; the state name."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        with contextlib.suppress(Pause):
            run_flow(propagation, flow_run=run, parameters=params, return_type="state")
        return str(client.read_flow_run(run_id).state_name)


HANDED_IN = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)  # a fixed instant, not today


def hand_in(stage: Stage) -> None:
    ctx = plan_context(PLAN_CODE)
    with ctx.app.uow() as uow:
        submit(
            uow,
            ctx.mailer,
            TaskKey(ACTIVITY, "TDC", stage),
            at=HANDED_IN,
            by="tdc@skhcn.example.invalid",
            payload={"stage": stage.value},
        )


def test_a_whole_activity_through_its_four_gates(loaded: str) -> None:
    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params)
    assert step(run.id, params) == "Suspended"
    for stage in (Stage.PLAN, Stage.EXECUTE, Stage.EVIDENCE):
        hand_in(stage)
        resume_flow_run(run.id, run_input={"submission_ids": [1]})
        assert step(run.id, params) == "Suspended"
    hand_in(Stage.REPORT)
    resume_flow_run(run.id, run_input={"submission_ids": [4]})
    assert step(run.id, params) == "Completed"
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        report: Any = uow.reports.get(plan=ctx.plan.code, activity=ACTIVITY)
        kinds = [r.kind for r in session_of(uow).scalars(select(OutboxRow))]
    assert report is not None
    assert report["units"]["TDC"]["payload"] == {"stage": "report"}
    assert kinds.count("task_assigned") == 4
    assert kinds.count("submission_receipt") == 4


def test_resuming_twice_and_rerunning_creates_nothing_twice(loaded: str) -> None:
    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
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
    params = {"activity": "no-such-activity", "plan": PLAN_CODE, "year": 2025}
    run = new_run(params)
    with get_client(sync_client=True) as client:
        state = run_flow(
            propagation,
            flow_run=client.read_flow_run(run.id),
            parameters=params,
            return_type="state",
        )
    assert state.is_failed()
    assert "no-such-activity" in str(state.message) + str(state.result(raise_on_failure=False))
    assert counts()["outbox"] == 0


def _events(prefix: str, resource: str | None = None) -> list[Any]:
    """Events named `prefix…`; only those naming `resource` (e.g. one flow run) if given."""
    from prefect.events.filters import EventAnyResourceFilter, EventFilter, EventNameFilter

    about = EventAnyResourceFilter(id=[resource]) if resource else None
    with get_client(sync_client=True) as client:
        page = client.read_events(
            EventFilter(event=EventNameFilter(prefix=[prefix]), any_resource=about), limit=50
        )
        return list(page.events)


def test_events_and_artifacts_of_a_completed_activity(loaded: str) -> None:
    import time

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params)
    step(run.id, params)
    for stage in Stage:
        hand_in(stage)
        resume_flow_run(run.id, run_input={"submission_ids": []})
        step(run.id, params)
    deadline = time.monotonic() + 30
    ours = f"prefect.flow-run.{run.id}"
    while time.monotonic() < deadline:  # events reach the server asynchronously
        completed = _events("cchc.stage.completed", ours)
        if len({e.payload["stage"] for e in completed}) == 4:
            break
        time.sleep(0.5)
    assert sorted({e.payload["stage"] for e in completed}) == sorted(s.value for s in Stage)
    assert all(e.resource.id == f"cchc.activity.{ACTIVITY}" for e in completed)
    units = {r.id for e in completed for r in e.related if r.id.startswith("cchc.unit.")}
    assert units == {"cchc.unit.TDC"}  # Prefect adds the run, flow and deployment itself
    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"cchc-{PLAN_CODE}-{ACTIVITY}-status"])
            )
        )
        summaries = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"cchc-{PLAN_CODE}-{ACTIVITY}-summary"])
            )
        )
    assert tables
    import json

    latest = max(tables, key=lambda t: str(t.created)).data
    rows = json.loads(latest) if isinstance(latest, str) else latest
    tdc = common.context(PLAN_CODE).directory.unit("TDC")
    assert tdc is not None
    assert [row["Đơn vị"] for row in rows] == [tdc.name]
    stages = [column.split(" – hạn ")[0] for column in rows[0] if column != "Đơn vị"]
    assert stages == ["Lập kế hoạch", "Thực hiện (kỳ 1)", "Minh chứng", "Báo cáo"]
    # Handed in now (2026) for a 2025 plan: every stage is done, and late.
    assert {v for column, v in rows[0].items() if column != "Đơn vị"} == {"Hoàn thành quá hạn"}
    assert any("Chờ lập kế hoạch: 0/1 đơn vị" in str(s.description) for s in summaries)
    # Each run's summary links the activity's BPMN 2.0 diagram, written where it points.
    bpmn = Path(loaded.removeprefix("sqlite:///")).parent / "bpmn" / f"{ACTIVITY}.bpmn"
    assert any(bpmn.as_uri() in str(s.data) for s in summaries)
    assert bpmn.read_bytes().startswith(b"<?xml")


def test_a_waiting_stage_reports_its_progress_in_one_event_per_new_set(loaded: str) -> None:
    import time

    activity = "science-digital-events"  # three units plan it
    params = {"activity": activity, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params, deployment=f"test-{activity}")
    assert step(run.id, params) == "Suspended"  # nothing handed in: no progress event
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        units = [
            u
            for u, _state in uow.tasks.slot_states(
                plan=PLAN_CODE, activity=activity, stage=Stage.PLAN, seq=1
            )
        ]
        key = TaskKey(activity, units[0], Stage.PLAN)
        submit(uow, ctx.mailer, key, at=HANDED_IN, by="test", payload={"stage": "plan"})
    assert len(units) > 1
    for _again in range(2):  # the second pass sees the same set: nothing new is emitted
        resume_flow_run(run.id, run_input={"submission_ids": []})
        assert step(run.id, params) == "Suspended"
    ours = f"prefect.flow-run.{run.id}"
    deadline = time.monotonic() + 30
    while not (found := _events("cchc.stage.progress", ours)) and time.monotonic() < deadline:
        time.sleep(0.5)  # events reach the server asynchronously
    time.sleep(2)  # a duplicate, if one were sent, would be in by now
    [event] = _events("cchc.stage.progress", ours)
    assert found
    assert event.resource.id == f"cchc.activity.{activity}"
    assert event.payload["tasks"] == [str(key)]
    assert (event.payload["done"], event.payload["total"]) == (1, len(units))
    assert {r.id for r in event.related if r.id.startswith("cchc.unit.")} == {
        f"cchc.unit.{units[0]}"
    }
    assert not _events("cchc.task.submitted", ours)  # no event per hand-in any more
    with get_client(sync_client=True) as client:  # the server is shared: no gate left open
        client.set_flow_run_state(run.id, Cancelled(), force=True)


def test_the_overdue_automation_is_created_once(loaded: str) -> None:
    from flows.admin import notify_office
    from services.prefect_adapter.automations import (
        OVERDUE_AUTOMATION,
        ensure_overdue_automation,
    )

    notify_office.to_deployment(name="office").apply()
    first = ensure_overdue_automation()
    assert ensure_overdue_automation() == first
    with get_client(sync_client=True) as client:
        [automation] = client.read_automations_by_name(OVERDUE_AUTOMATION)
    assert automation.trigger.expect == {"cchc.task.overdue"}
    assert automation.actions[0].parameters == {
        "task": "{{ event.payload.task }}",
        "plan": "{{ event.payload.plan }}",
    }


def test_the_sweep_resumes_a_run_whose_stage_moved_on(loaded: str) -> None:
    from flows.sweep import deadline_sweep

    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params)
    assert step(run.id, params) == "Suspended"
    hand_in(Stage.PLAN)  # committed, but nobody resumed the run (the portal's call was lost)
    result = deadline_sweep(
        PLAN_CODE, now=datetime(2025, 4, 8, 0, 30, tzinfo=UTC)
    )  # a working morning
    assert result["resumed"] == 1
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).state_name == "Resuming"
    assert step(run.id, params) == "Suspended"  # now at the execute gate
    assert deadline_sweep(PLAN_CODE, now=datetime(2025, 4, 8, 0, 30, tzinfo=UTC))["resumed"] == 0


def test_resuming_a_run_another_process_resumed_first_is_no_error(loaded: str) -> None:
    from services.prefect_adapter.runs import resume

    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params)
    assert step(run.id, params) == "Suspended"
    assert resume(run.id, note="cổng thông tin") is True
    # The sweep's reconciler read the gate before the portal's resume: it finds it resumed.
    assert resume(run.id, note="đối soát") is False
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).state_name == "Resuming"
        client.set_flow_run_state(run.id, Cancelled(), force=True)  # no gate left on the server
