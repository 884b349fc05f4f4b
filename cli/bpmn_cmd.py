"""`cchc bpmn …`: the flows drawn as BPMN 2.0 diagrams."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import CalendarOption, UnitsOption, calendar, cli_errors, directory, out, settings
from documents.bpmn.export import export_bpmn
from documents.plans.files import load_plan

app = typer.Typer(help="The flows drawn as BPMN 2.0 diagrams.", no_args_is_help=True)

PlanOption = typer.Option(None, "--plan", help="Plan YAML (default: CCHC_PLAN_PATH).")


@app.command("export")
def export(
    out_dir: Path,
    plan_path: Path | None = PlanOption,
    units: Path | None = UnitsOption,
    cal: Path | None = CalendarOption,
) -> None:
    """Write one BPMN 2.0 file per activity flow and one for the year-end flow into OUT_DIR.

    Files are named <activity code>.bpmn and year-end-report.bpmn. They are drawn from the
    plan, its policy and the schedule the flows use (stages, reminder ladder, gates), with
    full diagram layout, so they open in bpmn-js or Camunda Modeler as drawn.

    Example: cchc bpmn export out/bpmn
    """
    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        path = plan_path or settings().plan_path
        plan = load_plan(path, directory=units_dir, calendar=working)
        written = export_bpmn(plan, directory=units_dir, calendar=working, out_dir=out_dir)
    for file in written:
        out.print(str(file), highlight=False)
