"""A run whose process died: the zombie automation's shape, and the reconciler running the
same run again so that it replays to where the database is, adding nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.flow_runs import resume_flow_run
from prefect.states import Cancelled, Crashed
from sqlalchemy import select

from domain.errors import InvalidRequest
from domain.policy import Stage
from flows import common
from services.prefect_adapter import automations
from services.prefect_adapter import runs as prefect_runs
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE
from tests.e2e.test_flows import ACTIVITY, hand_in, new_run, step

pytestmark = pytest.mark.usefixtures("prefect_api")


def crash(run_id: object) -> None:
    """What the zombie automation's action does to a run whose heartbeats stopped."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, Crashed(message="heartbeats stopped"), force=True)  # type: ignore[arg-type]


def mail_keys() -> list[str]:
    """The keys of each assignment and receipt queued (a unit's assignments of one day are
    carried by one more mail, its batch's: tests/integration/test_assignment_batch.py)."""
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        query = select(OutboxRow.idempotency_key).where(OutboxRow.kind != "assignment_digest")
        return list(session_of(uow).scalars(query))


def test_a_crashed_run_is_retried_as_itself_and_adds_nothing_twice(loaded: str) -> None:
    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    run = new_run(params, deployment="test-crash-recovery")  # its latest run is this one
    assert step(run.id, params) == "Suspended"  # plan gate: one assignment mail
    hand_in(Stage.PLAN)  # one receipt
    resume_flow_run(run.id, run_input={"submission_ids": [1]})
    crash(run.id)  # its process died as it started again
    plan = PLAN_CODE
    assert prefect_runs.retry_crashed(plan, activity="bulletins") == 0  # another activity
    assert prefect_runs.retry_crashed(plan) == 1
    with get_client(sync_client=True) as client:
        again = client.read_flow_run(run.id)
    assert (again.state_type, again.state_name) == (StateType.SCHEDULED, "AwaitingRetry")
    assert step(run.id, params) == "Suspended"  # the same run, now at the execute gate
    before = mail_keys()
    assert len(before) == len(set(before)) == 3  # plan and execute assignments, one receipt
    crash(run.id)  # marked Crashed while it waited (a late heartbeat): back to the same gate
    hand_in(Stage.EXECUTE)  # the portal, after answering, runs it again
    assert prefect_runs.resume_activity(plan, ACTIVITY, note="cổng thông tin") >= 1
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).state_name == "AwaitingRetry"
    assert step(run.id, params) == "Suspended"  # replayed past the execute gate
    after = mail_keys()
    assert set(before) < set(after)
    assert len(after) == len(set(after)) == 5  # + the receipt and the evidence assignment
    assert prefect_runs.retry_crashed(plan) == 0


def test_a_crashed_run_a_later_run_took_over_from_is_left_alone(loaded: str) -> None:
    params = {"activity": ACTIVITY, "plan": PLAN_CODE, "year": 2025}
    first = new_run(params)
    assert step(first.id, params) == "Suspended"
    crash(first.id)
    second = new_run(params)  # say the Office started the activity again
    assert step(second.id, params) == "Suspended"
    assert prefect_runs.retry_crashed(PLAN_CODE) == 0
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(second.id, Cancelled(), force=True)
        assert client.read_flow_run(first.id).state_type is StateType.CRASHED
    assert prefect_runs.retry_crashed(PLAN_CODE) == 0  # cancelled: the Office's call


def test_the_zombie_automation_spares_runs_waiting_at_a_gate(loaded: str) -> None:
    window = timedelta(seconds=90)
    first = automations.ensure_zombie_automation(within=window, heartbeat=30)
    assert automations.ensure_zombie_automation(within=window, heartbeat=30) == first
    with get_client(sync_client=True) as client:
        [automation] = client.read_automations_by_name(automations.ZOMBIE_AUTOMATION)
    trigger, [action] = automation.trigger, automation.actions
    assert isinstance(trigger, EventTrigger)
    assert trigger.posture is Posture.Proactive
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    assert {"prefect.flow-run.heartbeat", "prefect.flow-run.Suspended"} <= trigger.expect
    assert trigger.for_each == {"prefect.resource.id"}
    assert trigger.within == window
    assert isinstance(action, ChangeFlowRunState)
    assert action.state is StateType.CRASHED


def test_a_window_shorter_than_two_heartbeats_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30"):
        automations.ensure_zombie_automation(within=timedelta(seconds=90), heartbeat=180)


def test_flow_automations_creates_both_and_refuses_prefects_slow_default_heartbeat(
    loaded: str,
) -> None:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from typer.testing import CliRunner

    from cli.main import app
    from flows.admin import notify_office

    office: Any = notify_office.to_deployment(name="office")
    office.apply()
    runner = CliRunner()
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 180}):
        slow = runner.invoke(app, ["flow", "automations"])
    assert slow.exit_code == 1
    assert "PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30" in slow.stderr
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 30}):
        done = runner.invoke(app, ["flow", "automations"])
    assert done.exit_code == 0, done.output
    assert "cchc-task-overdue, cchc-zombie-runs" in done.stdout
    with get_client(sync_client=True) as client:
        for name in (automations.OVERDUE_AUTOMATION, automations.ZOMBIE_AUTOMATION):
            assert len(client.read_automations_by_name(name)) == 1
