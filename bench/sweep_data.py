"""What the sweep benchmarks (P3, P7) share: the plan and synthetic units, a fresh database
per case on each engine, synthetic task rows, EXPLAIN of a statement as sent, and the loop
over the engines."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from documents.plans.files import load_calendar, load_plan, load_units
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.policy import Role, Stage
from domain.task import TaskState
from domain.units import Person, Unit, UnitDirectory
from services.notices import CATCH_UP_WORKING_DAYS
from services.settings import MailSettings, Settings
from storage.migrate import upgrade

R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAY = date(2025, 6, 10)  # a Tuesday: the sweep's morning
NOW = datetime(2025, 6, 10, 7, 30, tzinfo=LOCAL_TZ)
STAMP = datetime(2025, 3, 26, 1, 0, tzinfo=UTC)
INDEX = "ix_tasks_state_due_on"
TASK_FIELDS = {
    "role": Role.COORDINATOR.value,
    "opens_on": date(2025, 3, 26),
    "state": TaskState.OPEN.value,
    "reason": "",
    "link_generation": 1,
    "delegate_name": "",
    "delegate_email": "",
    "origin": "plan",
    "created_at": STAMP,
    "updated_at": STAMP,
}


@dataclass(frozen=True)
class World:
    """The plan, the calendar and a directory with the synthetic units."""

    plan: Plan
    calendar: WorkingCalendar
    real: UnitDirectory
    directory: UnitDirectory

    def window(self) -> tuple[date, date]:
        """The due days the sweep reads on DAY (as send_due_notices computes them)."""
        rungs = [*self.plan.policy.ladder, *self.plan.policy.year_end.ladder]
        before = max((r.days_before or 0) for r in rungs)
        after = max((r.days_after or 0) for r in rungs) + CATCH_UP_WORKING_DAYS
        cal = self.calendar
        return cal.add_working_days(DAY, -after), cal.add_working_days(DAY, before)


def world(units: int) -> World:
    calendar = load_calendar(ROOT / "plans/calendar-overrides.yaml")
    real = load_units(ROOT / "plans/units.example.yaml")
    plan = load_plan(ROOT / "plans/2025-skhcn-quang-ngai.yaml", directory=real, calendar=calendar)
    groups = [g.code for g in real.groups]
    extra = [
        Unit(
            code=f"U{n:04d}",
            name=f"Đơn vị thử nghiệm số {n}",
            groups=groups,
            contact=Person(name=f"Cán bộ {n}", email=f"u{n:04d}@skhcn.example.invalid"),
            head=Person(name=f"Thủ trưởng {n}", email=f"truongu{n:04d}@skhcn.example.invalid"),
        )
        for n in range(1, units + 1)
    ]
    directory = real.model_copy(update={"units": [*real.units, *extra]})
    return World(plan, calendar, real, directory)


@contextlib.contextmanager
def database(engine_name: str, admin: str, folder: Path) -> Iterator[str]:
    """A fresh, migrated database URL; a PostgreSQL one is dropped afterwards."""
    name = f"cchc_bench_{secrets.token_hex(4)}"
    if engine_name == "sqlite":
        url = f"sqlite:///{folder / name}.db"
        upgrade(url)
        yield url
        return
    server = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def working_days(cal: WorkingCalendar, first: date, last: date) -> list[date]:
    days = (date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1))
    return [d for d in days if cal.is_working_day(d)]


def unit_row(unit: Unit) -> dict[str, Any]:
    row = {"code": unit.code, "kind": "unit", "name": unit.name, "active": True}
    return {**row, "document": unit.model_dump(mode="json"), "updated_at": STAMP}


def task_row(
    plan: int, activity: int, unit: int, stages: list[Stage], rest: int, due_on: date
) -> dict[str, Any]:
    stage, seq = stages[rest % len(stages)].value, rest // len(stages) + 1
    ids = {"plan_id": plan, "activity_id": activity, "unit_id": unit}
    return {**ids, **TASK_FIELDS, "stage": stage, "seq": seq, "due_on": due_on}


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        plan_path=ROOT / "plans/2025-skhcn-quang-ngai.yaml",
        units_path=ROOT / "plans/units.example.yaml",
        calendar_overrides_path=ROOT / "plans/calendar-overrides.yaml",
        mail=MailSettings(backend="memory"),
    )


def postgres_problem(admin: str) -> str:
    """Why PostgreSQL cannot be used ('' when it can)."""
    if admin.lower() == "none":
        return "skipped (--postgres none)"
    engine = create_engine(admin)
    try:
        with engine.connect():
            return ""
    except OperationalError as error:
        return f"unreachable at {make_url(admin).render_as_string()}: {error.orig}"
    finally:
        engine.dispose()


def explain_sql(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The plan of `statement` as sent: QUERY PLAN on SQLite; EXPLAIN on PostgreSQL."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return [str(row[-1]) for row in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return [str(row[0]) for row in rows]


def each_engine(
    args: argparse.Namespace, prefix: str, measure: Callable[[str, Path], R]
) -> tuple[dict[str, R], str]:
    """`measure(engine, folder)` on SQLite, then on PostgreSQL when it answers; the results
    by engine and why PostgreSQL was left out ('' when it was measured)."""
    problem = postgres_problem(args.postgres)
    if problem:
        print(f"  PostgreSQL {problem}: SQLite only")
    results: dict[str, R] = {}
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for engine in ["sqlite"] + ([] if problem else ["postgres"]):
            results[engine] = measure(engine, Path(tmp))
    return results, problem
