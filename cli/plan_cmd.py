"""`cchc plan …`: validate, show, load and import plan files."""

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
from documents.plans.files import load_plan
from documents.plans.importer import import_document
from domain.policy import Stage
from domain.schedule import build_schedule, schedule_tasks
from domain.year_end import year_end_dates
from services.bootstrap import bootstrap
from services.plans import load_plan as store_plan
from storage.migrate import require_current

app = typer.Typer(help="Validate, show, load and import plan files.", no_args_is_help=True)


@app.command("validate")
def validate(
    path: Path, units: Path | None = UnitsOption, cal: Path | None = CalendarOption
) -> None:
    """Check a plan file against the schema, the unit directory and the calendar.

    Exit 0 when valid; otherwise exit 1 with one line per problem (file:line: path: what).
    A valid plan still gets warnings (stderr): each field marked "# ĐIỀN:" still to fill,
    and a year the calendar override table has no entry for.

    Example: cchc plan validate plans/2025-skhcn-quang-ngai.yaml
    """
    with cli_errors():
        working = calendar(cal)
        units_dir = directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        count = sum(len(schedule_tasks(s, plan)) for s in build_schedule(plan, units_dir, working))
    out.print(
        f"OK: {plan.number_symbol} {plan.code}: {len(plan.activities)} activities, {count} tasks",
        highlight=False,
    )
    from cli.plan_year_cmd import warn_unchecked_year
    from documents.plans.to_fill import unfilled

    for line in unfilled(path):  # a draft from `cchc plan next-year`
        err.print(f"warning: {line}", highlight=False, markup=False)
    warn_unchecked_year(plan.year, working, cal or settings().calendar_overrides_path)


@app.command("deadlines")
def deadlines(
    path: Path, units: Path | None = UnitsOption, cal: Path | None = CalendarOption
) -> None:
    """Print the plan's reporting deadlines, one name=YYYY-MM-DD per line, for scripts.

    unit_reports_due: the units' reports to the Office; report_to_ubnd_due: the consolidated
    report to UBND tỉnh (each the working day its phrase in the plan gives).

    Example: cchc plan deadlines plans/2025-skhcn-quang-ngai.yaml
    """
    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        dates = year_end_dates(plan, working)
    out.print(f"unit_reports_due={dates.unit_due.isoformat()}", highlight=False)
    out.print(f"report_to_ubnd_due={dates.final_due.isoformat()}", highlight=False)


@app.command("show")
def show(path: Path, units: Path | None = UnitsOption, cal: Path | None = CalendarOption) -> None:
    """Print each activity: lead, coordinators, window and the due date of every stage.

    Example: cchc plan show plans/2025-skhcn-quang-ngai.yaml
    """
    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        schedules = build_schedule(plan, units_dir, working)
    # A rehearsal's dates run into the next year: they are shown with theirs.
    shown, day = ("dd/mm/yyyy", "%d/%m/%Y") if plan.rehearsal else (f"dd/mm/{plan.year}", "%d/%m")
    table = Table(title=f"{plan.number_symbol} — {plan.title} (due dates {shown})")
    for column in ("#", "activity", "lead", "coordinators", "window", *[s.value for s in Stage]):
        table.add_column(column)
    for s in schedules:
        dues = [", ".join(f"{d:{day}}" for d in s.due(stage)) for stage in Stage]
        helpers = s.activity.coordinators
        coordinators = f"{helpers.as_written} ({len(s.coordinators)})" if helpers else "—"
        table.add_row(
            str(s.activity.number),
            s.activity.code,
            ", ".join(s.leads),
            coordinators,
            s.activity.window,
            *dues,
        )
    out.print(table)


@app.command("load")
def load(path: Path, units: Path | None = UnitsOption, cal: Path | None = CalendarOption) -> None:
    """Store the plan, the unit directory and the scheduled tasks in the database.

    Loading the same files again changes nothing; a changed plan is updated, its open tasks
    rescheduled, and every change written to the audit log. Run `cchc db upgrade` first.

    Example: cchc plan load plans/2025-skhcn-quang-ngai.yaml
    """
    with cli_errors():
        app_ = bootstrap()
        working, units_dir = calendar(cal), directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        require_current(app_.engine)
        with app_.uow() as uow:
            report = store_plan(
                uow,
                plan=plan,
                directory=units_dir,
                calendar=working,
                at=app_.clock.now(),
                actor=app_.settings.actor,
            )
        app_.close()
    out.print(
        f"{plan.code}: plan {report.plan_change}, {report.units_changed} units changed, "
        f"{report.tasks_created} tasks created, {report.tasks_rescheduled} rescheduled, "
        f"{report.tasks_cancelled} cancelled",
        highlight=False,
    )


OutputOption = typer.Option(..., "--output", "-o", help="Plan YAML file to write.")
PartialOption = typer.Option(
    False, "--partial", help="Write what was found even when something is missing."
)
PreviousOption = typer.Option(
    None,
    "--previous",
    help="An earlier version of this plan (YAML): keep its plan code, activity codes and policy.",
)


@app.command("import")
def import_(
    doc: Path,
    output: Path = OutputOption,
    partial: bool = PartialOption,
    previous: Path | None = PreviousOption,
    units: Path | None = UnitsOption,
    cal: Path | None = CalendarOption,
) -> None:
    """Read a plan document (.txt, .docx, or .pdf with pdftotext) and write it as plan YAML.

    Unit names are matched to the unit directory; a name that matches nothing is listed,
    never guessed. Exit 0 when the plan is complete and valid (it then passes
    `cchc plan validate`). Otherwise exit 1 listing what could not be determined, one line
    each (document:line: plan path: what), and write nothing; with --partial, write what
    was found with that list as comments at the top, and exit 0.

    Example: cchc plan import plans/source/281-KH-SKHCN-2025.txt -o out/plan.yaml
    """
    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        old = load_plan(previous) if previous else None
        result = import_document(doc, directory=units_dir, calendar=working, previous=old)
        for note in result.notes:
            err.print(f"note: {note}", markup=False, highlight=False)
        if not partial:
            result.require()
        output.write_text(result.to_yaml(), encoding="utf-8")
    for problem in result.problems:
        err.print(f"review: {problem}", markup=False, highlight=False)
    activities = len(result.data.get("activities", []))
    state = f"{len(result.problems)} to review" if result.problems else "complete"
    out.print(f"{output}: {activities} activities, {state}", highlight=False)
