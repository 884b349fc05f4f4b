"""The year-end flow as a deployment run: it suspends for the units, then for the Director,
then for the văn thư's number and date, sends the final report once, and a second run sends
nothing again."""

from __future__ import annotations

import contextlib
from datetime import datetime, time
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select, update

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from domain.year_end import YEAR_END
from flows import common
from flows.year_end import year_end_report
from services import report_final, review
from services.tasks import submit
from storage.tables import OutboxRow, TaskRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE

pytestmark = pytest.mark.usefixtures("prefect_api")
COLLECTING = datetime(2025, 11, 10, 9, 0, tzinfo=LOCAL_TZ)  # reports open, cut-off ahead
UNITS = ["BBT", "VP", "TTRA", "KHTC", "QLKH", "QLCN", "BCVT", "TDC", "CCTDC", "CDS", "TTUD"]


def new_run(params: dict[str, Any]) -> Any:
    deployment_id: Any = year_end_report.to_deployment(name="test-year-end").apply()
    with get_client(sync_client=True) as client:
        return client.create_flow_run_from_deployment(deployment_id, parameters=params)


def step(run_id: Any, params: dict[str, Any]) -> tuple[str, str]:
    """Let the run go until it suspends or ends: (state name, the gate's key)."""
    with get_client(sync_client=True) as client:
        with contextlib.suppress(Pause):
            run_flow(
                year_end_report,
                flow_run=client.read_flow_run(run_id),
                parameters=params,
                return_type="state",
            )
        state = client.read_flow_run(run_id).state
        assert state is not None
        return str(state.name), str(state.state_details.pause_key or "")


def report_mails() -> list[str]:
    ctx = common.context(PLAN_CODE)
    with ctx.app.uow() as uow:
        return [
            r.kind
            for r in session_of(uow).scalars(
                select(OutboxRow).where(OutboxRow.kind.in_(["report_submitted", "report_sent"]))
            )
        ]


def test_units_then_the_director_then_the_report_once(loaded: str, tmp_path: Any) -> None:
    ctx = common.context(PLAN_CODE)
    ctx.app.settings.__dict__["report_dir"] = tmp_path / "reports"
    with ctx.app.uow() as uow:  # the activities are done: only the year-end work is live
        session_of(uow).execute(update(TaskRow).values(state=TaskState.ACCEPTED.value))
        uow.commit()
    params = {"plan": PLAN_CODE, "now": COLLECTING.isoformat()}
    run = new_run(params)
    name, key = step(run.id, params)
    assert (name, key) == ("Suspended", "report-1-0-1")  # waiting for 11 unit reports
    with ctx.app.uow() as uow:
        for unit in UNITS:
            submit(
                uow,
                ctx.mailer,
                TaskKey(YEAR_END, unit, Stage.REPORT),
                at=datetime.combine(COLLECTING.date(), time(10), LOCAL_TZ),
                by=f"unit:{unit}",
                payload={"content": f"Báo cáo năm {unit}"},
            )
    resume_flow_run(run.id, run_input={"submission_ids": []})
    name, key = step(run.id, params)
    assert (name, key) == ("Suspended", "director-1-0-1")  # all in: the draft waits
    assert report_mails() == []
    review.decide(ctx, 1, approve=True, comments="", at=COLLECTING, by="director:gd")
    resume_flow_run(run.id, run_input={"submission_ids": []})
    name, key = step(run.id, params)
    assert (name, key) == ("Suspended", "registry-1-0-1")  # approved: the văn thư numbers it
    assert report_mails() == []
    final = report_final.finalize(
        ctx, number=312, issued_on=COLLECTING.date(), by="office:vanthu", now=COLLECTING
    )
    assert final.number_symbol == "312/BC-SKHCN"
    resume_flow_run(run.id, run_input={"submission_ids": []})
    assert step(run.id, params)[0] == "Completed"
    assert sorted(report_mails()) == ["report_sent", "report_submitted"]
    again = new_run(params)  # say an admin starts it again from the UI
    assert step(again.id, params)[0] == "Completed"
    assert sorted(report_mails()) == ["report_sent", "report_submitted"]  # nothing twice
