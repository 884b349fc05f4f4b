"""P2: the full-year replay on a province-sized unit directory: 1,000 and 2,000 units.

The directory is the example one (its units, groups and recipients) plus synthetic units
`U0001…`, each in both groups the plan names ("Các phòng, đơn vị thuộc Sở" and "… liên
quan"), so every activity coordinated by a group and the year-end collection reach them.
Each size is replayed as its own process (`cchc demo`, what P1 runs) into a temporary
folder with CCHC_UNITS_PATH pointing at the generated file. The baseline, in the same run,
is the replay on the example directory (P1's size).
With --before REV, the same benchmark as it stood at commit REV (e.g. where the issue that
set the goal began) runs too, from a checkout of its own, on this machine in this run: its
example replay and its 1,000 units, which the figure is then also compared with. The
checkout runs with this environment's packages (a commit that needs others cannot run).
Usage: python -m bench.province_scale [--sizes 1000,2000] [--timeout 1800] [--before REV]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.results import record

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "plans/units.example.yaml"
GOAL_GROWTH, GOAL_SECONDS, GOAL_SIZE = 2.0, 300.0, 1000  # half the time of 433.5 s
GOAL_RSS_MIB = 1024.0  # peak RSS at GOAL_SIZE
GOAL_BEFORE = 0.5  # "in half the time": against --before's run of GOAL_SIZE units


def synthetic_unit(n: int, groups: list[str]) -> dict[str, Any]:
    code = f"U{n:04d}"
    return {
        "code": code,
        "name": f"Đơn vị thử nghiệm số {n}",
        "aliases": [],
        "groups": groups,
        "contact": {
            "name": f"Cán bộ đầu mối {n}",
            "title": "Chuyên viên",
            "email": f"{code.lower()}@skhcn.example.invalid",
        },
        "head": {
            "name": f"Thủ trưởng đơn vị {n}",
            "title": "Trưởng đơn vị",
            "email": f"truong{code.lower()}@skhcn.example.invalid",
        },
    }


def write_directory(folder: Path, size: int) -> Path:
    """The example directory plus `size` synthetic units in every group it declares."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    groups = [g["code"] for g in document["groups"]]
    document["units"] += [synthetic_unit(n, groups) for n in range(1, size + 1)]
    path = folder / f"units-{size}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_"))}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def replay(out: Path, env: dict[str, str], timeout: float) -> tuple[float, dict[str, Any]]:
    """One `cchc demo` process; its wall time and summary, with the number of Prefect events
    it failed to emit and its peak RSS (`peak_rss_mib`: the largest of the replay process
    and the children it waited for, the Prefect server among them, as wait4 reports it).
    The whole process group is stopped past `timeout` (TimeoutError)."""
    out.mkdir(parents=True, exist_ok=True)
    log = out.with_name(f"{out.name}.stderr")
    started = time.perf_counter()
    with log.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "demo", "--out", str(out)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        stop = threading.Timer(timeout, os.killpg, (child.pid, signal.SIGKILL))
        stop.start()
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        finally:
            stop.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    wall = time.perf_counter() - started
    if child.returncode == -signal.SIGKILL and wall >= timeout:
        raise TimeoutError(f"still running after {timeout:.0f} s, stopped")
    errors = log.read_text(encoding="utf-8", errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"replay into {out} exited with {child.returncode}:\n{errors[-3000:]}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["events_not_emitted"] = errors.count("Error emitting event")
    summary["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
    return wall, summary


@dataclass
class Runs:
    """What the replays measured, per size (synthetic units) as a string key for JSON."""

    baseline: float = 0.0
    baseline_tasks: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    mails: dict[str, int] = field(default_factory=dict)
    events_not_emitted: dict[str, int] = field(default_factory=dict)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    stopped: str = ""
    at_least: dict[str, float] = field(default_factory=dict)  # sizes stopped at the timeout
    before: dict[str, Any] = field(default_factory=dict)  # --before's run (see `earlier`)

    def add(self, size: int, wall: float, summary: dict[str, Any]) -> None:
        key = str(size)
        self.seconds[key], self.tasks[key] = round(wall, 1), summary["tasks"]["total"]
        self.mails[key] = summary["mails"]["total"]
        self.events_not_emitted[key] = summary["events_not_emitted"]
        self.peak_rss_mib[key] = summary["peak_rss_mib"]
        print(
            f"P2 {size:,} units: {self.tasks[key]:,} tasks, {self.mails[key]:,} mails, "
            f"{wall:.1f} s, peak RSS {self.peak_rss_mib[key]:,.0f} MiB "
            f"({self.events_not_emitted[key]} Prefect events not emitted)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000", help="synthetic units per replay")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per replay")
    parser.add_argument("--before", metavar="REV", help="also run this benchmark as at REV")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    env, runs = clean_env(), Runs()
    if args.before:
        runs.before = earlier(args.before, args.timeout)
    with tempfile.TemporaryDirectory(prefix="cchc-p2-") as tmp:
        runs.baseline, summary = replay(Path(tmp, "example"), env, args.timeout)
        runs.baseline_tasks = summary["tasks"]["total"]
        print(f"P2 example directory: {runs.baseline_tasks} tasks, {runs.baseline:.1f} s")
        for size in sizes:
            path = write_directory(Path(tmp), size)
            try:
                wall, summary = replay(
                    Path(tmp, f"out-{size}"), {**env, "CCHC_UNITS_PATH": str(path)}, args.timeout
                )
            except TimeoutError as error:
                runs.stopped, runs.at_least[str(size)] = f"{size} units: {error}", args.timeout
                print(f"P2 {runs.stopped}")
                break
            runs.add(size, wall, summary)
    report(runs)


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def earlier(rev: str, timeout: float) -> dict[str, Any]:
    """This benchmark as it stood at `rev`, at GOAL_SIZE units, from a checkout of its own (its
    own example replay first, as every version of it runs): its commit, seconds, example
    seconds, tasks and mails, from the results file it writes in its checkout."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="cchc-p2-before-") as tmp:
        tree = Path(tmp, "tree")
        git("worktree", "add", "--detach", str(tree), commit)
        try:
            results = tree / "bench/results.json"
            results.unlink(missing_ok=True)  # only what this run writes is read
            command = ["-m", "bench.province_scale", "--sizes", str(GOAL_SIZE)]
            done = subprocess.run(
                [sys.executable, *command, "--timeout", str(timeout)],
                cwd=tree,
                env={**clean_env(), "PYTHONPATH": str(tree)},
                capture_output=True,
                text=True,
            )
            if done.returncode != 0 or not results.exists():
                tail = (done.stdout + done.stderr)[-3000:]
                raise RuntimeError(f"P2 as at {commit[:12]} failed ({done.returncode}):\n{tail}")
            found = json.loads(results.read_text(encoding="utf-8"))["P2"]
        finally:
            git("worktree", "remove", "--force", str(tree))
    size = str(GOAL_SIZE)
    entry = {
        "commit": commit,
        "seconds": found["seconds_per_size"].get(size),
        "example_seconds": found["baseline"],
        "tasks": found.get("tasks_per_size", {}).get(size),
        "mails": found.get("mails_per_size", {}).get(size),
    }
    print(
        f"P2 as at {commit[:12]}: {GOAL_SIZE:,} units {entry['seconds']} s, "
        f"example {entry['example_seconds']} s"
    )
    return entry


def compared(runs: Runs) -> dict[str, Any]:
    """The run at GOAL_SIZE against --before's (none without it): the ratio, whether it is
    within GOAL_BEFORE of it, and whether both did the same work (tasks and mails)."""
    size = str(GOAL_SIZE)
    before, now = runs.before.get("seconds"), runs.seconds.get(size)
    if not before or now is None:
        return {"before": runs.before or None}
    ratio = now / before
    same = (runs.before["tasks"], runs.before["mails"]) == (runs.tasks[size], runs.mails[size])
    print(
        f"P2 {GOAL_SIZE:,} units: {now} s against {before} s as at "
        f"{runs.before['commit'][:12]} (ratio {ratio:.3f}; same tasks and mails: {same})"
    )
    return {
        "before": runs.before,
        "before_ratio": round(ratio, 3),
        "before_goal": f"≤ {GOAL_BEFORE}× the same benchmark as at the commit before",
        "before_met": ratio <= GOAL_BEFORE and same,
        "before_same_work": same,
    }


def report(runs: Runs) -> None:
    run = [int(s) for s in runs.seconds]
    growth = runs.seconds[str(run[-1])] / runs.seconds[str(run[0])] if len(run) > 1 else None
    first, second = runs.seconds.get(str(GOAL_SIZE)), runs.seconds.get(str(2 * GOAL_SIZE))
    rss = runs.peak_rss_mib.get(str(GOAL_SIZE))
    met = bool(
        not runs.stopped
        and first is not None
        and second is not None
        and rss is not None
        and first <= GOAL_SECONDS
        and second / first <= GOAL_GROWTH
        and rss <= GOAL_RSS_MIB
    )
    lower = str(GOAL_SIZE) in runs.at_least
    shown = GOAL_SIZE if first is not None or lower or not run else run[-1]
    value = runs.at_least[str(shown)] if lower else runs.seconds.get(str(shown), 0.0)
    entry = record(
        "P2",
        value=value,
        unit=f"s (replay wall time, {shown:,} synthetic units{'; stopped: at least' * lower})",
        baseline=runs.baseline,
        goal=f"{GOAL_SIZE:,} units ≤ {GOAL_SECONDS:.0f} s; {2 * GOAL_SIZE:,} units ≤ "
        f"{GOAL_GROWTH}× the {GOAL_SIZE:,}-unit time; peak RSS at {GOAL_SIZE:,} units "
        f"≤ {GOAL_RSS_MIB:.0f} MiB",
        met=met,
        baseline_what="the replay on plans/units.example.yaml (P1's size)",
        baseline_tasks=runs.baseline_tasks,
        sizes_run=run,
        seconds_per_size=runs.seconds,
        tasks_per_size=runs.tasks,
        mails_per_size=runs.mails,
        events_not_emitted_per_size=runs.events_not_emitted,
        peak_rss_mib_per_size=runs.peak_rss_mib,
        peak_rss_what="the largest of the replay process and the children it waited for "
        "(the Prefect server among them), from wait4",
        rss_met=rss is not None and rss <= GOAL_RSS_MIB,
        growth=round(growth, 3) if growth is not None else None,
        growth_between=[run[0], run[-1]] if len(run) > 1 else None,
        stopped=runs.stopped or None,
        at_least_s=runs.at_least or None,
        **compared(runs),
    )
    print(
        f"P2 sizes {run}: {runs.seconds} s; growth {entry['growth']} between "
        f"{entry['growth_between']}; baseline {runs.baseline:.1f} s; goal met: {met}"
    )


if __name__ == "__main__":
    main()
