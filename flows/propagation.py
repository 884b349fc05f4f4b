"""One form of propagation (section IV of the plan) walking plan → execute → evidence → report.

Each stage opens its tasks (mail, once ever), then waits at a human gate until every unit's
task is submitted. A resumed run re-runs this body from the top: every step reads the database
and is idempotent, so the replay changes nothing and the run continues where the units are.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import suspend_flow_run

from domain.gates import GateKey
from domain.policy import Stage, stage_label
from domain.vi import dmy
from flows.common import StageInput, context, emit, instant
from services import stages, sweep


@task(
    name="stage-plan",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def stage_plan(plan: str, activity: str) -> list[dict[str, Any]]:
    """The activity's dated stages and which are complete; an unknown plan or activity fails
    the run here."""
    ctx = context(plan)
    found = []
    for slot in stages.slots(ctx, activity):
        progress = stages.progress(ctx, activity, slot.stage, slot.seq)
        found.append(
            {
                "stage": slot.stage.value,
                "seq": slot.seq,
                "due": slot.due_on.isoformat(),
                "complete": progress.complete,
                "units": progress.units,
            }
        )
    return found


@task(
    name="stage-progress",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def stage_progress(
    plan: str, activity: str, stage: str, seq: int, now: datetime | None
) -> stages.Progress:
    """Open the stage (its assignment mails, once ever) and read how many units are in."""
    ctx = context(plan)
    stages.open_stage(ctx, activity, Stage(stage), seq, now=instant(now))
    return stages.progress(ctx, activity, Stage(stage), seq)


@task(
    name="publish-status",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def publish_status(plan: str, activity: str, headline: str, now: datetime | None) -> None:
    """The unit × stage table and a summary, under keys stable per plan and activity."""
    ctx = context(plan)
    found = ctx.plan.activity(activity)
    title = found.title if found else activity
    create_table_artifact(
        stages.status_table(ctx, activity, now=instant(now)),
        key=f"cchc-{plan}-{activity}-status",
        description=f"Tiến độ: {title}",
    )
    bpmn = stages.diagram(ctx, activity)
    create_markdown_artifact(
        f"## {title}\n\n**{headline}**\n\nKế hoạch {ctx.plan.number_symbol}. "
        f"Sơ đồ quy trình (BPMN 2.0): [{bpmn.name}]({bpmn.as_uri()})",
        key=f"cchc-{plan}-{activity}-summary",
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


@task(
    name="deliver-due-mail",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def deliver_due(plan: str, now: datetime | None) -> dict[str, int]:
    """Deliver the outbox's mail that is due (office hours kept): a deployment run sends the
    assignments it opened before it waits; the replay leaves them to its morning sweep."""
    return sweep.deliver(context(plan), now=instant(now))


def wait_for_stage(
    plan: str, activity: str, stage: Stage, seq: int, now: datetime | None, mode: str
) -> stages.Progress:
    """Suspend until every task of the stage is in. The gate key carries what the run saw
    (done count) and the wait number, so a replay passes the gates it passed before.
    With wait="return" (the replay) the run ends here instead and is started again later:
    the same as a resume, since the body derives everything from the database."""
    wait = 0
    while True:
        progress = stage_progress(plan, activity, stage.value, seq, now)
        if progress.complete:
            return progress
        _emit_progress(plan, activity, stage, seq, progress)
        wait += 1
        label = stage_label(stage, seq, inline=True)
        headline = f"Chờ {label}: {progress.done}/{progress.total} đơn vị"
        publish_status(plan, activity, headline, now)
        get_run_logger().info(headline)
        if mode == "return":
            return progress
        deliver_due(plan, now)  # the assignments just opened go now, not at the next sweep
        suspend_flow_run(
            wait_for_input=StageInput.with_initial_data(description=f"### {headline}"),
            key=str(GateKey(stage, seq, progress.done, wait)),
            timeout=None,  # deadlines are the sweep's business, never a suspend timeout
        )


def _emit_progress(
    plan: str, activity: str, stage: Stage, seq: int, progress: stages.Progress
) -> None:
    """`cchc.stage.progress`: the tasks of a waiting stage handed in so far, one event per
    pass that saw a new set (its id is derived from the set: a pass that saw the same set
    emits nothing new). One event per pass, not per task: at a province's size, an event
    per hand-in was most of the Prefect server's work."""
    if not progress.done:
        return
    done = sorted(progress.submission_tasks)
    digest = hashlib.sha256("\n".join(done).encode()).hexdigest()[:16]
    emit(
        "cchc.stage.progress",
        key=f"{plan}:{activity}:{stage.value}:{seq}:{digest}",
        activity=activity,
        units=sorted(progress.units),
        payload={
            "stage": stage.value,
            "seq": seq,
            "done": progress.done,
            "total": progress.total,
            "tasks": done,
        },
    )


@flow(name="propagation", persist_result=True, flow_run_name="{activity}-{year}")
def propagation(
    activity: str,
    plan: str,
    year: int,
    now: datetime | None = None,
    wait: Literal["suspend", "return"] = "suspend",
) -> dict[str, Any]:
    """Run one activity of the plan through its four stages."""
    slots = stage_plan(plan, activity)
    for slot in slots:
        stage, seq = Stage(slot["stage"]), int(slot["seq"])
        if not slot["complete"]:  # a complete stage was opened on an earlier pass
            progress = wait_for_stage(plan, activity, stage, seq, now, wait)
            if not progress.complete:
                return {"plan": plan, "activity": activity, "waiting": f"{stage.value}#{seq}"}
            slot["units"] = progress.units
        emit(  # the event's id is derived from its key: emitted once however often we pass
            "cchc.stage.completed",
            key=f"{plan}:{activity}:{stage.value}:{seq}",
            activity=activity,
            units=slot["units"],
            payload={"stage": stage.value, "seq": seq, "due": slot["due"]},
        )
    store_report(plan, activity, now)
    last_due = dmy(datetime.fromisoformat(slots[-1]["due"]).date())
    publish_status(plan, activity, f"Hoàn thành (hạn báo cáo {last_due})", now)
    return {"plan": plan, "activity": activity, "year": year, "stages": len(slots)}
