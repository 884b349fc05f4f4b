"""One plan's working set for a process: the app, the stored plan, the directory, the mailer."""

from __future__ import annotations

from dataclasses import dataclass

from documents.plans.files import load_units
from domain.clock import local_date
from domain.errors import NotFound
from domain.plan import Plan
from domain.units import UnitDirectory
from services.bootstrap import App, bootstrap, mailer
from services.mail import Mailer


@dataclass
class PlanContext:
    app: App
    plan: Plan
    directory: UnitDirectory
    mailer: Mailer


def plan_context(plan_code: str, app: App | None = None) -> PlanContext:
    """The plan as stored by `cchc plan load` (the database is the truth) and the directory
    the settings name; NotFound when the plan was never loaded."""
    app = app or bootstrap()
    with app.uow() as uow:
        plan = uow.plans.get(plan_code)
    if plan is None:
        raise NotFound(f"plan {plan_code!r} is not loaded: run `cchc plan load` first")
    directory = load_units(app.settings.units_path)
    return PlanContext(app, plan, directory, mailer(app, plan, directory))


def plan_contexts(codes: list[str], app: App) -> dict[str, PlanContext]:
    """The contexts of several plans on one app, the directory read once."""
    directory = load_units(app.settings.units_path)
    with app.uow() as uow:
        plans = uow.plans.many(codes)
    found = {}
    for code, plan in plans.items():
        if plan is None:
            raise NotFound(f"plan {code!r} is not loaded: run `cchc plan load` first")
        found[code] = PlanContext(app, plan, directory, mailer(app, plan, directory))
    return found


def chosen_context(code: str | None, app: App | None = None) -> PlanContext:
    """The context of plan `code`, or of the only published plan of the current year when
    none is named (PlanChoice naming the candidates otherwise): what commands work on."""
    from services.plan_lifecycle import choose

    app = app or bootstrap()
    with app.uow() as uow:
        code = choose(uow, code, today=local_date(app.clock.now()))
    return plan_context(code, app)


def published_codes(app: App) -> list[str]:
    """The codes of every published plan, by year: what the deadline sweep covers."""
    from services.plan_lifecycle import published

    with app.uow() as uow:
        return [p.code for p in published(uow)]


def stored_version(plan_code: str, app: App) -> str | None:
    """The stored plan's content hash (None if never loaded): it changes with every load that
    changes the plan, so a PlanContext built from an older hash is stale."""
    with app.uow() as uow:
        return uow.plans.content_hash(plan_code)
