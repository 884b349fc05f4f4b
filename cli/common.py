"""Shared CLI plumbing: settings, error translation, consoles, date arguments."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import httpx
import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from documents.plans.files import load_calendar, load_units
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, as_utc
from domain.errors import CchcError, PhraseError, PlanChoice
from domain.phrases import parse_date
from domain.units import UnitDirectory
from services.plan_inputs import unit_directory, working_calendar
from services.settings import Settings

# Piped output (CI logs, files) gets a wide console so tables are not squeezed to 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Domain and input errors, and a Prefect API refusing our credentials → message on
    stderr and exit 1 (exit 2 when no plan was named and none is implied); nothing else is
    swallowed."""
    try:
        yield
    except PlanChoice as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except CchcError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            err.print(f"error: {line}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except (OSError, SQLAlchemyError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except httpx.HTTPStatusError as exc:  # Prefect's client errors are of this kind too
        if exc.response.status_code != 401:
            raise
        err.print(
            f"error: the Prefect API at {exc.request.url.host}:{exc.request.url.port} answered "
            "401 Unauthorized: export PREFECT_API_AUTH_STRING, the server's "
            "PREFECT_SERVER_API_AUTH_STRING (after `cchc up`: "
            '"$(cat var/prefect/api-auth-string)")',
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1) from None


def settings() -> Settings:
    return Settings()


def directory(path: Path | None) -> UnitDirectory:
    """The units of `path`, else those the settings name."""
    return load_units(path) if path else unit_directory(settings())


def calendar(path: Path | None) -> WorkingCalendar:
    """The calendar overrides of `path`, else those the settings name."""
    return load_calendar(path) if path else working_calendar(settings())


def parse_day(text: str) -> date:
    """A date as 2025-11-14 or 14/11/2025."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_date(text)


def parse_instant(text: str) -> datetime:
    """An ISO instant; without a zone it is Asia/Ho_Chi_Minh wall-clock time."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise PhraseError(f"not an ISO date-time: {text!r} (e.g. 2025-11-17T07:30)") from None
    return as_utc(at if at.tzinfo else at.replace(tzinfo=LOCAL_TZ))


PlanOption = typer.Option(
    None,
    "--plan",
    metavar="CODE",
    help="Plan code (cchc plan list); default: the only published plan of the current year.",
)
ForceOption = typer.Option(False, "--force", help="Overwrite the output file if it exists.")
UnitsOption = typer.Option(None, "--units", help="Unit directory YAML (default: CCHC_UNITS_PATH).")
CalendarOption = typer.Option(
    None, "--calendar", help="Calendar overrides YAML (default: CCHC_CALENDAR_OVERRIDES_PATH)."
)
