"""`cchc calendar …`: deadlines and working days."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import CalendarOption, calendar, cli_errors, out, parse_day
from domain.phrases import parse_deadline
from domain.vi import long_date

app = typer.Typer(help="Deadlines and working days.", no_args_is_help=True)


@app.command("due")
def due(
    phrase: str,
    year: int | None = typer.Option(None, help="Year for a phrase that names none."),
    cal: Path | None = CalendarOption,
) -> None:
    """Print the ISO due date of a Vietnamese deadline phrase, alone on stdout.

    "trước ngày D" is the last working day before D; "đến ngày D" / "ngày D" is D, or the
    next working day when D is a day off.

    Example: cchc calendar due "trước ngày 15/11/2025"   (prints 2025-11-14)
    """
    with cli_errors():
        print(parse_deadline(phrase, year=year).due(calendar(cal)).isoformat())


@app.command("workdays")
def workdays(
    start: str = typer.Argument(..., metavar="FROM"),
    end: str = typer.Argument(..., metavar="TO"),
    list_days: bool = typer.Option(False, "--list", help="Also list each working day."),
    cal: Path | None = CalendarOption,
) -> None:
    """Count the working days from FROM to TO inclusive (dates as 2025-11-01 or 01/11/2025).

    Example: cchc calendar workdays 2026-02-09 2026-02-27 --list
    """
    with cli_errors():
        working, first, last = calendar(cal), parse_day(start), parse_day(end)
        print(working.working_days_between(first, last))
        if list_days:
            day = working.next_working_day(first, include=True)
            while day <= last:
                out.print(f"  {day.isoformat()}  {long_date(day)}", highlight=False)
                day = working.next_working_day(day)
