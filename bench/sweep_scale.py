"""P3: one deadline sweep (the ladder: reminders, chases, escalations) over 100,000 open tasks.

Each engine (SQLite file; PostgreSQL when reachable) and case gets a fresh database: the plan
loaded (`cchc plan load`'s service), its own tasks removed, then synthetic units and open
tasks bulk inserted — a known number due inside the sweep's window on DAY (spread over its
working days, so every rung fires), the rest due later in the year. A sweep is
`services.notices.send_due_notices` at 07:30 on DAY (mail is queued, not delivered: that is
P4); notices and outbox are emptied between sweeps so each does the full work. The figure is
the median of --repeats sweeps after a first one (`cold`: templates, statements).
Cases: 100,000 open, N due; 10,000 open, N due (the baseline: equal times mean the cost
follows the tasks due, not the tasks open); 100,000 open, 10×N due (contrast). The SQL of
TaskRepository.list_due, as sent, runs under EXPLAIN (QUERY PLAN on SQLite; after ANALYZE on
PostgreSQL) to show it reads through ix_tasks_state_due_on.
Usage: python -m bench.sweep_scale [--open 100000] [--small 10000] [--due 100] [--repeats 3]
       [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test | --postgres none]
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.results import record
from documents.plans.files import load_calendar, load_plan, load_units
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.policy import Role, Stage
from domain.task import TaskState
from domain.units import Person, Unit, UnitDirectory
from services.bootstrap import App, bootstrap, mailer
from services.notices import CATCH_UP_WORKING_DAYS, send_due_notices
from services.plans import load_plan as store_plan
from services.settings import MailSettings, Settings
from storage.migrate import upgrade
from storage.tables import ActivityRow, NoticeRow, OutboxRow, PlanRow, TaskRow, UnitRow

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAY = date(2025, 6, 10)  # a Tuesday: the sweep's morning
NOW = datetime(2025, 6, 10, 7, 30, tzinfo=LOCAL_TZ)
STAMP = datetime(2025, 3, 26, 1, 0, tzinfo=UTC)
INDEX = "ix_tasks_state_due_on"
GOAL_SECONDS, PROPORTIONAL = 1.0, 1.5  # 100k/10k time ratio still read as "≈ 1"
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


def populate(app: App, w: World, *, open_tasks: int, due: int) -> None:
    """The plan loaded, then `open_tasks` open tasks of which `due` inside the window."""
    with app.uow() as uow:
        store_plan(uow, plan=w.plan, directory=w.real, calendar=w.calendar, at=STAMP, actor="b")
    first, last = w.window()
    inside = working_days(w.calendar, first, last)
    later = working_days(w.calendar, date.fromordinal(last.toordinal() + 1), date(2025, 12, 31))
    with app.engine.begin() as conn:
        conn.execute(delete(TaskRow))  # the plan's own tasks: the counts below are exact
        plan_id = conn.execute(select(PlanRow.id).where(PlanRow.code == w.plan.code)).scalar_one()
        activities = list(conn.scalars(select(ActivityRow.id).order_by(ActivityRow.id)))
        synthetic = w.directory.units[len(w.real.units) :]
        conn.execute(insert(UnitRow), [unit_row(u) for u in synthetic])
        codes = [u.code for u in synthetic]
        units = list(conn.scalars(select(UnitRow.id).where(UnitRow.code.in_(codes))))
        stages = list(Stage)
        rows = []
        for i in range(open_tasks):
            rest = i // len(units)
            activity, rest = activities[rest % len(activities)], rest // len(activities)
            due_on = inside[i % len(inside)] if i < due else later[i % len(later)]
            rows.append(task_row(plan_id, activity, units[i % len(units)], stages, rest, due_on))
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(TaskRow), rows[start : start + 10_000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))


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


@dataclass
class Timing:
    cold: float
    fired: int
    warm: list[float] = field(default_factory=list)
    query: list[float] = field(default_factory=list)  # TaskRepository.list_due alone

    @property
    def seconds(self) -> float:
        return statistics.median(self.warm)

    @property
    def query_seconds(self) -> float:
        return statistics.median(self.query)


def sweep(app: App, w: World) -> tuple[float, int]:
    """One timed sweep, then its notices and mail removed so the next does the same work."""
    chosen = mailer(app, w.plan, w.directory)
    started = time.perf_counter()
    with app.uow() as uow:
        report = send_due_notices(uow, chosen, now=NOW)
    elapsed = time.perf_counter() - started
    with app.engine.begin() as conn:
        conn.execute(delete(NoticeRow))
        conn.execute(delete(OutboxRow))
    return elapsed, report.reminders + report.overdue + report.escalated


def read_due(app: App, w: World) -> float:
    """The sweep's read of the tasks due, alone."""
    first, last = w.window()
    started = time.perf_counter()
    with app.uow() as uow:
        uow.tasks.list_due(on=first, within=(last - first).days, plan=w.plan.code)
    return time.perf_counter() - started


def timed_sweeps(app: App, w: World, repeats: int) -> Timing:
    timing = Timing(*sweep(app, w))
    timing.warm = [sweep(app, w)[0] for _ in range(repeats)]
    timing.query = [read_due(app, w) for _ in range(repeats)]
    return timing


def list_due_sql(app: App, w: World) -> tuple[str, Any]:
    """The statement TaskRepository.list_due sends for the sweep's window, as sent."""
    seen: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        seen.append((args[2], args[3]))  # (conn, cursor, statement, parameters, ...)

    event.listen(app.engine, "before_cursor_execute", grab)
    try:
        read_due(app, w)
    finally:
        event.remove(app.engine, "before_cursor_execute", grab)
    return seen[-1]


def explain(app: App, w: World) -> list[str]:
    statement, parameters = list_due_sql(app, w)
    with app.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return [str(row[-1]) for row in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return [str(row[0]) for row in rows]


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        plan_path=ROOT / "plans/2025-skhcn-quang-ngai.yaml",
        units_path=ROOT / "plans/units.example.yaml",
        calendar_overrides_path=ROOT / "plans/calendar-overrides.yaml",
        mail=MailSettings(backend="memory"),
    )


@dataclass
class EngineResult:
    """One engine: the timing of each case, and the EXPLAIN of the sweep's read."""

    cases: dict[str, Timing] = field(default_factory=dict)  # open | small | busy
    explain: list[str] = field(default_factory=list)

    def index_used(self) -> bool:
        return any(INDEX in line for line in self.explain)

    def ratio(self) -> float:
        return self.cases["open"].seconds / self.cases["small"].seconds

    def figures(self, engine: str) -> dict[str, Any]:
        got = self.cases
        return {
            f"{engine}_s": round(got["open"].seconds, 4),
            f"{engine}_10k_s": round(got["small"].seconds, 4),
            f"{engine}_10x_due_s": round(got["busy"].seconds, 4),
            f"{engine}_cold_s": round(got["open"].cold, 4),
            f"{engine}_list_due_s": {c: round(t.query_seconds, 4) for c, t in got.items()},
        }


def measure(engine: str, args: argparse.Namespace, w: World, folder: Path) -> EngineResult:
    """Each case on a fresh database of `engine`: its timing; EXPLAIN of the first."""
    cases = {
        "open": (args.open, args.due),
        "small": (args.small, args.due),
        "busy": (args.open, 10 * args.due),
    }
    result = EngineResult()
    for case, (open_tasks, due) in cases.items():
        with database(engine, args.postgres, folder) as url:
            app = bootstrap(settings_for(url))
            try:
                populate(app, w, open_tasks=open_tasks, due=due)
                result.cases[case] = timing = timed_sweeps(app, w, args.repeats)
                if case == "open":
                    result.explain = explain(app, w)
            finally:
                app.close()
        print(
            f"  {engine:8} {open_tasks:>7,} open, {due:>5,} due: sweep "
            f"{timing.seconds * 1000:8.1f} ms (median of {args.repeats}; cold "
            f"{timing.cold * 1000:.1f} ms), {timing.fired:,} notices; list_due alone "
            f"{timing.query_seconds * 1000:.1f} ms"
            + ("" if timing.fired == due else f"  (expected {due:,}!)")
        )
    return result


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open tasks")
    parser.add_argument("--small", type=int, default=10_000, help="open tasks, baseline case")
    parser.add_argument("--due", type=int, default=100, help="tasks due in the sweep's window")
    parser.add_argument("--units", type=int, default=1000, help="synthetic units")
    parser.add_argument("--repeats", type=int, default=3, help="timed sweeps per case")
    parser.add_argument("--postgres", default=POSTGRES, help="server URL, or 'none'")
    args = parser.parse_args()
    w = world(args.units)
    first, last = w.window()
    print(f"P3 sweep on {DAY} reads tasks due {first} … {last}; {args.units:,} synthetic units")
    problem = postgres_problem(args.postgres)
    if problem:
        print(f"  PostgreSQL {problem}: SQLite only")
    results: dict[str, EngineResult] = {}
    with tempfile.TemporaryDirectory(prefix="cchc-p3-") as tmp:
        for engine in ["sqlite"] + ([] if problem else ["postgres"]):
            results[engine] = measure(engine, args, w, Path(tmp))
    report(results, args, problem)


def report(results: dict[str, EngineResult], args: argparse.Namespace, problem: str) -> None:
    seconds = {e: r.cases["open"].seconds for e, r in results.items()}
    worst = max(seconds, key=lambda e: seconds[e])
    met = (
        seconds[worst] <= GOAL_SECONDS
        and all(r.ratio() <= PROPORTIONAL for r in results.values())
        and all(r.index_used() for r in results.values())
    )
    figures: dict[str, Any] = {}
    for e, r in results.items():
        figures.update(r.figures(e))
    entry = record(
        "P3",
        value=seconds[worst],
        unit=f"s (one sweep, {args.open:,} open tasks, {args.due} due; {worst})",
        baseline=results[worst].cases["small"].seconds,
        goal="≤ 1 s over 100,000 open tasks, cost ∝ tasks due",
        met=met,
        baseline_what=f"the same sweep over {args.small:,} open tasks, {args.due} due",
        proportional_if=f"{args.open:,}-open / {args.small:,}-open time ≤ {PROPORTIONAL}",
        open_tasks=args.open,
        due_tasks=args.due,
        ratio_per_engine={e: round(r.ratio(), 3) for e, r in results.items()},
        index_used={e: r.index_used() for e, r in results.items()},
        explain={e: r.explain for e, r in results.items()},
        postgres=problem or "measured",
        **figures,
    )
    for e, r in results.items():
        print(f"  {e} EXPLAIN of TaskRepository.list_due:")
        print("\n".join(f"    {line}" for line in r.explain))
        print(
            f"  {e}: {args.open:,} open {seconds[e]:.3f} s, {args.small:,} open "
            f"{r.cases['small'].seconds:.3f} s (ratio {r.ratio():.2f}), {10 * args.due:,} due "
            f"{r.cases['busy'].seconds:.3f} s; index used: {r.index_used()}"
        )
    print(f"P3 {entry['value']} s ({worst}); goal met: {met}")


if __name__ == "__main__":
    main()
