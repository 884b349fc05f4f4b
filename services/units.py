"""The unit directory over time: loading a new version of it, and the open work of units
that ended (renamed, merged, split) moving to their successor, in one transaction.

A unit that ends names its successor (`successor`, from the day after `valid_until`). On the
first deadline sweep from that day (or a directory load, if sooner), each open task of the
unit in every published plan is cancelled and the successor gets the same task (same stage
and dates, Office origin), both audited "task.reassigned" — or, when the successor has that
task already, the unit's is only cancelled. A moved task whose assignment had gone out is
assigned to the successor (its mail, with its own link); one not yet opened is assigned when
its stage opens. Work handed in stays with the unit that did it, and reports name that unit
as it was.

A directory that would leave an open task of a published plan without a unit — the unit
gone from the file, or ended with no successor — is refused with nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from domain.clock import local_date
from domain.errors import PlanInvalid, Problem
from domain.records import OFFICE_ORIGIN, PlanState
from domain.task import ACTIVE_STATES, Action, Task
from domain.units import UnitDirectory
from domain.vi import dmy
from notifications.content import MailKind
from services.mail import Mailer, enqueue_task_mail
from services.plans import store_units
from services.ports import UnitOfWork
from services.tasks import transition


@dataclass
class UnitsLoad:
    """What a directory load changed; all zeros when the same directory is loaded again."""

    units_changed: int = 0
    moved: list[str] = field(default_factory=list)  # "plan: task → successor"
    cancelled: int = 0  # the successor had the task already
    mailed: int = 0
    stranded: list[str] = field(default_factory=list)  # "plan: task" with nowhere to go


def load_directory(
    uow: UnitOfWork,
    directory: UnitDirectory,
    *,
    mailers: dict[str, Mailer],
    at: datetime,
    actor: str,
) -> UnitsLoad:
    """Store the directory and move the open work of the units that have ended; PlanInvalid
    (path in the directory file) when a published plan's open task would be left without a
    unit. `mailers`: one per published plan, on this directory."""
    today = local_date(at)
    work = _published_work(uow)
    _refuse_orphans(directory, work, today)
    report = UnitsLoad(units_changed=store_units(uow, directory, at=at, actor=actor))
    _move_ended(uow, directory, work, mailers, at, actor, report)
    uow.commit()
    return report


def follow_directory(
    uow: UnitOfWork,
    directory: UnitDirectory,
    *,
    mailers: dict[str, Mailer],
    at: datetime,
    actor: str,
) -> UnitsLoad:
    """The deadline sweep's part: move the open work of the units that have ended by `at`
    to their successor, in one transaction — what a load on that day would move. Nothing
    is refused here: a task whose unit ended with nowhere to go is left open and listed in
    `stranded` (the next `cchc units load` names the fix). Running it again moves nothing."""
    report, today = UnitsLoad(), local_date(at)
    ended = [u.code for u in directory.units if u.valid_until and u.valid_until < today]
    if not ended:
        return report  # no unit has ended: no task to read
    _move_ended(uow, directory, _published_work(uow, units=ended), mailers, at, actor, report)
    uow.commit()
    return report


def _published_work(
    uow: UnitOfWork, units: list[str] | None = None
) -> dict[str, list[tuple[int, Task]]]:
    """The open tasks of every published plan (of `units` only, when given)."""
    plans = [p.code for p in uow.plans.listing() if p.state is PlanState.PUBLISHED]
    if units is None:
        return {code: _open(uow, code) for code in plans}
    return {code: [t for unit in units for t in _open(uow, code, unit)] for code in plans}


def _move_ended(
    uow: UnitOfWork,
    directory: UnitDirectory,
    work: dict[str, list[tuple[int, Task]]],
    mailers: dict[str, Mailer],
    at: datetime,
    actor: str,
    report: UnitsLoad,
) -> None:
    today = local_date(at)
    for code, tasks in work.items():
        for task_id, task in tasks:
            unit = directory.unit(task.key.unit)
            if unit is None or unit.valid_until is None or unit.valid_until >= today:
                continue  # not ended (one not yet started has no tasks: see schedule)
            if not _lands(directory, task.key.unit, today):
                report.stranded.append(f"{code}: {task.key}")
                continue
            _move(uow, mailers[code], task_id, task, directory, at, actor, report)


def _open(uow: UnitOfWork, plan: str, unit: str | None = None) -> list[tuple[int, Task]]:
    return uow.tasks.with_ids(plan=plan, unit=unit, states=sorted(ACTIVE_STATES))


def _refuse_orphans(
    directory: UnitDirectory, work: dict[str, list[tuple[int, Task]]], today: date
) -> None:
    index = {u.code: i for i, u in enumerate(directory.units)}
    counts: dict[tuple[str, str], int] = {}
    for plan, tasks in work.items():
        for _id, task in tasks:
            key = (task.key.unit, plan)
            counts[key] = counts.get(key, 0) + 1
    problems = []
    for (code, plan), count in sorted(counts.items()):
        unit = directory.unit(code)
        if unit is None:
            problems.append(
                Problem(
                    "units",
                    f"{code} is no longer listed but has {count} open tasks in plan {plan}: "
                    "keep it with valid_until and the successor its work goes to",
                )
            )
            continue
        ended = unit.valid_until is not None and unit.valid_until < today
        if ended and unit.successor is None:
            problems.append(
                Problem(
                    f"units[{index[code]}].valid_until",
                    f"{code} ends {unit.valid_until} with {count} open tasks in plan {plan} "
                    "and no successor",
                )
            )
        elif ended and not _lands(directory, code, today):
            final = directory.final_successor(code)
            problems.append(
                Problem(
                    f"units[{index[code]}].successor",
                    f"the work of {code} would go to {final}, which does not exist on {today}",
                )
            )
    if problems:
        raise PlanInvalid(problems)


def _lands(directory: UnitDirectory, code: str, today: date) -> bool:
    final = directory.unit(directory.final_successor(code))
    return final is not None and final.active_on(today)


def _move(
    uow: UnitOfWork,
    mailer: Mailer,
    task_id: int,
    task: Task,
    directory: UnitDirectory,
    at: datetime,
    actor: str,
    report: UnitsLoad,
) -> None:
    plan = mailer.plan.code
    was = directory.unit(task.key.unit)
    successor = directory.final_successor(task.key.unit)
    ended = dmy(was.valid_until) if was and was.valid_until else ""
    reason = f"{task.key.unit} kết thúc ngày {ended}; công việc chuyển sang {successor}"
    stored = uow.tasks.by_id(task_id)
    assert stored is not None  # read in this transaction
    new_key = replace(task.key, unit=successor)
    transition(uow, stored, Action.CANCEL, at=at, by=actor, reason=reason)
    if uow.tasks.get(new_key, plan=plan) is not None:
        report.cancelled += 1  # the successor does this work already
        return
    new_task = Task(new_key, task.role, task.opens_on, task.due_on)
    new_id = uow.tasks.add(new_task, plan=plan, at=at, origin=OFFICE_ORIGIN)
    for key, other in ((task.key, new_key), (new_key, task.key)):
        uow.audit.record(
            at=at,
            actor=actor,
            action="task.reassigned",
            entity="task",
            key=str(key),
            reason=reason,
            old={"unit": key.unit},
            new={"unit": other.unit},
        )
    report.moved.append(f"{plan}: {task.key} → {successor}")
    if uow.outbox.exists(mailer.key(task, MailKind.TASK_ASSIGNED)):  # its stage is open
        report.mailed += enqueue_task_mail(
            uow, mailer, new_task, MailKind.TASK_ASSIGNED, now=at, task_id=new_id
        )
