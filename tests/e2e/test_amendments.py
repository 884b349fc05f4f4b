"""An amended plan on a real Prefect API: publishing version 2 migrates exactly the open
work the two versions imply, tells each unit once, keeps what was handed in, and cancels the
runs of the activity it removed; publishing it again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from documents.plans.files import load_plan
from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.policy import Stage
from domain.schedule import build_schedule, schedule_tasks
from domain.task import ACTIVE_STATES, TaskKey, TaskState
from domain.vi import dmy
from services.bootstrap import App
from services.context import plan_context
from services.plan_inputs import unit_directory
from services.prefect_adapter import deployments, runs
from services.tasks import submit
from storage.tables import OutboxRow
from tests.e2e.plans import plan_2026, publish

APRIL = datetime(2026, 4, 6, 9, 0, tzinfo=LOCAL_TZ)
HANDED_IN = TaskKey("iso-training", "TDC", Stage.PLAN)


@pytest.fixture
def app(dated_app: Callable[[datetime], App]) -> App:
    return dated_app(APRIL)


def versions(folder: Path) -> tuple[Path, Path]:
    """Version 1: the 2025 plan moved to 2026 under a code of this test's own (the Prefect
    API is shared by the session). Version 2 amends it: an activity added, one removed, a
    coordinator group dropped, a window moved, the units' reporting deadline moved."""
    first = plan_2026(folder)
    data = yaml.safe_load(first.read_text(encoding="utf-8"))
    acts = {a["code"]: a for a in data["activities"]}
    del acts["bulletins"]["coordinators"]  # coordinators dropped
    acts["science-digital-events"]["window"] = "Quý III/2026"  # window moved
    data["activities"] = [a for a in data["activities"] if a["code"] != "iso-training"]
    data["activities"].append(
        {
            "code": "cchc-conference",
            "number": 7,
            "title": "Hội nghị tuyên truyền cải cách hành chính",
            "lead": {"as_written": "Văn phòng Sở", "units": ["VP"]},
            "coordinators": {"as_written": "Các phòng, đơn vị liên quan", "groups": ["lien-quan"]},
            "window": "Quý II/2026",
        }
    )
    data["amendments"] = [{"number": 96, "symbol": "KH-SKHCN", "issued_on": "2026-04-06"}]
    data["reporting"]["unit_report"]["deadline"] = "trước ngày 20/11/2026"
    data["reporting"]["consolidated_report"]["deadline"] = "trước ngày 07/12/2026"  # room to chase
    second = folder / "v2.yaml"
    second.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return first, second


def scheduled(app: App, plan: Plan) -> dict[TaskKey, tuple[Any, Any]]:
    directory = unit_directory(app.settings)
    return {
        t.key: (t.opens_on, t.due_on)
        for s in build_schedule(plan, directory, app.calendar)
        for t in schedule_tasks(s, plan)
    }


def amended_mails(app: App) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(OutboxRow).where(OutboxRow.kind == "plan_amended")))


def test_an_amendment_migrates_exactly_the_open_work_its_versions_imply(
    app: App, tmp_path: Path
) -> None:
    from flows.propagation import propagation

    first, second = versions(tmp_path)
    directory = unit_directory(app.settings)
    v1 = load_plan(first, directory=directory, calendar=app.calendar)
    v2 = load_plan(second, directory=directory, calendar=app.calendar)
    publish(app, v1, "ban hành")
    for activity, opened in (
        ("bulletins", datetime(2026, 1, 2, 8, tzinfo=LOCAL_TZ)),
        ("iso-training", datetime(2026, 1, 2, 8, tzinfo=LOCAL_TZ)),
        ("science-digital-events", datetime(2026, 4, 1, 8, tzinfo=LOCAL_TZ)),
    ):  # a run's first pass: those stages' tasks assigned, their mails queued
        propagation(activity, v1.code, 2026, opened, "return")
    ctx = plan_context(v1.code, app)
    with app.uow() as uow:
        submit(uow, ctx.mailer, HANDED_IN, at=APRIL, by="tdc", payload={"content": "Kế hoạch"})
        states = {k: s.task.state for k, s in uow.tasks.keyed(plan=v1.code).items()}
        known = {k for k in states if uow.outbox.exists(f"{v1.code}:{k}:task_assigned:")}
    before, after = scheduled(app, v1), scheduled(app, v2)
    open_before = {k for k, state in states.items() if state in ACTIVE_STATES}
    cancelled = {k for k in open_before if k not in after}
    created = set(after) - set(before)
    moved = {k for k in open_before & set(after) if before[k] != after[k]}
    dated = {k for k in moved if before[k][1] != after[k][1]}
    assert cancelled  # the amendment touches each kind of work
    assert created
    assert dated

    done, applied = publish(app, v2, "bổ sung hội nghị")
    assert (done.version, done.new_version) == (2, True)
    load = done.load
    assert {c.key for c in load.changes if c.cancelled} == cancelled
    assert set(load.created) == created
    assert load.tasks_rescheduled == len(moved)
    assert {c.key for c in load.changes if not c.cancelled} == dated
    with app.uow() as uow:
        now = {k: s for k, s in uow.tasks.keyed(plan=v1.code).items()}
        handed = uow.submissions.versions(now[HANDED_IN].id)
        reasons = {
            e.reason for e in uow.audit.entries(entity="task") if e.action == "task.cancelled"
        }
    assert all(now[k].task.state is TaskState.CANCELLED for k in cancelled)
    assert all(now[k].task.due_on == after[k][1] for k in moved)
    assert now[HANDED_IN].task.state is TaskState.SUBMITTED  # handed in: neither lost nor reopened
    assert len(handed) == 1
    assert reasons == {"Theo Kế hoạch điều chỉnh (phiên bản 2): bổ sung hội nghị"}

    # One mail to each unit whose assigned work was cancelled or moved, listing all of it.
    told = {k.unit for k in (cancelled | dated) & known}
    assert told  # units that had been assigned work the amendment cancels or moves
    mails = amended_mails(app)
    assert len(mails) == len(told)
    units = {u.code: u for u in directory.units}
    assert {m.recipients["to"][0][1] for m in mails} == {units[u].contact.email for u in told}
    by_email = {m.recipients["to"][0][1]: m for m in mails}
    for key in (cancelled | dated) & known:
        body = by_email[units[key.unit].contact.email].body_text
        if key in dated:
            assert f"hạn {dmy(before[key][1])} → {dmy(after[key][1])}" in body, body
        else:
            assert "không còn thực hiện theo Kế hoạch điều chỉnh" in body, body
    for mail in mails:
        assert mail.subject.startswith("[CCHC 2026] Kế hoạch điều chỉnh:")
        assert "phiên bản 2: bổ sung hội nghị" in mail.body_text
    # The removed activity's deployment is unscheduled and its waiting run cancelled.
    assert applied.retired == [f"{v1.code}.iso-training"]
    assert applied.runs_cancelled >= 1

    again, applied_again = publish(app, v2, "bổ sung hội nghị")
    assert (again.version, again.new_version, again.changed) == (2, False, False)
    assert applied_again.created == applied_again.updated == []
    assert len(amended_mails(app)) == len(told)
    deployments.close(v1.code, message="test over")  # leave the shared API with nothing waiting


def test_an_amendment_naming_an_unknown_unit_is_refused_with_nothing_changed(
    app: App, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from cli.main import app as cli

    first, _second = versions(tmp_path)
    v1 = load_plan(first, directory=unit_directory(app.settings), calendar=app.calendar)
    publish(app, v1, "ban hành")
    bad = tmp_path / "bad.yaml"
    text = first.read_text(encoding="utf-8")
    bad.write_text(text.replace("units: [CDS]", "units: [CDSX]", 1), encoding="utf-8")
    line = next(i for i, t in enumerate(bad.read_text("utf-8").splitlines(), 1) if "CDSX" in t)
    with app.uow() as uow:
        before = {k: s.task for k, s in uow.tasks.keyed(plan=v1.code).items()}
    result = CliRunner().invoke(cli, ["plan", "publish", str(bad), "--reason", "sai"])
    assert result.exit_code == 1
    assert f"{bad}:{line}: activities[2].lead.units[0]" in result.stderr, result.stderr
    assert "CDSX" in result.stderr
    with app.uow() as uow:
        assert [v.number for v in uow.plans.versions(v1.code)] == [1]
        assert {k: s.task for k, s in uow.tasks.keyed(plan=v1.code).items()} == before
    deployments.close(v1.code, message="test over")


def test_a_waiting_run_of_a_changed_activity_is_resumed_and_assigns_the_added_unit(
    app: App, tmp_path: Path
) -> None:
    """iso-training (led by TDC) waits at its plan gate; the amendment adds VP as a second
    lead: resumed, the run's body opens VP's plan task and mails it, once."""
    import contextlib

    from prefect.client.orchestration import get_client
    from prefect.exceptions import Pause
    from prefect.flow_engine import run_flow

    from flows.propagation import propagation

    first, _second = versions(tmp_path)
    directory = unit_directory(app.settings)
    v1 = load_plan(first, directory=directory, calendar=app.calendar)
    publish(app, v1, "ban hành")
    data = yaml.safe_load(first.read_text(encoding="utf-8"))
    [iso] = [a for a in data["activities"] if a["code"] == "iso-training"]
    iso["lead"] = {"as_written": "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng, Văn phòng Sở"}
    iso["lead"]["units"] = ["TDC", "VP"]
    amended = tmp_path / "lead-added.yaml"
    amended.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    v2 = load_plan(amended, directory=directory, calendar=app.calendar)
    params = {"activity": "iso-training", "plan": v1.code, "year": 2026, "now": APRIL.isoformat()}
    added = TaskKey("iso-training", "VP", Stage.PLAN)

    def step() -> str:
        with get_client(sync_client=True) as client:
            found = client.read_flow_run(run.id)
            with contextlib.suppress(Pause):
                run_flow(propagation, flow_run=found, parameters=params, return_type="state")
            return str(client.read_flow_run(run.id).state_name)

    maker: Any = propagation.to_deployment(name=f"{v1.code}-waiting")
    deployment = maker.apply()
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment, parameters=params)
    assert step() == "Suspended"  # at the plan gate, TDC's task mailed
    done, _applied = publish(app, v2, "thêm đơn vị chủ trì")
    assert added in done.load.created
    assert runs.resume_changed(v1.code, {"iso-training"}, note="điều chỉnh") == 1
    assert step() == "Suspended"  # the same gate, now waiting for VP too
    with app.uow() as uow:
        assert uow.outbox.exists(f"{v1.code}:{added}:task_assigned:")
    assert runs.resume_changed(v1.code, {"website-publication"}, note="không liên quan") == 0
    deployments.close(v1.code, message="test over")
