"""`cchc plan publish | list | close`: a plan's life in the database and on Prefect."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.common import (
    CalendarOption,
    UnitsOption,
    calendar,
    cli_errors,
    directory,
    err,
    out,
    settings,
)
from cli.plan_archive_cmd import archive_hint
from documents.plans.files import load_plan
from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.errors import InvalidRequest
from domain.plan import Plan
from services import plan_lifecycle
from services.bootstrap import App, bootstrap, mailer
from services.prefect_adapter import deployments
from storage.migrate import require_current

ReasonOption = typer.Option("", "--reason", help="Why (kept with the version and the audit log).")


def publish(
    path: Path,
    reason: str = ReasonOption,
    units: Path | None = UnitsOption,
    cal: Path | None = CalendarOption,
) -> None:
    """Validate the plan, keep it as its next version, and create or update its deployments.

    The deployments go to the Prefect server PREFECT_API_URL names (`cchc up` prints the
    line to export): one per activity, named <plan code>.<activity code>, and
    <plan code>.year-end, each scheduled once at its window's opening (08:00,
    Asia/Ho_Chi_Minh). Activities whose window is open already are started now. Publishing
    the same file again changes nothing. Refused, with nothing changed, when the plan does
    not validate, still has fields to fill (a next-year draft), is closed, or the Prefect
    server does not answer, or (but for a rehearsal) the calendar override table has no
    entry for the plan's year.

    Example: cchc plan publish out/2026-plan.yaml --reason "Kế hoạch năm 2026"
    """
    from services.context import plan_context
    from services.prefect_adapter import runs
    from services.prefect_adapter.publish import deploy_and_start

    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        _refuse_unfilled(path)
        _refuse_uncalendared(plan, working, cal or settings().calendar_overrides_path)
        server = deployments.require_server()
        app = bootstrap()
        require_current(app.engine)
        with app.uow() as uow:
            done = plan_lifecycle.publish(
                uow,
                plan=plan,
                directory=units_dir,
                calendar=working,
                at=app.clock.now(),
                actor=app.settings.actor,
                reason=reason,
                mailer=mailer(app, plan, units_dir),
            )
        applied, started = deploy_and_start(
            plan_context(plan.code, app), work_pool=app.settings.stack.work_pool, calendar=working
        )
        moved = {k.activity for k in done.load.created} | {
            c.key.activity for c in done.load.changes
        }
        resumed = runs.resume_changed(
            plan.code, moved, note=f"Kế hoạch điều chỉnh, phiên bản {done.version}"
        )
        app.close()
    _say_published(done, applied, server, started, resumed)


def _say_published(
    done: plan_lifecycle.Published,
    applied: deployments.Applied,
    server: str,
    started: list[str],
    resumed: int,
) -> None:
    load = done.load
    state = "new" if done.new_version else "unchanged: nothing to do"
    out.print(f"{load.plan}: version {done.version} published ({state})", highlight=False)
    if done.new_version and done.version > 1:
        out.print(
            f"migrated: {load.tasks_created} tasks created, {load.tasks_rescheduled} "
            f"rescheduled, {load.tasks_cancelled} cancelled",
            highlight=False,
        )
    out.print(
        f"deployments on {server}: {len(applied.created)} created, {len(applied.updated)} "
        f"updated, {len(applied.unchanged)} unchanged"
        + (
            f", {len(applied.retired)} retired ({applied.runs_cancelled} runs cancelled)"
            if applied.retired
            else ""
        ),
        highlight=False,
    )
    if started:
        out.print(f"started (window open): {', '.join(started)}", highlight=False)
    if resumed:
        out.print(f"resumed to re-read the amendment: {resumed} runs", highlight=False)


def _refuse_unfilled(path: Path) -> None:
    """A next-year draft still has fields to fill: each named with its line, nothing done."""
    try:
        from documents.plans.to_fill import unfilled
    except ImportError:  # pragma: no cover - the module ships with next-year drafts
        return
    if lines := unfilled(path):
        raise InvalidRequest(
            "\n".join([*lines, f"{path}: fill these fields before publishing (nothing done)"])
        )


def _refuse_uncalendared(plan: Plan, working: WorkingCalendar, table: Path) -> None:
    """A plan in force counts on its year's make-up days and swaps, which the holidays
    package does not know: its year must have an entry in the override table (a rehearsal,
    a drill, only warns)."""
    if plan.year in working.checked_years():
        return
    message = (
        f"{table}: years: no entry for {plan.year}: the holidays package knows no make-up "
        "working days or swapped days off; add that year's from the official notice (an "
        "entry with empty lists if there are none) before publishing"
    )
    if not plan.rehearsal:
        raise InvalidRequest(f"{message} (nothing done)")
    err.print(f"warning: {message}", highlight=False, markup=False)


def list_() -> None:
    """Every stored plan: code, year, state, version, activities, open and overdue tasks.

    Example: cchc plan list
    """
    with cli_errors():
        app = bootstrap()
        require_current(app.engine)
        with app.uow() as uow:
            rows = plan_lifecycle.lines(uow, today=local_date(app.clock.now()))
        app.close()
    table = Table(title="Kế hoạch")
    for column in ("code", "year", "state", "version", "activities", "open", "overdue"):
        table.add_column(column, justify="left" if column in ("code", "state") else "right")
    for row in rows:
        p = row.plan
        table.add_row(
            p.code,
            str(p.year),
            p.state.value,
            str(p.version or "—"),
            str(p.activities),
            str(row.open_tasks),
            str(row.overdue_tasks),
        )
    out.print(table)
    if not rows:
        err.print("no plan is stored: cchc plan publish PLAN.yaml", highlight=False)


def close(code: str, reason: str = ReasonOption) -> None:
    """Close a plan: its deployments' schedules removed, its waiting runs cancelled with a
    message; nothing is deleted, its report and history stay readable. It then prints the
    `cchc plan archive` command that files the year's record.

    Example: cchc plan close CODE --reason "Đã gửi báo cáo năm" (CODE as cchc plan list shows it)
    """
    with cli_errors():
        deployments.require_server()
        app = bootstrap()
        require_current(app.engine)
        closed = _close_stored(app, code, reason)
        message = f"Kế hoạch {code} đã đóng" + (f": {reason}" if reason else "")
        result = deployments.close(code, message=message)
        app.close()
    out.print(
        f"{code}: {'closed' if closed else 'was closed already'}; "
        f"{result.schedules_removed} schedules removed, {result.runs_cancelled} waiting runs "
        "cancelled",
        highlight=False,
    )
    out.print(f"to file the year's record: {archive_hint(code)}", highlight=False)


def _close_stored(app: App, code: str, reason: str) -> bool:
    with app.uow() as uow:
        return plan_lifecycle.close(
            uow, code, at=app.clock.now(), actor=app.settings.actor, reason=reason
        )
