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
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, insert, select, text

from bench.results import record
from bench.sweep_data import (
    DAY,
    INDEX,
    NOW,
    POSTGRES,
    STAMP,
    World,
    database,
    each_engine,
    explain_sql,
    settings_for,
    task_row,
    unit_row,
    working_days,
    world,
)
from domain.policy import Stage
from services.bootstrap import App, bootstrap, mailer
from services.notices import send_due_notices
from services.plans import load_plan as store_plan
from storage.tables import ActivityRow, NoticeRow, OutboxRow, PlanRow, TaskRow, UnitRow

GOAL_SECONDS, PROPORTIONAL = 1.0, 1.5  # 100k/10k time ratio still read as "≈ 1"


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
    return explain_sql(app.engine, *list_due_sql(app, w))


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
    results, problem = each_engine(args, "cchc-p3-", lambda e, folder: measure(e, args, w, folder))
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
