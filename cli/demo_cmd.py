"""`cchc demo`: the main job on a fresh local database (grows into the full-year replay)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import cli_errors, out, settings
from services.demo import run_demo


def demo(
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder for every output."),
) -> None:
    """Fresh SQLite in OUT, load the 2025 plan and units, write the schedule (md + json).

    Example: cchc demo --out out
    """
    with cli_errors():
        result = run_demo(settings(), out_dir)
    for path in result.files:
        out.print(f"wrote {path}", highlight=False)
    out.print(result.summary, highlight=False)
