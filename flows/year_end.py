"""`year-end-report`: collect every unit's report before the cut-off, draft the consolidated
report, wait for the Director, then for the văn thư's number and date, send it to UBND tỉnh.
A resumed run re-runs this body from the top; every step reads the database and is
idempotent, so nothing is sent twice."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import suspend_flow_run

from domain.gates import DraftGate, GateKey
from domain.policy import Stage
from domain.report_draft import SETTLED_STATES, DraftState
from domain.year_end import YEAR_END
from flows.common import StageInput, context, emit, instant
from services import report_draft, review, year_end


@task(
    name="open-unit-reports",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def open_unit_reports(plan: str, now: datetime | None) -> int:
    return year_end.open_unit_reports(context(plan), now=instant(now))


@task(
    name="collection-status",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def collection_status(plan: str, now: datetime | None) -> year_end.Collection:
    got = year_end.collection(context(plan), now=instant(now))
    create_progress_artifact(
        100.0 * got.done / max(got.total, 1),
        key=f"cchc-{plan}-year-end-collection",
        description=f"Báo cáo năm của các đơn vị: {got.done}/{got.total}",
    )
    return got


@task(
    name="build-draft",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def build_draft(plan: str, now: datetime | None) -> dict[str, Any]:
    ctx = context(plan)
    draft = report_draft.build_draft(ctx, now=instant(now), folder=ctx.app.settings.report_dir)
    create_markdown_artifact(
        draft.markdown + f"\n\n---\nTệp Word: `{draft.docx_path}`",
        key=f"cchc-{plan}-year-end-report-draft",
        description=f"Dự thảo báo cáo năm, lần {draft.version}",
    )
    return {"version": draft.version, "state": draft.state, "docx": draft.docx_path}


@task(
    name="director-decision",
    retries=2,
    retry_delay_seconds=[2, 10],
    timeout_seconds=300,
    cache_policy=NO_CACHE,
)
def director_decision(plan: str, now: datetime | None) -> dict[str, Any]:
    """The latest draft's state; a returned one opens the Office's revision task (once)."""
    ctx = context(plan)
    draft = review.latest_draft(ctx)
    if draft is None:
        return {"state": "none", "version": 0}
    revised = False
    if draft.state == DraftState.RETURNED:
        report_draft.open_revision(ctx, draft=draft, now=instant(now))
        revised = report_draft.revision_in(ctx, version=draft.version)
    return {"state": draft.state, "version": draft.version, "revised": revised}


@task(
    name="send-report",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def send_report(plan: str, now: datetime | None) -> bool:
    return report_draft.send_report(context(plan), now=instant(now))


def hold(wait: str, key: str, headline: str) -> bool:
    """Wait at a human gate: suspend (a deployment run), or end the run (the replay starts
    it again later). False when the run should end now."""
    get_run_logger().info(headline)
    if wait == "return":
        return False
    suspend_flow_run(
        wait_for_input=StageInput.with_initial_data(description=f"### {headline}"),
        key=key,
        timeout=None,  # the sweep chases late units; the gate never times out
    )
    return True


@flow(name="year-end-report", persist_result=True, flow_run_name="year-end-{plan}")
def year_end_report(
    plan: str,
    now: datetime | None = None,
    wait: Literal["suspend", "return"] = "suspend",
) -> dict[str, Any]:
    """Section VI of the plan: the units' reports, the consolidated report, the Director's
    approval, the văn thư's number and date, its sending."""
    open_unit_reports(plan, now)
    waited = 0
    while not (got := collection_status(plan, now)).finished:
        waited += 1
        headline = f"Chờ báo cáo năm: {got.done}/{got.total} đơn vị"
        if not hold(wait, str(GateKey(Stage.REPORT, 1, got.done, waited)), headline):
            return {"plan": plan, "waiting": "unit-reports", "done": got.done}
    emit(
        "cchc.year-end.collected",
        key=f"{plan}:collected",
        activity=YEAR_END,
        payload={"done": got.done, "total": got.total, "missing": got.missing},
    )
    waited = 0
    while True:
        draft = build_draft(plan, now)
        decision = director_decision(plan, now)
        if decision["state"] in SETTLED_STATES:
            break
        waited += 1
        if decision["state"] == DraftState.RETURNED:
            key = GateKey(DraftGate.REVISION, decision["version"], 0, waited)
            headline = f"Văn phòng hoàn thiện dự thảo lần {decision['version']}"
        else:
            key = GateKey(DraftGate.DIRECTOR, draft["version"], 0, waited)
            headline = f"Chờ Giám đốc phê duyệt dự thảo lần {draft['version']}"
        if decision["state"] == DraftState.RETURNED and decision["revised"]:
            continue  # the revision is in: the next pass drafts the version the Director sees
        if not hold(wait, str(key), headline):
            return {"plan": plan, "waiting": key.kind.value, "version": draft["version"]}
    waited = 0
    while (numbered := director_decision(plan, now))["state"] == DraftState.APPROVED:
        waited += 1  # the văn thư gives the number and date; the final files are made then
        key = GateKey(DraftGate.REGISTRY, numbered["version"], 0, waited)
        headline = f"Chờ văn thư cấp số, ngày ban hành báo cáo (dự thảo lần {numbered['version']})"
        if not hold(wait, str(key), headline):
            return {"plan": plan, "waiting": key.kind.value, "version": numbered["version"]}
    sent = send_report(plan, now)
    emit(
        "cchc.year-end.report-sent",
        key=f"{plan}:report-sent",
        activity=YEAR_END,
        payload={"version": draft["version"], "docx": Path(draft["docx"]).name},
    )
    return {"plan": plan, "sent": sent, "version": draft["version"], "missing": got.missing}
