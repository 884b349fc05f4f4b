"""A plan's life in the database: published (a numbered version kept with who, when, why),
closed (nothing deleted), listed, and chosen when a command names none.

The Prefect side of publishing and closing (deployments, schedules, waiting runs) is
services/prefect_adapter/deployments.py; the CLI calls both, the database first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.errors import InvalidRequest, NotFound, PlanChoice
from domain.plan import Plan
from domain.records import PlanState, PlanVersion, StoredPlan
from domain.task import ACTIVE_STATES
from domain.units import UnitDirectory
from services.amendments import amendment_reason, notify_units
from services.mail import Mailer
from services.plans import LoadReport, store_plan_data
from services.ports import UnitOfWork


@dataclass(frozen=True)
class Published:
    """What a publish did: the load's changes and the version now in force."""

    load: LoadReport
    version: int
    new_version: bool

    @property
    def changed(self) -> bool:
        return self.new_version or self.load.changed


@dataclass(frozen=True)
class PlanLine:
    """One row of `cchc plan list`."""

    plan: StoredPlan
    open_tasks: int
    overdue_tasks: int


def stored(uow: UnitOfWork, code: str) -> StoredPlan | None:
    return next((p for p in uow.plans.listing() if p.code == code), None)


def publish(
    uow: UnitOfWork,
    *,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    at: datetime,
    actor: str,
    reason: str = "",
    mailer: Mailer | None = None,
) -> Published:
    """Store the plan and its tasks (as `cchc plan load` does) and, when its content differs
    from the latest published version, keep it as the next version; one transaction.
    Publishing the same content again changes nothing. A closed plan is refused.

    A new version of a published plan is an amendment: its open work is migrated in the
    same transaction — tasks of removed activities or dropped units cancelled, tasks of
    added ones created, due days of moved windows and deadlines recomputed, each audited
    "Theo Kế hoạch điều chỉnh (phiên bản N)"; with `mailer`, each unit whose assigned work
    was cancelled or moved is told once (services/amendments.py). Work handed in stays."""
    before = stored(uow, plan.code)
    if before is not None and before.state is PlanState.CLOSED:
        raise InvalidRequest(
            f"plan {plan.code} is closed (version {before.version}): a closed plan is not "
            "published again; publish next year's plan instead (cchc plan next-year)"
        )
    versions = uow.plans.versions(plan.code)
    number = len(versions) + 1
    amending = bool(versions) and before is not None and before.state is PlanState.PUBLISHED
    why = amendment_reason(number, reason) if amending else ""
    load = store_plan_data(
        uow, plan=plan, directory=directory, calendar=calendar, at=at, actor=actor, reason=why
    )
    digest = uow.plans.content_hash(plan.code) or ""
    if versions and versions[-1].content_hash == digest:
        uow.commit()  # a directory change may still have been stored
        return Published(load, versions[-1].number, new_version=False)
    if amending and mailer is not None:
        notify_units(uow, mailer, load.changes, version=number, reason=reason, now=at)
    uow.plans.add_version(plan.code, PlanVersion(number, digest, at, actor, reason))
    uow.audit.record(
        at=at,
        actor=actor,
        action="plan.published",
        entity="plan",
        key=plan.code,
        old={"version": number - 1} if versions else None,
        new={"version": number, "content_hash": digest},
        reason=reason,
    )
    uow.commit()
    return Published(load, number, new_version=True)


def close(uow: UnitOfWork, code: str, *, at: datetime, actor: str, reason: str = "") -> bool:
    """Mark the plan closed: its tasks, reports and history stay as they are. False when it
    was closed already; NotFound when there is no such plan."""
    found = stored(uow, code)
    if found is None:
        raise NotFound(f"plan {code!r} is not stored: {_known(uow)}")
    if found.state is PlanState.CLOSED:
        return False
    uow.plans.set_state(code, PlanState.CLOSED, at=at)
    uow.audit.record(
        at=at,
        actor=actor,
        action="plan.closed",
        entity="plan",
        key=code,
        old={"state": found.state.value},
        new={"state": PlanState.CLOSED.value},
        reason=reason,
    )
    uow.commit()
    return True


def lines(uow: UnitOfWork, *, today: date) -> list[PlanLine]:
    """Every stored plan with its open tasks and those of them past due on `today`."""
    found = []
    for plan in uow.plans.listing():
        active = [t for t in uow.tasks.find(plan=plan.code) if t.state in ACTIVE_STATES]
        overdue = sum(1 for t in active if t.due_on < today)
        found.append(PlanLine(plan, len(active), overdue))
    return found


def published(uow: UnitOfWork) -> list[StoredPlan]:
    return [p for p in uow.plans.listing() if p.state is PlanState.PUBLISHED]


def current(uow: UnitOfWork, *, today: date) -> list[str]:
    """The published plans of `today`'s year; a rehearsal copy only when no real plan is."""
    found = [p.code for p in published(uow) if p.year == today.year]
    real = [code for code in found if not _rehearsal(uow, code)]
    return real or found


def _rehearsal(uow: UnitOfWork, code: str) -> bool:
    plan = uow.plans.get(code)
    return plan is not None and plan.rehearsal


def choose(uow: UnitOfWork, code: str | None, *, today: date) -> str:
    """The plan a command works on: `code` when given (NotFound if not stored), else the only
    published plan whose year is `today`'s; PlanChoice naming the candidates otherwise."""
    if code:
        if stored(uow, code) is None:
            raise NotFound(f"plan {code!r} is not stored: {_known(uow)}")
        return code
    candidates = [p.code for p in published(uow)]
    this_year = current(uow, today=today)
    if len(this_year) == 1:
        return this_year[0]
    if this_year:
        why = f"{len(this_year)} published plans are for {today.year}"
    else:
        why = f"no published plan is for {today.year}"
    named = ", ".join(candidates) if candidates else "none is published (cchc plan publish)"
    raise PlanChoice(f"{why}: name one with --plan CODE (published: {named})", candidates)


def _known(uow: UnitOfWork) -> str:
    codes = [p.code for p in uow.plans.listing()]
    return "stored plans: " + (", ".join(codes) if codes else "none")
