"""`cchc sweep`, `cchc plan activate`, `cchc task …`, `cchc flow …`: the flows' work from the
command line."""

from __future__ import annotations

from datetime import date

import typer

from cli.common import cli_errors, out, parse_day, parse_instant, settings
from domain.clock import local_date
from services import stages
from services.context import DEFAULT_PLAN, plan_context
from services.prefect_adapter.settings import api_url_in_environment
from services.sweep import run_sweep
from storage.migrate import require_current

PlanOption = typer.Option(DEFAULT_PLAN, "--plan", help="Plan code (as loaded).")
ByOption = typer.Option("vanphong", "--by", help="Who decides (for the audit log).")
task_app = typer.Typer(help="Admin actions on one task.", no_args_is_help=True)
flow_app = typer.Typer(help="The Prefect side: automations.", no_args_is_help=True)


def sweep(
    now: str | None = typer.Option(None, "--now", help="Instant to sweep at (simulated clock)."),
    plan: str = PlanOption,
) -> None:
    """Run the deadline sweep once: reminders, chases, the Director's digest, delivery.

    With a Prefect API configured (PREFECT_API_URL, as `cchc up` sets), suspended runs whose
    stage moved on in the database are resumed too, and crashed runs are run again.

    Example: cchc sweep --now 2025-11-17T07:30
    """
    with cli_errors():
        ctx = plan_context(plan)
        require_current(ctx.app.engine)
        at = parse_instant(now) if now else ctx.app.clock.now()
        report = run_sweep(ctx, now=at)
        resumed = None
        if api_url_in_environment() and report.working_day:
            from services.prefect_adapter.runs import reconcile

            resumed = reconcile(ctx, now=at)
    out.print(str(report), highlight=False)
    if resumed is not None:
        out.print(f"{resumed} runs resumed or run again", highlight=False)


def activate(plan: str = PlanOption) -> None:
    """Start the run of every activity whose window is already open (needs `cchc up`).

    Example: cchc plan activate
    """
    with cli_errors():
        from services.prefect_adapter.runs import activate as start

        ctx = plan_context(plan)
        started = start(ctx, today=local_date(ctx.app.clock.now()))
    out.print(
        f"started: {', '.join(started) or 'nothing (all running or not yet open)'}", highlight=False
    )


@task_app.command("resend")
def resend(task: str, plan: str = PlanOption) -> None:
    """Send a task's assignment mail again.

    Example: cchc task resend "bulletins/CDS/report#1"
    """
    with cli_errors():
        ctx = plan_context(plan)
        now = ctx.app.clock.now()
        queued = stages.resend(ctx, stages.parse_task(task), at=now, token=now.isoformat())
    out.print("queued" if queued else "already queued", highlight=False)


@task_app.command("return")
def return_(
    task: str,
    reason: str = typer.Option(..., help="Why it goes back."),
    by: str = ByOption,
    plan: str = PlanOption,
) -> None:
    """Return a submission to the unit for revision, with the reason.

    Example: cchc task return "bulletins/CDS/report#1" --reason "Thiếu số liệu"
    """
    with cli_errors():
        ctx = plan_context(plan)
        stages.return_submission(
            ctx, stages.parse_task(task), at=ctx.app.clock.now(), by=by, reason=reason
        )
    out.print("returned", highlight=False)


@task_app.command("extend")
def extend(
    task: str,
    due: str = typer.Option(..., help="New due date (2025-11-21)."),
    reason: str = typer.Option(..., help="Why."),
    by: str = ByOption,
    plan: str = PlanOption,
) -> None:
    """Move a task's due date (audit-logged: who, when, why, old and new).

    Example: cchc task extend "bulletins/CDS/report#1" --due 2025-11-21 --reason "Xin gia hạn"
    """
    with cli_errors():
        ctx = plan_context(plan)
        new: date = stages.extend_due(
            ctx,
            stages.parse_task(task),
            due_on=parse_day(due),
            at=ctx.app.clock.now(),
            by=by,
            reason=reason,
        )
    out.print(f"due {new.isoformat()}", highlight=False)


@task_app.command("cancel")
def cancel(
    task: str,
    reason: str = typer.Option(..., help="Why."),
    by: str = ByOption,
    plan: str = PlanOption,
) -> None:
    """Cancel a task.

    Example: cchc task cancel "bulletins/TTUD/execute#2" --reason "Đơn vị không tham gia"
    """
    with cli_errors():
        ctx = plan_context(plan)
        stages.cancel(ctx, stages.parse_task(task), at=ctx.app.clock.now(), by=by, reason=reason)
    out.print("cancelled", highlight=False)


@flow_app.command("automations")
def automations() -> None:
    """Create (or update in place) cchc's automations on the Prefect server.

    cchc-task-overdue runs notify-office/office for each overdue task; cchc-zombie-runs marks
    Crashed a flow run silent CCHC_ZOMBIE_AFTER_SECONDS (90) after a heartbeat, for the
    reconciler to run it again. Needs PREFECT_API_URL and the deployments, and
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 here as on every worker.

    Example: cchc flow automations
    """
    with cli_errors():
        from services.prefect_adapter.automations import ensure_automations

        names = ensure_automations(settings())
    out.print(f"automations in place: {', '.join(names)}", highlight=False)
