"""P7: one deadline sweep over every published plan: 20 plans × 5,000 open tasks, 100 due.

Each engine (SQLite file; PostgreSQL when reachable) and case gets a fresh database: the
plan published under --plans codes of its own (`services.plan_lifecycle.publish`), their
scheduled tasks removed, then synthetic units and open tasks bulk inserted — --due of them
spread over the sweep's window on DAY (as many per plan), the rest due later in the year.
A sweep is what `deadline-sweep` does for every published plan in its one pass, Prefect and
mail delivery aside (P4 measures delivery): the ended units' work moved, then
`services.sweep.every_plan` — the rungs due (one read of the tasks due for all plans), the
consolidated report's rungs, the heads' summaries, the lapsed reviews — on contexts built
as the sweep builds them. Notices and outbox are emptied between sweeps so each does the
full work; the figure is the median of --repeats sweeps after a first (cold) one.
Cases: 20 plans × 5,000 open, 100 due; the baseline, 1 plan × 100,000 open, the same 100
due (equal times: the cost follows the tasks due, not the number of plans); 20 plans with
10× the due (contrast). The read of the tasks due runs under EXPLAIN to show its index.
Usage: python -m bench.plans_sweep [--plans 20] [--open 100000] [--due 100] [--repeats 7]
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

import yaml
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
from services import plan_lifecycle, sweep, units
from services.bootstrap import App, bootstrap
from services.context import plan_contexts
from storage.tables import ActivityRow, NoticeRow, OutboxRow, PlanRow, TaskRow, UnitRow

GOAL_SECONDS, PROPORTIONAL = 1.0, 1.5


def publish_plans(app: App, w: World, count: int) -> list[str]:
    """`count` published copies of the plan, each under a code of its own."""
    codes = []
    for n in range(count):
        plan = w.plan.model_copy(update={"code": f"{w.plan.code}-p{n:02d}"})
        with app.uow() as uow:
            plan_lifecycle.publish(
                uow, plan=plan, directory=w.real, calendar=w.calendar, at=STAMP, actor="bench"
            )
        codes.append(plan.code)
    return codes


def populate(
    app: App, w: World, *, plans: int, open_tasks: int, due: int, spread: bool = True
) -> list[str]:
    """`plans` published plans sharing `open_tasks` open tasks evenly, and `due` due ones
    evenly (`spread`) or all in the first plan (the others idle)."""
    codes = publish_plans(app, w, plans)
    first, last = w.window()
    inside = working_days(w.calendar, first, last)
    later = working_days(w.calendar, date.fromordinal(last.toordinal() + 1), date(2025, 12, 31))
    with app.engine.begin() as conn:
        conn.execute(delete(TaskRow))  # the plans' own tasks: the counts below are exact
        synthetic = w.directory.units[len(w.real.units) :]
        conn.execute(insert(UnitRow), [unit_row(u) for u in synthetic])
        unit_ids = list(
            conn.scalars(select(UnitRow.id).where(UnitRow.code.in_([u.code for u in synthetic])))
        )
        rows = []
        for n, code in enumerate(codes):
            plan_id = conn.execute(select(PlanRow.id).where(PlanRow.code == code)).scalar_one()
            activities = list(
                conn.scalars(
                    select(ActivityRow.id)
                    .where(ActivityRow.plan_id == plan_id)
                    .order_by(ActivityRow.id)
                )
            )
            mine = open_tasks // plans
            mine_due = (due // plans + (n < due % plans)) if spread else (due if n == 0 else 0)
            for i in range(mine):
                rest = i // len(unit_ids)
                activity, rest = activities[rest % len(activities)], rest // len(activities)
                on = inside[(i + n) % len(inside)] if i < mine_due else later[i % len(later)]
                unit = unit_ids[i % len(unit_ids)]
                rows.append(task_row(plan_id, activity, unit, list(Stage), rest, on))
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(TaskRow), rows[start : start + 10_000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    return codes


def one_sweep(app: App, codes: list[str]) -> tuple[float, int]:
    """One timed pass over every published plan; its notices and mail removed after."""
    started = time.perf_counter()
    contexts = plan_contexts(codes, app)
    first = next(iter(contexts.values()))
    with app.uow() as uow:
        units.follow_directory(
            uow,
            first.directory,
            mailers={c: ctx.mailer for c, ctx in contexts.items()},
            at=NOW,
            actor="bench",
        )
    done = sweep.every_plan(contexts, now=NOW)
    elapsed = time.perf_counter() - started
    fired = sum(
        p["notices"]["reminders"] + p["notices"]["overdue"] + p["notices"]["escalated"]
        for p in done.values()
    )
    with app.engine.begin() as conn:
        conn.execute(delete(NoticeRow))
        conn.execute(delete(OutboxRow))
    return elapsed, fired


@dataclass
class Timing:
    cold: float
    fired: int
    warm: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(self.warm)


def explain_due_read(app: App, codes: list[str]) -> list[str]:
    """EXPLAIN of the one read of the tasks due that the pass sends."""
    seen: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        if "due_on >=" in args[2] and "plans.code IN" in args[2]:
            seen.append((args[2], args[3]))

    event.listen(app.engine, "before_cursor_execute", grab)
    try:
        sweep.every_plan(plan_contexts(codes, app), now=NOW)
    finally:
        event.remove(app.engine, "before_cursor_execute", grab)
    statement, parameters = seen[-1]
    with app.engine.begin() as conn:
        conn.execute(delete(NoticeRow))
        conn.execute(delete(OutboxRow))
    return explain_sql(app.engine, statement, parameters)


@dataclass
class EngineResult:
    cases: dict[str, Timing] = field(default_factory=dict)  # plans | one | busy
    explain: list[str] = field(default_factory=list)

    def index_used(self) -> bool:
        return any(INDEX in line for line in self.explain)

    def ratio(self) -> float:
        return self.cases["plans"].seconds / self.cases["one"].seconds

    def idle_ratio(self) -> float:
        """The same due tasks all in one plan of the twenty: what idle plans cost."""
        return self.cases["idle"].seconds / self.cases["one"].seconds


def measure(engine: str, args: argparse.Namespace, w: World, folder: Path) -> EngineResult:
    cases = {
        "plans": (args.plans, args.due, True),
        "one": (1, args.due, True),
        "idle": (args.plans, args.due, False),
        "busy": (args.plans, 10 * args.due, True),
    }
    result = EngineResult()
    directory = folder / "units.yaml"  # the synthetic units, as the settings name them
    directory.write_text(yaml.safe_dump(w.directory.model_dump(mode="json"), allow_unicode=True))
    for case, (plans, due, spread) in cases.items():
        with database(engine, args.postgres, folder) as url:
            app = bootstrap(settings_for(url).model_copy(update={"units_path": directory}))
            try:
                codes = populate(app, w, plans=plans, open_tasks=args.open, due=due, spread=spread)
                timing = Timing(*one_sweep(app, codes))
                timing.warm = [one_sweep(app, codes)[0] for _ in range(args.repeats)]
                result.cases[case] = timing
                if case == "plans":
                    result.explain = explain_due_read(app, codes)
            finally:
                app.close()
        where = "spread" if spread else "in one plan"
        print(
            f"  {engine:8} {plans:>3} plan(s), {args.open:,} open, {due:>5,} due ({where}): "
            f"sweep "
            f"{timing.seconds * 1000:8.1f} ms (median of {args.repeats}; cold "
            f"{timing.cold * 1000:.1f} ms), {timing.fired:,} notices"
            + ("" if timing.fired == due else f"  (expected {due:,}!)")
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20, help="published plans")
    parser.add_argument("--open", type=int, default=100_000, help="open tasks in all")
    parser.add_argument("--due", type=int, default=100, help="tasks due in all")
    parser.add_argument("--units", type=int, default=1000, help="synthetic units")
    parser.add_argument("--repeats", type=int, default=7, help="timed sweeps per case")
    parser.add_argument("--postgres", default=POSTGRES, help="server URL, or 'none'")
    args = parser.parse_args()
    w = world(args.units)
    print(f"P7 sweep on {DAY} over {args.plans} published plans, {args.open:,} open tasks")
    results, problem = each_engine(args, "cchc-p7-", lambda e, folder: measure(e, args, w, folder))
    report(results, args, problem)


def report(results: dict[str, EngineResult], args: argparse.Namespace, problem: str) -> None:
    seconds = {e: r.cases["plans"].seconds for e, r in results.items()}
    worst = max(seconds, key=lambda e: seconds[e])
    met = (
        seconds[worst] <= GOAL_SECONDS
        and all(r.ratio() <= PROPORTIONAL for r in results.values())
        and all(r.index_used() for r in results.values())
        and all(r.cases["plans"].fired == args.due for r in results.values())
    )
    figures: dict[str, Any] = {}
    for e, r in results.items():
        figures[f"{e}_s"] = round(r.cases["plans"].seconds, 4)
        figures[f"{e}_one_plan_s"] = round(r.cases["one"].seconds, 4)
        figures[f"{e}_10x_due_s"] = round(r.cases["busy"].seconds, 4)
        figures[f"{e}_due_in_one_plan_s"] = round(r.cases["idle"].seconds, 4)
        figures[f"{e}_idle_ratio"] = round(r.idle_ratio(), 3)
        figures[f"{e}_cold_s"] = round(r.cases["plans"].cold, 4)
    entry = record(
        "P7",
        value=seconds[worst],
        unit=(
            f"s (one sweep, {args.plans} plans, {args.open:,} open tasks, {args.due} due; {worst})"
        ),
        baseline=results[worst].cases["one"].seconds,
        goal="≤ 1 s over 20 plans × 5,000 open tasks, cost ∝ tasks due, not plans",
        met=met,
        baseline_what=f"the same sweep over 1 plan of {args.open:,} open tasks, {args.due} due",
        proportional_if=f"{args.plans}-plan / 1-plan time ≤ {PROPORTIONAL}",
        plans=args.plans,
        open_tasks=args.open,
        due_tasks=args.due,
        ratio_per_engine={e: round(r.ratio(), 3) for e, r in results.items()},
        index_used={e: r.index_used() for e, r in results.items()},
        explain={e: r.explain for e, r in results.items()},
        postgres=problem or "measured",
        **figures,
    )
    for e, r in results.items():
        print(f"  {e} EXPLAIN of the read of the tasks due:")
        print("\n".join(f"    {line}" for line in r.explain))
        print(
            f"  {e}: {args.plans} plans {seconds[e]:.3f} s, 1 plan "
            f"{r.cases['one'].seconds:.3f} s (ratio {r.ratio():.2f}; due in one plan of "
            f"{args.plans}: {r.idle_ratio():.2f}), {10 * args.due:,} due "
            f"{r.cases['busy'].seconds:.3f} s; index used: {r.index_used()}"
        )
    print(f"P7 {entry['value']} s ({worst}); goal met: {met}")


if __name__ == "__main__":
    main()
