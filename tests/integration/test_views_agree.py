"""The Office's dashboard, the status the flows publish and the report count the same tasks in
the same QĐ 42/2014 buckets — before and after the sweep accepts what waited past review."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from domain.clock import LOCAL_TZ
from domain.plan import YEAR_END
from domain.policy import Stage
from domain.report_matrix import unit_matrix
from domain.status import BUCKET_LABELS_VI, Bucket
from domain.task import TaskKey, TaskState
from services import office, stages
from services.context import PlanContext, plan_context
from services.report_data import build_report_data
from services.report_facts import buckets, read_facts
from services.status import status_by_unit
from services.sweep import run_sweep
from tests.integration.conftest import World
from tests.integration.report_data_kit import hand_in, payload, the_whole_year

SWEEP = datetime(2025, 11, 20, 7, 30, tzinfo=LOCAL_TZ)  # Thursday's morning sweep
NOW = datetime(2025, 11, 20, 9, 0, tzinfo=LOCAL_TZ)
LATE = TaskKey("bulletins", "CDS", Stage.EVIDENCE)  # handed in late on Tuesday 18/11
LABELS = {label: b for b, label in BUCKET_LABELS_VI.items()}

Counts = dict[str, Counter[Bucket]]  # "all" tasks, and the activities' tasks alone


def dashboard(ctx: PlanContext) -> Counts:
    """The dashboard's cells, a submission waiting for review counted as the done on time
    it is (the Office's light blue is a shade of that bucket, not a fifth one)."""
    matrix = office.dashboard(ctx, now=NOW)
    counted: Counts = {"all": Counter(), "activities": Counter()}
    for (_unit, activity, _stage), cells in matrix.cells.items():
        for cell in cells:
            if cell.css == "none":
                continue
            found = Bucket.DONE_ON_TIME if cell.css == office.REVIEW else Bucket(cell.css)
            counted["all"][found] += 1
            if activity != YEAR_END:
                counted["activities"][found] += 1
    return counted


def published(ctx: PlanContext) -> Counts:
    """The status tables the propagation flows publish as artifacts, and `cchc status`."""
    tables = [stages.status_table(ctx, a.code, now=NOW) for a in ctx.plan.activities]
    cells = [v for rows in tables for row in rows for k, v in row.items() if k != "Đơn vị"]
    with ctx.app.uow() as uow:
        rows = status_by_unit(uow, now=NOW, plan=ctx.plan.code)
    return {
        "all": sum((Counter(r.counts) for r in rows), Counter()),
        "activities": Counter(LABELS[v] for v in cells if v in LABELS),
    }


def reported(ctx: PlanContext) -> Counts:
    """The report's buckets, and its appendix matrix's total row (the forms' tasks)."""
    found = buckets(read_facts(ctx), now=NOW)
    _rows, total = unit_matrix(build_report_data(ctx, now=NOW))
    matrix = {
        Bucket.DONE_ON_TIME: total.total.on_time,
        Bucket.DONE_LATE: total.total.late,
        Bucket.IN_PROGRESS: total.total.in_progress,
        Bucket.OVERDUE: total.total.overdue,
    }
    return {
        "all": Counter({b: len(entries) for b, entries in found.items()}),
        "activities": Counter(matrix),
    }


def clean(counts: Counts) -> Counts:
    return {name: +counter for name, counter in counts.items()}  # zero counts dropped


def waiting(ctx: PlanContext) -> list[date]:
    """The days the tasks still waiting for the Office were handed in."""
    with ctx.app.uow() as uow:
        tasks = uow.tasks.find(plan=ctx.plan.code)
    return sorted(
        t.submitted_at.astimezone(LOCAL_TZ).date()
        for t in tasks
        if t.state is TaskState.SUBMITTED and t.submitted_at is not None
    )


def test_dashboard_artifacts_and_report_agree_before_and_after_auto_accept(world: World) -> None:
    the_whole_year(world)
    hand_in(world, LATE, date(2025, 11, 18), payload("Minh chứng nộp muộn."))
    ctx = plan_context(world.plan.code, world.app)
    before = clean(dashboard(ctx))
    assert before == clean(published(ctx)) == clean(reported(ctx))
    assert before["all"][Bucket.DONE_ON_TIME] > 0
    assert before["all"][Bucket.DONE_LATE] > 0
    assert waiting(ctx)[0] < date(2025, 11, 14)  # long past any review time
    review = office.dashboard(ctx, now=NOW, css=office.REVIEW)
    assert review.waiting == sum(map(len, review.cells.values())) > 0

    accepted = run_sweep(ctx, now=SWEEP).accepted
    done = before["all"][Bucket.DONE_ON_TIME] + before["all"][Bucket.DONE_LATE]
    assert str(LATE) not in accepted
    assert len(accepted) == done - 1  # every handed-in task but the one of this week
    assert waiting(ctx) == [date(2025, 11, 18)]
    assert office.dashboard(ctx, now=NOW, css=office.REVIEW).cells == {}
    after = clean(dashboard(ctx))
    assert after == clean(published(ctx)) == clean(reported(ctx))
    assert after == before  # accepting moves no task from one bucket to another
