"""`cchc demo`: the main job — the 2025 plan replayed end to end on a simulated clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import cli_errors, out, settings
from documents.plans.files import load_calendar, load_plan, load_units
from documents.plans.schedule import write_schedule
from domain.schedule import build_schedule
from replay.schedule import event_days
from services.prefect_adapter.settings import api_url_in_environment
from services.settings import Settings

if TYPE_CHECKING:
    from replay.run import DemoResult, PlanFiles


def demo(
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder for every output."),
) -> None:
    """Replay the whole 2025 plan (fresh SQLite and file mail sink in OUT) through the flows.

    Example: cchc demo --out out
    """
    home = prefect_home(out_dir)
    with cli_errors():
        chosen = settings()
        files = plan_files(chosen)
        with day_progress(len(event_days(files.plan, files.directory, files.calendar))) as on_day:
            result = replay_year(chosen, out_dir, files, on_day=on_day)
    for path in result.files:
        out.print(f"wrote {path}", highlight=False)
    out.print(headline(result.summary), highlight=False)
    api = api_url_in_environment()
    if api:
        out.print(f"Runs: {api.removesuffix('/api')}", highlight=False)
    else:
        out.print(
            f"To see the runs: PREFECT_HOME={home} .venv/bin/prefect server start, "
            "then open http://127.0.0.1:4200",
            highlight=False,
        )


def prefect_home(out_dir: Path) -> Path:
    """Prefect's own configuration for this process, set before Prefect is imported: the
    replay's runs land in OUT/prefect (unless a Prefect API is named), quietly."""
    home = (out_dir / "prefect").resolve()
    if not api_url_in_environment():
        shutil.rmtree(home, ignore_errors=True)  # this replay's runs only
        home.mkdir(parents=True)  # Prefect makes its home at import, but not OUT itself
        os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    return home


def plan_files(settings: Settings) -> PlanFiles:
    """The plan, unit directory and calendar the settings name, read from their files."""
    from replay.run import PlanFiles

    calendar = load_calendar(settings.calendar_overrides_path)
    directory = load_units(settings.units_path)
    plan = load_plan(settings.plan_path, directory=directory, calendar=calendar)
    return PlanFiles(plan, directory, calendar)


def replay_year(
    settings: Settings,
    out_dir: Path,
    files: PlanFiles | None = None,
    *,
    on_day: Callable[[date], None] | None = None,
) -> DemoResult:
    """The replay of the plan the settings name, its schedule written beside its outputs."""
    from replay.run import run_demo  # imported once Prefect's own settings are in place

    files = files or plan_files(settings)
    result = run_demo(settings, out_dir, files, on_day=on_day)
    schedule = build_schedule(files.plan, files.directory, files.calendar)
    written = write_schedule(
        out_dir.resolve(), files.plan, files.directory, files.calendar, schedule
    )
    result.files.extend(written)
    return result


@contextmanager
def day_progress(days: int) -> Iterator[Callable[[date], None]]:
    """A progress bar over the replay's event days; yields what to call as each starts."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    ) as bar:
        job = bar.add_task("Ngày mô phỏng", total=days)

        def on_day(day: date) -> None:
            bar.update(job, advance=1, description=f"Ngày mô phỏng {day:%d/%m/%Y}")

        yield on_day


def headline(summary: dict[str, Any]) -> str:
    return (
        f"{summary['tasks']['total']} tasks, {summary['submissions']['total']} submissions "
        f"({summary['submissions']['late']} late), {summary['mails']['total']} mails, "
        f"{summary['escalations']} escalations; report v{summary['report']['version']} "
        f"{summary['report']['state']}; {summary['wall_seconds']} s"
    )
