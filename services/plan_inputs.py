"""The plan, unit directory and working calendar that the settings name, read when asked."""

from __future__ import annotations

from documents.plans.files import load_calendar, load_plan, load_units
from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.records import PlanState
from domain.units import UnitDirectory
from services.bootstrap import App
from services.plan_lifecycle import Published, publish, stored
from services.plans import LoadReport
from services.settings import Settings


def unit_directory(settings: Settings) -> UnitDirectory:
    """The units of CCHC_UNITS_PATH."""
    return load_units(settings.units_path)


def working_calendar(settings: Settings) -> WorkingCalendar:
    """The working-day calendar with the overrides of CCHC_CALENDAR_OVERRIDES_PATH."""
    return load_calendar(settings.calendar_overrides_path)


def publish_configured_plan(app: App, *, actor: str) -> tuple[Plan, Published]:
    """The plan of CCHC_PLAN_PATH, checked against those units and that calendar, published
    in the database (nothing changes when that version is published already); the plan and
    what the publish did. A closed plan is left closed."""
    units, calendar = unit_directory(app.settings), working_calendar(app.settings)
    plan = load_plan(app.settings.plan_path, directory=units, calendar=calendar)
    with app.uow() as uow:
        found = stored(uow, plan.code)
        if found is not None and found.state is PlanState.CLOSED:
            return plan, Published(LoadReport(plan=plan.code), found.version, new_version=False)
        done = publish(
            uow, plan=plan, directory=units, calendar=calendar, at=app.clock.now(), actor=actor
        )
    return plan, done
