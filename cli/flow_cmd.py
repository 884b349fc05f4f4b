"""`cchc sweep`, `cchc plan activate`, `cchc task …`, `cchc flow …`: the flows' work from the
command line."""

from __future__ import annotations

from datetime import date

import typer

from cli.common import PlanOption, cli_errors, out, parse_day, parse_instant, settings
from domain.clock import local_date
from services import stages
from services.bootstrap import bootstrap
from services.context import chosen_context, plan_context, published_codes
from services.prefect_adapter.settings import api_url_in_environment
from services.sweep import run_sweep
from storage.migrate import require_current

ByOption = typer.Option("vanphong", "--by", help="Who decides (for the audit log).")
task_app = typer.Typer(help="Admin actions on one task.", no_args_is_help=True)
flow_app = typer.Typer(help="The Prefect side: automations.", no_args_is_help=True)


def sweep(
    now: str | None = typer.Option(None, "--now", help="Instant to sweep at (simulated clock)."),
    plan: str | None = typer.Option(
        None, "--plan", metavar="CODE", help="Only this plan (default: every published plan)."
    ),
) -> None:
    """Run the deadline sweep once over every published plan (or the one named): reminders,
    chases, the Director's digest, delivery.

    With a Prefect API configured (PREFECT_API_URL, as `cchc up` sets), suspended runs whose
    stage moved on in the database are resumed too, and crashed runs are run again.

    Example: cchc sweep --now 2025-11-17T07:30
    """
    with cli_errors():
        app = bootstrap()
        require_current(app.engine)
        codes = [plan] if plan else published_codes(app)
        at = parse_instant(now) if now else app.clock.now()
        for code in codes:
            ctx = plan_context(code, app)
            report = run_sweep(ctx, now=at)
            resumed = None
            if api_url_in_environment() and report.working_day:
                from services.prefect_adapter.runs import reconcile

                resumed = reconcile(ctx, now=at)
            prefix = f"{code}: " if len(codes) > 1 else ""
            out.print(f"{prefix}{report}", highlight=False)
            if resumed is not None:
                out.print(f"{prefix}{resumed} runs resumed or run again", highlight=False)
        if not codes:
            out.print("no published plan: nothing to sweep (cchc plan publish)", highlight=False)


def activate(plan: str | None = PlanOption) -> None:
    """Start the run of every activity whose window is already open (needs `cchc up`).

    Example: cchc plan activate
    """
    with cli_errors():
        from services.prefect_adapter.starts import activate as start

        ctx = chosen_context(plan)
        started = start(ctx, today=local_date(ctx.app.clock.now()))
    out.print(
        f"started: {', '.join(started) or 'nothing (all running or not yet open)'}", highlight=False
    )


@task_app.command("resend")
def resend(task: str, plan: str | None = PlanOption) -> None:
    """Send a task's assignment mail again.

    Example: cchc task resend "bulletins/CDS/report#1"
    """
    with cli_errors():
        ctx = chosen_context(plan)
        now = ctx.app.clock.now()
        queued = stages.resend(ctx, stages.parse_task(task), at=now, token=now.isoformat())
    out.print("queued" if queued else "already queued", highlight=False)


@task_app.command("return")
def return_(
    task: str,
    reason: str = typer.Option(..., help="Why it goes back."),
    by: str = ByOption,
    plan: str | None = PlanOption,
) -> None:
    """Return a submission to the unit for revision, with the reason.

    Example: cchc task return "bulletins/CDS/report#1" --reason "Thiếu số liệu"
    """
    with cli_errors():
        ctx = chosen_context(plan)
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
    plan: str | None = PlanOption,
) -> None:
    """Move a task's due date (audit-logged: who, when, why, old and new).

    Example: cchc task extend "bulletins/CDS/report#1" --due 2025-11-21 --reason "Xin gia hạn"
    """
    with cli_errors():
        ctx = chosen_context(plan)
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
    plan: str | None = PlanOption,
) -> None:
    """Cancel a task.

    Example: cchc task cancel "bulletins/TTUD/execute#2" --reason "Đơn vị không tham gia"
    """
    with cli_errors():
        ctx = chosen_context(plan)
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
