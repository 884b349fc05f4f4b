"""What the layout tests share: a plan file imported, and each activity summed up on a line."""

from __future__ import annotations

from pathlib import Path

from documents.plans.importer import PlanImport, import_document
from domain.calendar import WorkingCalendar
from domain.plan import Activity, Plan
from domain.units import UnitDirectory


def run(path: Path, directory: UnitDirectory, calendar: WorkingCalendar) -> PlanImport:
    return import_document(path, directory=directory, calendar=calendar)


def summary(plan: Plan) -> list[str]:
    """Each activity on a line: number | title | lead | coordinators | window | its days."""
    return [_line(a) for a in plan.activities]


def _line(a: Activity) -> str:
    helpers = [*a.coordinators.units, *a.coordinators.groups] if a.coordinators else ["-"]
    days = a.time_window(2025)
    lead = ", ".join([*a.lead.units, *a.lead.groups])
    dates = f"{days.start:%d/%m}-{days.end:%d/%m}"
    return " | ".join([str(a.number), a.title, lead, ", ".join(helpers), a.window, dates])


def expected(text: str) -> list[str]:
    return text.strip().splitlines()
