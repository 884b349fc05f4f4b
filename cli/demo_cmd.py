"""`cchc demo`: the main job — the 2025 plan replayed end to end on a simulated clock."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import cli_errors, out, settings


def demo(
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder for every output."),
) -> None:
    """Replay the whole 2025 plan (fresh SQLite and file mail sink in OUT) through the flows.

    Example: cchc demo --out out
    """
    home = (out_dir / "prefect").resolve()
    # Before Prefect is imported: the replay's runs land in OUT/prefect, quietly.
    if not os.environ.get("PREFECT_API_URL"):
        shutil.rmtree(home, ignore_errors=True)  # this replay's runs only
        os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    from services.demo import run_demo
    from services.replay import event_days

    with (
        cli_errors(),
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=False,
        ) as bar,
    ):
        job = bar.add_task("Ngày mô phỏng", total=None)

        def on_day(day: date) -> None:
            if bar.tasks[job].total is None:
                bar.update(job, total=len(_days()))
            bar.update(job, advance=1, description=f"Ngày mô phỏng {day:%d/%m/%Y}")

        def _days() -> list[date]:
            from documents.plan_files import load_calendar, load_plan, load_units

            s = settings()
            cal, units = load_calendar(s.calendar_overrides_path), load_units(s.units_path)
            return event_days(load_plan(s.plan_path), units, cal)

        result = run_demo(settings(), out_dir, on_day=on_day)
    summary = result.summary
    for path in result.files:
        out.print(f"wrote {path}", highlight=False)
    out.print(
        f"{summary['tasks']['total']} tasks, {summary['submissions']['total']} submissions "
        f"({summary['submissions']['late']} late), {summary['mails']['total']} mails, "
        f"{summary['escalations']} escalations; report v{summary['report']['version']} "
        f"{summary['report']['state']}; {summary['wall_seconds']} s",
        highlight=False,
    )
    if os.environ.get("PREFECT_API_URL"):
        out.print(f"Runs: {os.environ['PREFECT_API_URL'].removesuffix('/api')}", highlight=False)
    else:
        out.print(
            f"To see the runs: PREFECT_HOME={home} .venv/bin/prefect server start, "
            "then open http://127.0.0.1:4200",
            highlight=False,
        )
