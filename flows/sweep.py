"""`deadline-sweep`: every working morning, fire the ladder, accept, deliver mail, reconcile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from domain.clock import local_date
from flows.common import context, emit, instant, published_plans, settings
from services import stages, sweep, units
from services.plan_inputs import working_calendar
from services.prefect_adapter import runs


@task(
    name="fire-notices",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def fire_notices(plan: str, now: datetime) -> dict[str, Any]:
    return sweep.notices(context(plan), now=now)


@task(
    name="fire-notices-every-plan",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def fire_every_plan(plans: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """The rungs due and the lapsed reviews of every published plan, in one pass."""
    return sweep.every_plan({code: context(code) for code in plans}, now=now)


@task(
    name="accept-reviewed",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def accept_reviewed(plan: str, now: datetime) -> list[str]:
    """Submissions the Office did not return within the plan's review time, accepted."""
    return sweep.accept_reviewed(context(plan), now=now)


@task(
    name="deliver-outbox",
    retries=2,
    retry_delay_seconds=[30, 120],
    timeout_seconds=1800,
    cache_policy=NO_CACHE,
)
def deliver_outbox(plan: str, now: datetime) -> dict[str, int]:
    return sweep.deliver(context(plan), now=now)


@task(
    name="reconcile-runs",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def reconcile_runs(plan: str, now: datetime) -> int:
    return runs.reconcile(context(plan), now=now)


@task(
    name="move-ended-units",
    retries=2,
    retry_delay_seconds=[5, 30],
    timeout_seconds=600,
    cache_policy=NO_CACHE,
)
def move_ended_units(plans: list[str], now: datetime) -> dict[str, list[str]]:
    """Open work of units that ended by today (merged, renamed, split) goes to their
    successor in every published plan, as `cchc units load` would on this day."""
    if not plans:
        return {"moved": [], "stranded": []}
    contexts = [context(code) for code in plans]
    first = contexts[0]
    with first.app.uow() as uow:
        done = units.follow_directory(
            uow,
            first.directory,
            mailers={c.plan.code: c.mailer for c in contexts},
            at=now,
            actor="deadline-sweep",
        )
    logger = get_run_logger()
    for line in done.moved:
        logger.info("Chuyển việc: %s", line)
    for line in done.stranded:
        logger.warning("Đơn vị đã kết thúc, không có đơn vị kế thừa: %s", line)
    return {"moved": done.moved, "stranded": done.stranded}


@task(name="clean-uploads", retries=1, retry_delay_seconds=[30], cache_policy=NO_CACHE)
def clean_uploads(plan: str) -> int:
    return sweep.clean_uploads(context(plan))


@flow(name="deadline-sweep", flow_run_name="sweep-{plan}")
def deadline_sweep(plan: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The open work of units that ended moved to their successors (every published plan);
    then reminders, chases and the Director's digest due now, the submissions whose review
    time lapsed accepted, the outbox, stuck runs — for the plan named, or (no plan) for
    every published plan in one pass: the tasks due read once for all plans, the outbox
    delivered and old uploads cleaned once.

    The schedule runs Monday to Saturday at 07:30; days off (holidays, ordinary Saturdays)
    are skipped here by the working-day calendar, make-up Saturdays are worked.
    """
    at = instant(now)
    if not working_calendar(settings()).is_working_day(local_date(at)):
        get_run_logger().info("Ngày nghỉ: không gửi nhắc việc.")
        return {"at": at.isoformat(), "working_day": False}
    codes = published_plans()
    moved = move_ended_units(codes, at)
    if plan is not None:
        return {"at": at.isoformat(), "working_day": True, "units": moved, **sweep_plan(plan, at)}
    get_run_logger().info("Quét hạn %d kế hoạch: %s", len(codes), ", ".join(codes) or "—")
    done = fire_every_plan(codes, at) if codes else {}
    for code, part in done.items():
        overdue_events(code, part["notices"]["overdue_tasks"])
        part["resumed"] = reconcile_runs(code, at)
    return {
        "at": at.isoformat(),
        "working_day": True,
        "units": moved,
        "plans": done,
        "delivery": deliver_outbox(codes[0], at) if codes else {},
        "files_removed": clean_uploads(codes[0]) if codes else 0,
    }


def overdue_events(plan: str, keys: list[str]) -> None:
    """One event per task that became overdue this morning (automations may act on it)."""
    for key in keys:
        task = stages.parse_task(key)
        emit(
            "cchc.task.overdue",
            key=f"{plan}:{key}",
            activity=task.activity,
            units=[task.unit],
            payload={"task": key, "plan": plan},
        )


def sweep_plan(plan: str, at: datetime) -> dict[str, Any]:
    """One plan's part of the sweep, as tasks of the sweep's run."""
    fired = fire_notices(plan, at)
    overdue_events(plan, fired["overdue_tasks"])
    accepted = accept_reviewed(plan, at)
    delivered = deliver_outbox(plan, at)
    resumed = reconcile_runs(plan, at)
    removed = clean_uploads(plan)
    return {
        "notices": fired,
        "accepted": accepted,
        "delivery": delivered,
        "resumed": resumed,
        "files_removed": removed,
    }
