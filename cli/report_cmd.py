"""`cchc report …`: the consolidated report from what the database holds now."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import PlanOption, cli_errors, out, parse_instant

app = typer.Typer(help="The consolidated year-end report.", no_args_is_help=True)


@app.command("build")
def build(
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder for the three files."),
    at: str | None = typer.Option(None, "--at", help="Instant to judge at (ISO; default now)."),
    plan: str | None = PlanOption,
) -> None:
    """Write the consolidated report (draft) as .docx, .md and .html from the database.

    It changes nothing: the draft the Director reviews is the year-end flow's own.

    Example: cchc report build --out out --at 2025-11-17T08:00
    """
    from documents.report.files import write_report_files
    from services.context import chosen_context
    from services.report_data import build_report_data
    from storage.migrate import require_current

    with cli_errors():
        ctx = chosen_context(plan)
        require_current(ctx.app.engine)
        now = parse_instant(at) if at else ctx.app.clock.now()
        data = build_report_data(ctx, now=now, draft=True)
        files = write_report_files(data, out_dir, stem=f"report-{ctx.plan.year}-draft")
        ctx.app.close()
    for path in files.values():
        out.print(f"wrote {path}", highlight=False)
    if data.missing_units:
        out.print(f"Đơn vị chưa gửi báo cáo: {', '.join(data.missing_units)}", highlight=False)


@app.command("excel")
def excel(
    output: Path = typer.Option(..., "-o", "--output", help="The .xlsx file to write."),
    at: str | None = typer.Option(None, "--at", help="Instant to judge at (ISO; default now)."),
    plan: str | None = PlanOption,
) -> None:
    """Write the Office's progress workbook (.xlsx) from the database: the unit × form × stage
    matrix in the four status buckets, every task, the evidence and the reported counts.

    It changes nothing.

    Example: cchc report excel -o out/tien-do.xlsx --at 2025-11-17T08:00
    """
    from services.context import chosen_context
    from services.report_excel import write_progress
    from storage.migrate import require_current

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"{output} does not end in .xlsx", param_hint="-o")
    with cli_errors():
        ctx = chosen_context(plan)
        require_current(ctx.app.engine)
        now = parse_instant(at) if at else ctx.app.clock.now()
        written = write_progress(ctx, output, now=now)
        ctx.app.close()
    out.print(f"wrote {written}", highlight=False)
