"""The deadline sweep at chosen instants, and the admin flows run from their deployments."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import StateType
from prefect.flow_engine import run_flow
from prefect.settings import PREFECT_API_URL
from sqlalchemy import select, update

from domain.clock import local_datetime
from flows import admin, common
from flows.sweep import deadline_sweep
from services import stages
from storage.tables import OutboxRow, TaskRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE

pytestmark = pytest.mark.usefixtures("prefect_api")
KEPT = "iso-inspection/CCTDC/execute#1"  # opens 16/10, due Friday 31/10/2025


@pytest.fixture
def one_task(loaded: str) -> None:
    """Every task done or cancelled but one, so each sweep's mail can be counted exactly."""
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        kept = uow.tasks.get(stages.parse_task(KEPT), plan=ctx.plan.code)
        assert kept is not None
        session_of(uow).execute(
            update(TaskRow).where(TaskRow.id != kept.id).values(state="cancelled")
        )
        uow.commit()


def sent_rows() -> dict[int, str]:
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        rows = session_of(uow).execute(
            select(OutboxRow.id, OutboxRow.kind).where(OutboxRow.state == "sent")
        )
        return {id_: kind for id_, kind in rows}


def sweep_on(day: date) -> dict[str, int]:
    """Run the sweep flow at 07:30 that day; the mails this sweep sent, by kind."""
    before = sent_rows()
    result = deadline_sweep(PLAN_CODE, now=local_datetime(day, time(7, 30)))
    ctx = common.context(PLAN_CODE)
    assert result["working_day"] == ctx.app.calendar.is_working_day(day)
    kinds: dict[str, int] = {}
    for id_, kind in sent_rows().items():
        if id_ not in before:
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def test_the_sweep_sends_exactly_the_expected_mails(one_task: None) -> None:
    assert sweep_on(date(2025, 10, 23)) == {}  # T-6: nothing yet
    assert sweep_on(date(2025, 10, 24)) == {"reminder": 1}  # T-5
    assert sweep_on(date(2025, 10, 24)) == {}  # again the same morning: nothing twice
    assert sweep_on(date(2025, 10, 30)) == {"reminder": 1}  # T-1
    assert sweep_on(date(2025, 10, 31)) == {"reminder": 1}  # the due day
    assert sweep_on(date(2025, 11, 1)) == {}  # Saturday
    # +1 working day, head in copy; November's first working day: the head's summary too
    assert sweep_on(date(2025, 11, 3)) == {"overdue": 1, "head_summary": 1}
    assert sweep_on(date(2025, 11, 4)) == {}  # +2: nothing
    assert sweep_on(date(2025, 11, 5)) == {"escalation_digest": 1}  # +3: the Director
    assert sweep_on(date(2026, 2, 17)) == {}  # Tết Bính Ngọ
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        overdue = session_of(uow).scalar(select(OutboxRow).where(OutboxRow.kind == "overdue"))
        assert overdue is not None
        assert overdue.recipients["cc"]


def deploy_and_run(flow: Flow[Any, Any], params: dict[str, Any]) -> Any:
    params = {"plan": PLAN_CODE, **params}
    deployment_id: Any = flow.to_deployment(name="test").apply()
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, parameters=params)
        return run_flow(flow, flow_run=run, parameters=params, return_type="state")


def audit(action: str) -> list[Any]:
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        return [a for a in uow.audit.entries(entity="task") if a.action == action]


def outbox_size() -> int:
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        return len(list(session_of(uow).scalars(select(OutboxRow.id))))


@pytest.mark.parametrize(
    ("flow", "params"),
    [
        (admin.resend_mail, {"task": "nope/TDC/plan#1"}),
        (admin.return_submission, {"task": "iso-training/XYZ/plan#1", "reason": "x"}),
        (
            admin.extend_due,
            {"task": "iso-training/TDC/bogus#1", "due_on": "2025-05-05", "reason": "x"},
        ),
        (admin.cancel_task, {"task": "not a task", "reason": "x"}),
    ],
    ids=["resend", "return", "extend", "cancel"],
)
def test_bad_parameters_fail_the_run_and_change_nothing(
    loaded: str,
    flow: Flow[Any, Any],
    params: dict[str, Any],
) -> None:
    state = deploy_and_run(flow, params)
    assert state.is_failed()
    assert "not" in str(state.message).lower()
    assert outbox_size() == 0
    assert audit("task.extended") == audit("task.cancelled") == []


def test_admin_flows_with_good_parameters(loaded: str) -> None:
    task = "iso-training/TDC/plan#1"
    assert deploy_and_run(admin.resend_mail, {"task": task}).is_completed()
    assert outbox_size() == 1
    state = deploy_and_run(
        admin.extend_due, {"task": task, "due_on": "2025-04-19", "reason": "Đơn vị xin gia hạn"}
    )
    assert state.result() == "2025-04-21"  # 19/4 is a Saturday: the next working day
    [extended] = audit("task.extended")
    assert (extended.old, extended.new) == ({"due_on": "2025-04-10"}, {"due_on": "2025-04-21"})
    assert extended.reason == "Đơn vị xin gia hạn"
    assert deploy_and_run(admin.cancel_task, {"task": task, "reason": "Trùng"}).is_completed()
    assert len(audit("task.cancelled")) == 1


def test_prefect_deployment_run_creates_an_admin_run(loaded: str, tmp_path: Path) -> None:
    deployment_id = admin.resend_mail.to_deployment(name="cli").apply()
    prefect = str(Path(sys.executable).with_name("prefect"))
    done = subprocess.run(
        [
            prefect,
            "deployment",
            "run",
            "resend-mail/cli",
            "--param",
            "task=iso-training/TDC/plan#1",
            "--param",
            f"plan={PLAN_CODE}",
        ],
        env={
            "PATH": str(Path(sys.executable).parent),
            "HOME": str(tmp_path),
            "PREFECT_API_URL": str(PREFECT_API_URL.value()),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with get_client(sync_client=True) as client:
        # This deployment's runs only (the session's server holds many others), and a
        # run still waiting to start: "Late" is also of the SCHEDULED type.
        [run] = [
            r
            for r in client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            if r.parameters.get("task") == "iso-training/TDC/plan#1"
            and r.state_type == StateType.SCHEDULED
        ]
        state = run_flow(
            admin.resend_mail, flow_run=run, parameters=run.parameters, return_type="state"
        )
    assert state.is_completed()
    assert outbox_size() == 1
