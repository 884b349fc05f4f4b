"""The unit directory over time on a real database: a unit renamed mid-year hands its open
work to its successor (exactly its open tasks, each assigned one mailed once), work handed in
stays with it, loading again changes nothing, and a directory that would orphan open work
or whose successors are wrong is refused, naming file, path and line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app as cli
from documents.plans.files import load_units
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.errors import PlanInvalid
from domain.policy import Stage
from domain.task import ACTIVE_STATES, TaskKey, TaskState
from domain.units import UnitDirectory
from services import plan_lifecycle
from services.assignments import enqueue_assignments
from services.bootstrap import mailer
from services.tasks import submit
from services.units import load_directory
from tests.conftest import UNITS_PATH
from tests.integration.conftest import World

JULY = datetime(2025, 7, 1, 8, tzinfo=LOCAL_TZ)  # TTUD's successor takes over this morning
DONE = TaskKey("website-cchc-section", "TTUD", Stage.EXECUTE)


def directory_file(folder: Path, name: str, change: Any) -> Path:
    data = yaml.safe_load(UNITS_PATH.read_text(encoding="utf-8"))
    change(data)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def renamed(data: dict[str, Any]) -> None:
    """TTUD ends on 30/6/2025; TTUDM takes its work from 1/7."""
    [ttud] = [u for u in data["units"] if u["code"] == "TTUD"]
    ttud["valid_until"] = date(2025, 6, 30)
    ttud["successor"] = "TTUDM"
    data["units"].append(
        {**ttud, "code": "TTUDM", "name": "Trung tâm Ứng dụng KH&CN (mới)", "aliases": []}
        | {"valid_from": date(2025, 7, 1), "valid_until": None, "successor": None}
    )


@pytest.fixture
def published(world: World, directory: UnitDirectory, calendar: WorkingCalendar) -> World:
    with world.app.uow() as uow:
        plan_lifecycle.publish(
            uow,
            plan=world.plan,
            directory=directory,
            calendar=calendar,
            at=world.clock.now(),
            actor="vp",
        )
    for activity in ("website-cchc-section", "website-publication"):
        with world.app.uow() as uow:  # the first check-in opened: its assignments mailed
            slot = uow.tasks.slot(
                plan=world.plan.code, activity=activity, stage=Stage.EXECUTE, seq=1
            )
            enqueue_assignments(uow, world.mailer, slot, now=world.clock.now())
            uow.commit()
    with world.app.uow() as uow:
        submit(uow, world.mailer, DONE, at=world.clock.now(), by="ttud", payload={"n": 3})
    return world


def test_a_unit_renamed_mid_year_hands_its_open_work_to_its_successor(
    published: World, tmp_path: Path
) -> None:
    world, plan = published, published.plan.code
    new = load_units(directory_file(tmp_path, "v2.yaml", renamed))
    with world.app.uow() as uow:
        before = {k: s for k, s in uow.tasks.keyed(plan=plan).items() if k.unit == "TTUD"}
        assigned = {k for k in before if uow.outbox.exists(f"{plan}:{k}:task_assigned:")}
    open_before = {k for k, s in before.items() if s.task.state in ACTIVE_STATES}
    assert open_before
    assert assigned & open_before  # some of the work moving was assigned already

    def load() -> Any:
        with world.app.uow() as uow:
            found = mailer(world.app, world.plan, new)
            return load_directory(uow, new, mailers={plan: found}, at=JULY, actor="vp")

    done = load()
    assert len(done.moved) == len(open_before)
    assert done.cancelled == 0
    assert done.mailed == len(assigned & open_before)
    with world.app.uow() as uow:
        after = uow.tasks.keyed(plan=plan)
        audit = [e for e in uow.audit.entries(entity="task") if e.action == "task.reassigned"]
    for key in open_before:
        assert after[key].task.state is TaskState.CANCELLED
        moved = after[TaskKey(key.activity, "TTUDM", key.stage, key.seq)]
        assert (moved.task.state, moved.task.due_on) == (TaskState.OPEN, before[key].task.due_on)
    assert after[DONE].task.state is TaskState.SUBMITTED  # handed in: stays with TTUD
    assert len(audit) == 2 * len(open_before)
    assert all("TTUD kết thúc ngày 30/06/2025" in e.reason for e in audit)
    again = load()
    assert (again.units_changed, again.moved, again.mailed) == (0, [], 0)
    # The appendix names each unit as it was: TTUD for what it did, TTUDM for what it took on.
    from domain.report_matrix import unit_matrix
    from services.context import PlanContext
    from services.report_data import build_report_data

    ctx = PlanContext(world.app, world.plan, new, mailer(world.app, world.plan, new))
    data = build_report_data(ctx, now=JULY, draft=True)
    rows = {row.unit: row for row in unit_matrix(data)[0]}
    was, successor = new.unit("TTUD"), new.unit("TTUDM")
    assert was is not None
    assert successor is not None
    assert rows[was.name].total.on_time >= 1  # what TTUD handed in stays with TTUD
    assert rows[successor.name].total.total  # the moved work due by then, under its new unit
    moved_forms = {k.activity for k in open_before}
    columns = [f.code for f in data.forms]
    assert any(rows[successor.name].cells[columns.index(a)] for a in moved_forms if a in columns)


def test_a_directory_that_would_orphan_open_work_is_refused_with_nothing_changed(
    published: World, tmp_path: Path
) -> None:
    world, plan = published, published.plan.code

    def ended_alone(data: dict[str, Any]) -> None:
        [ttud] = [u for u in data["units"] if u["code"] == "TTUD"]
        ttud["valid_until"] = date(2025, 6, 30)

    def removed(data: dict[str, Any]) -> None:
        data["units"] = [u for u in data["units"] if u["code"] != "TTUD"]

    with world.app.uow() as uow:
        tasks = {k: s.task for k, s in uow.tasks.keyed(plan=plan).items()}
    for name, change, where in (
        ("ended.yaml", ended_alone, "units[10].valid_until"),
        ("removed.yaml", removed, "units"),
    ):
        directory = load_units(directory_file(tmp_path, name, change))
        with world.app.uow() as uow, pytest.raises(PlanInvalid) as refused:
            load_directory(uow, directory, mailers={}, at=JULY, actor="vp")
        [problem] = refused.value.problems
        assert problem.path == where
        assert "TTUD" in problem.message
        assert f"plan {plan}" in problem.message
    with world.app.uow() as uow:
        assert {k: s.task for k, s in uow.tasks.keyed(plan=plan).items()} == tasks
        assert "TTUD" in uow.units.codes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _end(d, "TTUD", "XYZ"), "'XYZ' is not a unit"),
        (lambda d: _cycle(d), "cycle: TTUD → CDS → TTUD"),
        (lambda d: _end(d, "TTUD", "CDS", ends=False), "a successor needs valid_until"),
    ],
    ids=["unknown", "cycle", "no-end"],
)
def test_wrong_successors_are_refused_naming_file_path_and_line(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = directory_file(tmp_path, "units.yaml", change)
    with pytest.raises(PlanInvalid) as refused:
        load_units(path)
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if t.strip() == "- code: TTUD")
    line = next(i for i, t in enumerate(lines[start:], start + 1) if "successor:" in t)
    found = str(refused.value)
    assert message in found
    assert f"{path}:{line}: units[10].successor" in found
    result = CliRunner().invoke(cli, ["units", "load", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.stderr
    assert message in result.stderr


def _end(data: dict[str, Any], code: str, successor: str, *, ends: bool = True) -> None:
    [unit] = [u for u in data["units"] if u["code"] == code]
    unit["successor"] = successor
    if ends:
        unit["valid_until"] = date(2025, 6, 30) if code == "TTUD" else date(2025, 9, 30)


def _cycle(data: dict[str, Any]) -> None:
    _end(data, "TTUD", "CDS")
    _end(data, "CDS", "TTUD")
