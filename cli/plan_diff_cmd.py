"""`cchc plan diff`: what an amendment changes, in Vietnamese."""

from __future__ import annotations

from pathlib import Path

from cli.common import CalendarOption, UnitsOption, calendar, cli_errors, directory, out
from documents.plans.files import load_plan
from domain.plan_diff import diff_plans


def diff(
    old: Path, new: Path, units: Path | None = UnitsOption, cal: Path | None = CalendarOption
) -> None:
    """Compare two versions of one plan and print what the newer one changes, in Vietnamese.

    Activities added, removed or changed (title, lead, coordinators, window, with the units
    and dates they resolve to), reporting deadlines moved, units added to or dropped from the
    plan, and other changes one line each. Exit 0 (also when nothing changed); exit 1 when
    either file is invalid or the two are not the same plan (different codes).

    Example: cchc plan diff OLD.yaml NEW.yaml
    """
    with cli_errors():
        working, units_dir = calendar(cal), directory(units)
        before = load_plan(old, directory=units_dir, calendar=working)
        after = load_plan(new, directory=units_dir, calendar=working)
        changes = diff_plans(before, after, units_dir, working)
    for line in changes.lines():
        out.print(line, markup=False, highlight=False)
