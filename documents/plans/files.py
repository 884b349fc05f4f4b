"""Loads plans, the unit directory and calendar overrides from YAML, checked end to end."""

from __future__ import annotations

from pathlib import Path

from documents.plans.yaml_files import YamlDocument
from domain.calendar import CalendarOverrides, WorkingCalendar
from domain.errors import PlanInvalid
from domain.plan import Plan
from domain.units import UnitDirectory, check_directory
from domain.validation import check_plan


def load_units(path: Path | str) -> UnitDirectory:
    """The unit directory, its successors checked too; PlanInvalid names the file, the path
    in it and the line."""
    document = YamlDocument(Path(path))
    directory = document.validate(UnitDirectory)
    if found := check_directory(directory):
        raise PlanInvalid([document.problem(p.path, p.message) for p in found])
    return directory


def load_overrides(path: Path | str) -> CalendarOverrides:
    return YamlDocument(Path(path)).validate(CalendarOverrides)


def load_calendar(path: Path | str | None) -> WorkingCalendar:
    """The working-day calendar with the override table at `path` (None: the package only)."""
    return WorkingCalendar(load_overrides(path) if path else None)


def load_plan(
    path: Path | str,
    *,
    directory: UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
) -> Plan:
    """A plan, validated against its schema and, given a directory, its units and dates.

    Raises PlanInvalid listing every problem as `file:line: path: message`.
    """
    document = YamlDocument(Path(path))
    plan = document.validate(Plan)
    if directory is not None:
        found = check_plan(plan, directory, calendar or WorkingCalendar())
        if found:
            raise PlanInvalid([document.problem(p.path, p.message) for p in found])
    return plan
