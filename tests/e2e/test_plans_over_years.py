"""Plans over the years on a real Prefect API: two plans published side by side, each with
its deployments, runs and mails; the sweep covering both in one pass; publish twice
changing nothing; close removing schedules and keeping history; the CLI's plan choice."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app as cli
from documents.plans.files import load_plan
from domain.clock import LOCAL_TZ, FixedClock
from domain.plan import Plan
from domain.records import PlanState
from services import plan_lifecycle
from services.bootstrap import App, bootstrap
from services.context import plan_context
from services.prefect_adapter import deployments, starts
from services.prefect_adapter.settings import temporary
from storage.migrate import upgrade
from storage.tables import OutboxRow, PlanRow, TaskRow
from tests.conftest import PLAN_CODE, PLAN_PATH, UNITS_PATH

APRIL_2026 = datetime(2026, 4, 6, 7, 30, tzinfo=LOCAL_TZ)  # a Monday: both plans have work

runner = CliRunner()


def plan_file(folder: Path, code: str, year: int) -> Path:
    """The 2025 plan under `code`, moved to `year` as plain text (year, windows, deadlines,
    dates). Each test has its own codes: the Prefect API is shared by the session."""
    text = PLAN_PATH.read_text(encoding="utf-8").replace(f"code: {PLAN_CODE}", f"code: {code}")
    path = folder / f"{code}.yaml"
    path.write_text(text.replace("2025", str(year)), "utf-8")
    return path


@dataclass
class Office:
    app: App
    plans: dict[str, Plan]
    old: str  # a 2025 plan's code
    new: str  # a 2026 plan's code

    def publish(self, code: str) -> tuple[plan_lifecycle.Published, deployments.Applied, list[str]]:
        """What `cchc plan publish` does, on the app's (fixed) clock."""
        plan = self.plans[code]
        directory, calendar = plan_context_parts(self.app)
        with self.app.uow() as uow:
            done = plan_lifecycle.publish(
                uow,
                plan=plan,
                directory=directory,
                calendar=calendar,
                at=self.app.clock.now(),
                actor="test",
                reason=f"năm {plan.year}",
            )
        applied = deployments.apply(plan, calendar, work_pool="cchc-test")
        started = starts.start_open(plan_context(code, self.app), now=self.app.clock.now())
        return done, applied, started


def plan_context_parts(app: App) -> tuple[Any, Any]:
    from services.plan_inputs import unit_directory

    return unit_directory(app.settings), app.calendar


@pytest.fixture
def office(dated_app: Callable[[datetime], App], tmp_path: Path) -> Iterator[Office]:
    app = dated_app(APRIL_2026)
    directory, calendar = plan_context_parts(app)
    tag = uuid.uuid4().hex[:8]
    old, new = f"2025-skhcn-{tag}", f"2026-skhcn-{tag}"
    plans = {
        code: load_plan(plan_file(tmp_path, code, year), directory=directory, calendar=calendar)
        for code, year in ((old, 2025), (new, 2026))
    }
    yield Office(app, plans, old, new)
    for code in plans:  # the Prefect API is shared by the session: leave nothing waiting
        deployments.close(code, message="test over")


def server_deployments(code: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    ids = deployments.plan_deployment_ids(code)
    with get_client(sync_client=True) as client:
        return {name: client.read_deployment(i) for name, i in ids.items()}


def plan_runs(code: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId

    ids = list(deployments.plan_deployment_ids(code).values())
    with get_client(sync_client=True) as client:
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=ids))
            )
        )


def subjects(app: App) -> dict[str, list[str]]:
    """The outbox's subjects by the plan of their task."""
    found: dict[str, list[str]] = {}
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(PlanRow.code, OutboxRow.subject)
            .join(TaskRow, TaskRow.id == OutboxRow.task_id)
            .join(PlanRow, PlanRow.id == TaskRow.plan_id)
        )
        for code, subject in rows:
            found.setdefault(code, []).append(subject)
    return found


def all_subjects(app: App) -> list[str]:
    with app.engine.connect() as conn:
        return list(conn.scalars(select(OutboxRow.subject)))


def test_two_plans_side_by_side_with_their_deployments_runs_sweep_and_mails(
    office: Office,
) -> None:
    done_2025, _applied_2025, started_2025 = office.publish(office.old)
    done_2026, _applied_2026, started_2026 = office.publish(office.new)
    assert (done_2025.version, done_2026.version) == (1, 1)
    assert started_2025 == []  # 2025's work is all past: nothing started, no dead links
    # 6 April 2026: the year-round activities, quarter II's events and the ISO training
    # (quarters I–II) are open; the inspection (quarter IV) is not.
    assert set(started_2026) == {
        "website-cchc-section",
        "website-publication",
        "bulletins",
        "science-digital-events",
        "iso-training",
    }
    for code, year in ((office.old, 2025), (office.new, 2026)):
        found = server_deployments(code)
        plan = office.plans[code]
        assert set(found) == {f"{code}.{a.code}" for a in plan.activities} | {f"{code}.year-end"}
        for deployment in found.values():
            assert {"cchc", code, str(year)} <= set(deployment.tags)
            [schedule] = deployment.schedules
            assert schedule.schedule.rrule.endswith(
                "RRULE:FREQ=DAILY;COUNT=1"
            )  # once, never yearly
            assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh"
        inspection = found[f"{code}.iso-inspection"].schedules[0].schedule.rrule
        assert inspection.startswith(f"DTSTART:{year}1001T070000")
    started_runs = {
        r.parameters["activity"] for r in plan_runs(office.new) if r.parameters.get("activity")
    }
    assert set(started_2026) <= started_runs
    assert not [r for r in plan_runs(office.old) if r.state_type.value != "SCHEDULED"]

    from flows.propagation import propagation
    from flows.sweep import deadline_sweep

    for code, year in ((office.old, 2025), (office.new, 2026)):
        # A run's first pass, in-process, at the window's opening: its tasks are assigned
        # and their mails queued.
        propagation("bulletins", code, year, datetime(year, 1, 2, 8, tzinfo=LOCAL_TZ), "return")
    with office.app.uow() as uow:  # the morning 2026's first stage falls due
        due = min(t.due_on for t in uow.tasks.standings(plan=office.new, activity="bulletins"))
    swept = deadline_sweep(now=datetime.combine(due, time(7, 30), tzinfo=LOCAL_TZ))
    assert set(swept["plans"]) == {office.old, office.new}  # one pass, every published plan
    assert swept["plans"][office.new]["notices"]["reminders"] > 0  # its T0 reminders
    mails = subjects(office.app)  # each plan's mails carry its own year
    with office.app.uow() as uow:  # every plan's mail delivered by the one pass
        left = uow.outbox.counts()
    assert swept["delivery"]["sent"] == left["sent"] > 0
    assert left["pending"] == left["failed"] == 0
    assert mails[office.new]
    assert all(s.startswith("[CCHC 2026]") for s in mails[office.new])
    assert all(s.startswith("[CCHC 2025]") for s in mails.get(office.old, []))
    every = all_subjects(office.app)
    assert any(s.startswith("[CCHC 2025]") for s in every)  # 2025's chases and digest
    assert all(s.startswith(("[CCHC 2025]", "[CCHC 2026]")) for s in every)


def test_publishing_the_same_version_again_changes_nothing(office: Office) -> None:
    office.publish(office.new)
    before = {n: d.updated for n, d in server_deployments(office.new).items()}
    runs_before = sorted(str(r.id) for r in plan_runs(office.new))
    done, applied, started = office.publish(office.new)
    assert (done.version, done.new_version, done.changed) == (1, False, False)
    assert applied.created == applied.updated == []
    assert len(applied.unchanged) == 7
    assert started == []
    assert {n: d.updated for n, d in server_deployments(office.new).items()} == before
    assert sorted(str(r.id) for r in plan_runs(office.new)) == runs_before
    with office.app.uow() as uow:
        assert [v.number for v in uow.plans.versions(office.new)] == [1]


def test_closing_a_plan_removes_its_schedules_cancels_waiting_runs_keeps_history(
    office: Office,
) -> None:
    from prefect.deployments import run_deployment

    office.publish(office.new)
    later: Any = run_deployment(  # a run waiting for its time, as a schedule's would
        deployments.full_name(office.new, "iso-inspection"),
        timeout=0,
        as_subflow=False,
        scheduled_time=datetime(2026, 10, 1, 8, tzinfo=LOCAL_TZ),
        parameters={"activity": "iso-inspection", "plan": office.new, "year": 2026},
    )
    waiting = [r for r in plan_runs(office.new) if r.state_type.value == "SCHEDULED"]
    assert later.id in {r.id for r in waiting}
    with office.app.uow() as uow:
        tasks_before = len(uow.tasks.find(plan=office.new))
        assert plan_lifecycle.close(uow, office.new, at=APRIL_2026, actor="test", reason="xong")
    closed = deployments.close(office.new, message="Kế hoạch đã đóng: xong")
    assert closed.schedules_removed == 7
    assert closed.runs_cancelled >= len(waiting)
    assert all(
        not d.schedules for d in server_deployments(office.new).values()
    )  # kept, unscheduled
    after = plan_runs(office.new)
    assert {r.id for r in waiting} <= {r.id for r in after}  # runs kept, cancelled with a message
    for run in after:
        assert run.state_type.value == "CANCELLED"
        assert run.state.message == "Kế hoạch đã đóng: xong"
    with office.app.uow() as uow:
        assert len(uow.tasks.find(plan=office.new)) == tasks_before
        [listed] = [p for p in uow.plans.listing() if p.code == office.new]
        assert listed.state is PlanState.CLOSED
        assert [e.action for e in uow.audit.entries(entity="plan", key=office.new)][
            -1
        ] == "plan.closed"
    with office.app.uow() as uow, pytest.raises(Exception, match="closed"):
        plan_lifecycle.publish(
            uow,
            plan=office.plans[office.new],
            directory=plan_context_parts(office.app)[0],
            calendar=office.app.calendar,
            at=APRIL_2026,
            actor="test",
        )


def test_publish_without_a_prefect_server_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    upgrade(url)
    with temporary(api_url="http://127.0.0.1:9/api"):  # nothing answers there
        result = runner.invoke(cli, ["plan", "publish", str(PLAN_PATH)])
    assert result.exit_code == 1
    assert "127.0.0.1:9" in result.stderr
    assert "nothing was changed" in result.stderr
    listed = runner.invoke(cli, ["plan", "list"])
    assert listed.exit_code == 0
    assert PLAN_CODE not in listed.stdout


def test_a_command_without_plan_names_the_candidates_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    monkeypatch.setenv("CCHC_MAIL__BACKEND", "memory")
    upgrade(url)
    app = bootstrap()
    directory, calendar = plan_context_parts(app)
    plan = load_plan(PLAN_PATH, directory=directory, calendar=calendar)
    with app.uow() as uow:
        plan_lifecycle.publish(
            uow, plan=plan, directory=directory, calendar=calendar, at=app.clock.now(), actor="t"
        )
    app.close()
    # No published plan is for the current year (2025's is the only one).
    result = runner.invoke(cli, ["report", "build", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert PLAN_CODE in result.stderr
    assert "--plan" in result.stderr
    named = runner.invoke(cli, ["task", "resend", "nope/X/plan#1", "--plan", "no-such-plan"])
    assert named.exit_code == 1
    assert "no-such-plan" in named.stderr
    listed = runner.invoke(cli, ["plan", "list"])
    assert listed.exit_code == 0
    assert PLAN_CODE in listed.stdout
    assert "published" in listed.stdout


def test_publish_refuses_a_draft_to_fill_and_a_year_without_calendar_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both are refused before the database or Prefect is touched: the API named here does
    not answer, and the plan list stays empty."""
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    upgrade(url)
    draft = tmp_path / "2027.yaml"
    made = runner.invoke(
        cli, ["plan", "next-year", str(PLAN_PATH), "-o", str(draft), "--year", "2027"]
    )
    assert made.exit_code == 0, made.output
    with temporary(api_url="http://127.0.0.1:9/api"):
        unfilled = runner.invoke(cli, ["plan", "publish", str(draft)])
        assert unfilled.exit_code == 1
        for field in ("number", "issued_on", "legal_bases"):
            assert re.search(
                rf"{re.escape(str(draft))}:\d+: {field}: to be filled", unfilled.stderr
            )
        text = re.sub(r"\s*# ĐIỀN:.*$", "", draft.read_text(encoding="utf-8"), flags=re.M)
        text = text.replace('"ĐIỀN: căn cứ ban hành Kế hoạch năm 2027"', '"Căn cứ Kế hoạch số 1."')
        draft.write_text(text, encoding="utf-8")
        uncalendared = runner.invoke(cli, ["plan", "publish", str(draft)])
    assert uncalendared.exit_code == 1
    assert "calendar-overrides.yaml: years: no entry for 2027" in uncalendared.stderr
    assert "127.0.0.1:9" not in unfilled.stderr + uncalendared.stderr  # Prefect never asked
    listed = runner.invoke(cli, ["plan", "list"])
    assert "2027" not in listed.stdout


def test_a_plan_published_during_its_collection_starts_its_year_end_once(
    office: Office,
) -> None:
    clock = office.app.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 11, 5, 9, tzinfo=LOCAL_TZ))  # the collection is open
    _done, _applied, started = office.publish(office.new)
    assert "year-end-report" in started
    names = {
        r.parameters.get("plan") for r in plan_runs(office.new) if "activity" not in r.parameters
    }
    assert names == {office.new}
    assert "year-end-report" not in office.publish(office.new)[2]
