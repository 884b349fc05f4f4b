"""One form of propagation (section IV of the plan) walking plan → execute → evidence → report.

Each stage opens its tasks (mail, once ever), then waits at a human gate until every unit's
task is submitted. A resumed run re-runs this body from the top: every step reads the database
and is idempotent, so the replay changes nothing and the run continues where the units are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import suspend_flow_run

from domain.policy import STAGE_LABELS_VI, Stage
from domain.vi import dmy
from flows.common import DEFAULT_PLAN, StageInput, context, emit, instant
from services import stages


@task(
    name="stage-plan",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def stage_plan(plan: str, activity: str) -> list[dict[str, Any]]:
    """The activity's dated stages; an unknown plan or activity fails the run here."""
    return [
        {"stage": s.stage.value, "seq": s.seq, "due": s.due_on.isoformat()}
        for s in stages.slots(context(plan), activity)
    ]


@task(
    name="open-stage",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def open_stage(plan: str, activity: str, stage: str, seq: int, now: datetime | None) -> int:
    return stages.open_stage(context(plan), activity, Stage(stage), seq, now=instant(now))


@task(
    name="stage-progress",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def stage_progress(plan: str, activity: str, stage: str, seq: int) -> stages.Progress:
    return stages.progress(context(plan), activity, Stage(stage), seq)


@task(
    name="publish-status",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def publish_status(plan: str, activity: str, headline: str, now: datetime | None) -> None:
    """The unit × stage table and a summary, under keys stable per activity."""
    ctx = context(plan)
    found = ctx.plan.activity(activity)
    title = found.title if found else activity
    create_table_artifact(
        stages.status_table(ctx, activity, now=instant(now)),
        key=f"cchc-{activity}-status",
        description=f"Tiến độ: {title}",
    )
    create_markdown_artifact(
        f"## {title}\n\n**{headline}**\n\nKế hoạch {ctx.plan.number_symbol}.",
        key=f"cchc-{activity}-summary",
        description=headline,
    )


@task(
    name="store-activity-report",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def store_report(plan: str, activity: str, now: datetime | None) -> bool:
    return stages.store_report(context(plan), activity, now=instant(now))


def _label(stage: Stage, seq: int) -> str:
    label = STAGE_LABELS_VI[stage].lower()
    return f"{label} kỳ {seq}" if stage is Stage.EXECUTE else label


def wait_for_stage(
    plan: str, activity: str, stage: Stage, seq: int, now: datetime | None
) -> stages.Progress:
    """Suspend until every task of the stage is in. The gate key carries what the run saw
    (done count) and the wait number, so a replay passes the gates it passed before."""
    wait = 0
    while True:
        progress = stage_progress(plan, activity, stage.value, seq)
        for done in progress.submission_tasks:
            emit(
                "cchc.task.submitted",
                key=f"{plan}:{done}",
                activity=activity,
                units=[done.split("/")[1]],
                payload={"task": done},
            )
        if progress.complete:
            return progress
        wait += 1
        headline = f"Chờ {_label(stage, seq)}: {progress.done}/{progress.total} đơn vị"
        publish_status(plan, activity, headline, now)
        get_run_logger().info(headline)
        suspend_flow_run(
            wait_for_input=StageInput.with_initial_data(description=f"### {headline}"),
            key=f"{stage.value}-{seq}-{progress.done}-{wait}",
            timeout=None,  # deadlines are the sweep's business, never a suspend timeout
        )


@flow(name="propagation", persist_result=True, flow_run_name="{activity}-{year}")
def propagation(
    activity: str, plan: str = DEFAULT_PLAN, year: int = 2025, now: datetime | None = None
) -> dict[str, Any]:
    """Run one activity of the plan through its four stages."""
    slots = stage_plan(plan, activity)
    for slot in slots:
        stage, seq = Stage(slot["stage"]), int(slot["seq"])
        open_stage(plan, activity, stage.value, seq, now)
        progress = wait_for_stage(plan, activity, stage, seq, now)
        emit(
            "cchc.stage.completed",
            key=f"{plan}:{activity}:{stage.value}:{seq}",
            activity=activity,
            units=[t.split("/")[1] for t in progress.submission_tasks],
            payload={"stage": stage.value, "seq": seq, "due": slot["due"]},
        )
    store_report(plan, activity, now)
    last_due = dmy(datetime.fromisoformat(slots[-1]["due"]).date())
    publish_status(plan, activity, f"Hoàn thành (hạn báo cáo {last_due})", now)
    return {"plan": plan, "activity": activity, "year": year, "stages": len(slots)}
