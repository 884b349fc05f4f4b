"""`cchc plan next-year`: draft next year's plan file from this year's."""

from __future__ import annotations

import re
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
    settings,
)
from documents.plans.files import load_plan
from documents.plans.next_year import Change, Draft, draft_next_year
from documents.plans.to_fill import unfilled
from documents.plans.yaml_files import YamlDocument
from domain.calendar import WorkingCalendar
from domain.errors import InvalidRequest, PlanInvalid, Problem
from domain.plan import Plan
from domain.units import UnitDirectory
from domain.validation import check_plan
from domain.year_end import year_end_dates

# Problems about unit codes, which a new year's unit directory may well have changed.
_UNIT_PATH = re.compile(r"\.(?:lead|coordinators|from|to|signed_by)(?:[.\[]|$)|^recipients\[")

NextOutputOption = typer.Option(..., "--output", "-o", help="Draft plan YAML file to write.")
YearOption = typer.Option(None, "--year", help="Year of the draft (default: the plan's + 1).")


def next_year(
    path: Path,
    output: Path = NextOutputOption,
    year: int | None = YearOption,
    force: bool = ForceOption,
    units: Path | None = UnitsOption,
    cal: Path | None = CalendarOption,
) -> None:
    """Draft the plan for the next year (or --year) from a valid plan file.

    Writes a copy with the new code and year, every window and reporting deadline moved to
    that year (same kind: quarters stay quarters, 29/02 becomes 28/02 in a common year), and
    the plan year replaced in titles, topics, budget and organization lines where it is the
    plan's own year; mentions that name a document, a period or a target year are kept and
    listed. The deadlines are recomputed with the working calendar and printed.

    The plan's number, issued_on and legal_bases are to be filled: each holds a placeholder
    and its line ends in a comment "# ĐIỀN: …". To fill one, write the real value and delete
    that comment (for legal_bases, also the placeholder item "ĐIỀN: …"). `cchc plan validate`
    warns for each field still to fill; publishing refuses while any is left.

    Also warns for unit codes no longer in the unit directory and for a year the calendar
    override table has no entry for. Exit 1, writing nothing, when the plan is invalid or the
    output exists (unless --force).

    Example: cchc plan next-year plans/2025-skhcn-quang-ngai.yaml -o out/2026-plan.yaml
    """
    with cli_errors():
        if output.exists() and not force:
            raise InvalidRequest(f"{output} exists; pass --force to overwrite it")
        working, units_dir = calendar(cal), directory(units)
        source = _valid_source(path, units_dir, working)
        target = source.year + 1 if year is None else year
        if target <= source.year:
            raise InvalidRequest(
                f"--year {target}: the plan is for {source.year}; name a later year"
            )
        draft = draft_next_year(path.read_text(encoding="utf-8"), year=target, source=path.name)
        plan, unknown = _write_checked(draft, output, units_dir, working)
        dates = year_end_dates(plan, working)
    _present(draft, output)
    out.print(f"unit_reports_due={dates.unit_due.isoformat()}", highlight=False)
    out.print(f"report_to_ubnd_due={dates.final_due.isoformat()}", highlight=False)
    for line in unfilled(output):
        out.print(line, markup=False, highlight=False)
    for problem in unknown:
        _warn(f"{problem} (not in the current unit directory)")
    warn_unchecked_year(plan.year, working, cal or settings().calendar_overrides_path)


def warn_unchecked_year(year: int, working: WorkingCalendar, table: Path) -> None:
    """Warn when the override table (`table`, the calendar's file) has no entry for `year`;
    `cchc plan validate` uses it too."""
    if year in working.checked_years():
        return
    _warn(
        f"{table} has no entry for {year}: the holidays package knows no make-up working days "
        "or swapped days off; add that year's from the official notice before the plan's "
        "dates are relied on"
    )


def _warn(text: str) -> None:
    err.print(f"warning: {text}", highlight=False, markup=False)


def _valid_source(path: Path, units: UnitDirectory, working: WorkingCalendar) -> Plan:
    """The plan, or PlanInvalid for any problem but unit codes (the draft warns about those)."""
    plan = load_plan(path)
    _, other = _split(check_plan(plan, units, working), YamlDocument(path), path)
    if other:
        raise PlanInvalid(other)
    return plan


def _split(
    found: list[Problem], document: YamlDocument, file: Path
) -> tuple[list[Problem], list[Problem]]:
    """Located problems: (about unit codes, the rest)."""
    located = [Problem(p.path, p.message, str(file), document.line_of(p.path)) for p in found]
    units = [p for p in located if _UNIT_PATH.search(p.path)]
    return units, [p for p in located if not _UNIT_PATH.search(p.path)]


def _write_checked(
    draft: Draft, output: Path, units: UnitDirectory, working: WorkingCalendar
) -> tuple[Plan, list[Problem]]:
    """Write the draft through a temporary file that must load and check first."""
    temp = output.with_name(f".{output.name}.next-year.tmp")
    try:
        temp.write_text(draft.text, encoding="utf-8")
        plan = load_plan(temp)
        unknown, other = _split(check_plan(plan, units, working), YamlDocument(temp), output)
        if other:
            raise PlanInvalid(other)
        temp.replace(output)
    finally:
        temp.unlink(missing_ok=True)
    return plan, unknown


def _present(draft: Draft, output: Path) -> None:
    document = YamlDocument(output)
    out.print(f"{output}: draft {draft.code} for {draft.year}", highlight=False)

    def where(change: Change) -> str:
        return f"{output}:{document.line_of(change.path)}: {change}"

    for change in draft.changed:
        out.print(f"changed: {where(change)}", markup=False, highlight=False)
    for change in draft.kept:
        out.print(f"kept (review): {where(change)}", markup=False, highlight=False)
    for note in draft.notes:
        out.print(f"note: {note}", markup=False, highlight=False)
