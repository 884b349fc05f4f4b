"""A unit merged mid-year, on a real Prefect API: the deadline sweep of the first working
morning after its last day moves exactly its open work to its successor (the successor
mailed each assigned task once, the work it had already left only cancelled), work handed
in stays with the unit that did it, and the next sweep moves nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from documents.plans.files import load_plan
from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import ACTIVE_STATES, DONE_STATES, TaskKey, TaskState
from services.bootstrap import App
from services.context import plan_context
from services.plan_inputs import unit_directory
from services.tasks import submit
from storage.tables import OutboxRow
from tests.conftest import UNITS_PATH
from tests.e2e.plans import plan_2026, publish

APRIL = datetime(2026, 4, 6, 9, 0, tzinfo=LOCAL_TZ)
LAST_DAY = date(2026, 4, 29)  # BBT's last day; QLKH takes its work from 30/4
MERGED, SUCCESSOR = "BBT", "QLKH"  # BBT leads both website activities
HANDED_IN = TaskKey("website-cchc-section", MERGED, Stage.PLAN)


def merged_directory(folder: Path) -> Path:
    data = yaml.safe_load(UNITS_PATH.read_text(encoding="utf-8"))
    [unit] = [u for u in data["units"] if u["code"] == MERGED]
    unit["valid_until"] = LAST_DAY
    unit["successor"] = SUCCESSOR
    path = folder / "units-v2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def assignment_mails(app: App, plan: str) -> dict[str, list[Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(OutboxRow).where(OutboxRow.kind == "task_assigned"))
        found: dict[str, list[Any]] = {}
        for row in rows:
            if row.idempotency_key.startswith(f"{plan}:"):
                found.setdefault(row.idempotency_key.split(":")[1], []).append(row)
    return found


def test_the_sweep_moves_a_merged_units_open_work_to_its_successor(
    dated_app: Callable[[datetime], App], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.propagation import propagation
    from flows.sweep import deadline_sweep

    app = dated_app(APRIL)
    plan = load_plan(
        plan_2026(tmp_path), directory=unit_directory(app.settings), calendar=app.calendar
    )
    code = plan.code
    publish(app, plan, "ban hành")
    for activity in (
        "website-cchc-section",
        "website-publication",
    ):  # first passes: their tasks assigned
        propagation(activity, code, 2026, datetime(2026, 1, 2, 8, tzinfo=LOCAL_TZ), "return")
    ctx = plan_context(code, app)
    with app.uow() as uow:
        mine = {k: s.task for k, s in uow.tasks.keyed(plan=code).items() if k.unit == MERGED}
        theirs = {k for k in uow.tasks.keyed(plan=code) if k.unit == SUCCESSOR}
    with app.uow() as uow:
        submit(uow, ctx.mailer, HANDED_IN, at=APRIL, by="bbt", payload={"content": "Đã làm"})
    open_work = {k for k, t in mine.items() if t.state in ACTIVE_STATES} - {HANDED_IN}
    mailed_before = assignment_mails(app, code)
    successor_of = {k: TaskKey(k.activity, SUCCESSOR, k.stage, k.seq) for k in open_work}
    taken_over = {k for k in open_work if successor_of[k] not in theirs}
    already_theirs = open_work - taken_over
    assigned = {k for k in taken_over if str(k) in mailed_before}
    assert taken_over  # the merge moves work the successor did not have
    assert already_theirs  # and drops work both units shared
    assert assigned  # some of it assigned already, so the successor is mailed

    monkeypatch.setenv("CCHC_UNITS_PATH", str(merged_directory(tmp_path)))
    before = deadline_sweep(now=datetime(2026, 4, 29, 7, 30, tzinfo=LOCAL_TZ))
    assert before["units"]["moved"] == []  # its last day: still its work

    swept = deadline_sweep(now=datetime(2026, 5, 4, 7, 30, tzinfo=LOCAL_TZ))  # 30/4–3/5 off
    assert len(swept["units"]["moved"]) == len(taken_over)
    assert swept["units"]["stranded"] == []
    with app.uow() as uow:
        after = uow.tasks.keyed(plan=code)
        audit = [e for e in uow.audit.entries(entity="task") if e.action == "task.reassigned"]
    for key in open_work:
        assert after[key].task.state is TaskState.CANCELLED
    for key in taken_over:
        moved = after[successor_of[key]].task
        assert moved.state in ACTIVE_STATES
        assert moved.due_on == mine[key].due_on
    # handed in (and accepted by the review policy since): stays with the unit that did it
    assert after[HANDED_IN].task.state in DONE_STATES
    assert len(audit) == 2 * len(taken_over)
    assert all(
        e.actor == "deadline-sweep" and "BBT kết thúc ngày 29/04/2026" in e.reason for e in audit
    )
    mails = assignment_mails(app, code)
    contact = ctx.directory.unit(SUCCESSOR).contact.email  # type: ignore[union-attr]
    for key in taken_over:
        sent = mails.get(str(successor_of[key]), [])
        assert len(sent) == (1 if key in assigned else 0)
        assert all(m.recipients["to"][0][1] == contact for m in sent)

    again = deadline_sweep(now=datetime(2026, 5, 5, 7, 30, tzinfo=LOCAL_TZ))
    assert again["units"]["moved"] == []
    assert assignment_mails(app, code).keys() == mails.keys()
    from services.prefect_adapter import deployments

    deployments.close(code, message="test over")  # leave the shared API with nothing waiting
