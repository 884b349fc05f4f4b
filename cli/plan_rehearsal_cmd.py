"""`cchc plan rehearsal`: a DIỄN TẬP copy of a plan that opens on a chosen day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from cli.common import (
    CalendarOption,
    ForceOption,
    UnitsOption,
    calendar,
    cli_errors,
    directory,
    err,
    out,
    parse_day,
)
from documents.plans.files import load_plan
from documents.plans.rehearsal import make_rehearsal
from documents.plans.yaml_files import YamlDocument
from domain.clock import local_date
from domain.vi import dmy

OutputOption = typer.Option(..., "--output", "-o", help="Rehearsal plan YAML file to write.")
StartOption = typer.Option(
    None,
    "--start",
    help="Day the copy's first window opens, 2026-12-03 or 03/12/2026 (default: today, "
    "Asia/Ho_Chi_Minh).",
)


def rehearsal(
    path: Path,
    output: Path = OutputOption,
    start: str | None = StartOption,
    force: bool = ForceOption,
    units: Path | None = UnitsOption,
    cal: Path | None = CalendarOption,
) -> None:
    """Write a rehearsal (DIỄN TẬP) copy of a plan that the Office can run live from --start.

    Every window and both reporting deadlines move by the same number of days, so that the
    earliest window opens on --start; windows are written as dated ranges and may run into
    the next year. The copy gets the code <code>-dien-tap-YYYYMMDD and `rehearsal: true`:
    its mails, portal pages and report say DIỄN TẬP, and its mail goes only to the domains
    of CCHC_MAIL__REHEARSAL_DOMAINS (default: the sender's). Exit 1 naming every problem,
    writing nothing, when the plan or the copy is invalid or OUTPUT exists (without --force).

    Example: cchc plan rehearsal plans/2025-skhcn-quang-ngai.yaml -o out/dien-tap.yaml
    """
    with cli_errors():
        if output.exists() and not force:
            err.print(f"error: {output} exists; add --force to overwrite it", highlight=False)
            raise typer.Exit(1)
        working, units_dir = calendar(cal), directory(units)
        plan = load_plan(path, directory=units_dir, calendar=working)
        day = parse_day(start) if start else local_date(datetime.now(UTC))
        copy = make_rehearsal(YamlDocument(path).data, plan, start=day)
        copy.checked(units_dir, working, file=f"{output} (not written)")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(copy.to_yaml(), encoding="utf-8")
    out.print(
        f"{output}: {copy.code}, opens {dmy(day)} ({copy.offset.days:+d} days from "
        f"{plan.code}), {len(plan.activities)} activities",
        highlight=False,
        markup=False,
    )
