"""P1: `cchc demo` — the 2025 replay — wall time and peak memory on this machine.

The replay runs as its own process (what `make demo` runs) into a temporary folder; its wall
time and the peak RSS of its process tree are measured, as P2 measures its sizes. The
baseline, in the same run, is the fixed cost every replay pays: a fresh process starting
Prefect's ephemeral API and running one empty flow.
Usage: python -m bench.replay
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.province_scale import clean_env, replay
from bench.results import record

ROOT = Path(__file__).resolve().parent.parent
EMPTY_FLOW = "from prefect import flow\nflow(lambda: 1, name='empty')()\n"
GOAL_SECONDS, GOAL_MIB = 120.0, 1024.0
TIMEOUT_SECONDS = 1800.0  # a replay still running then is stopped (TimeoutError)


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cchc-p1-") as tmp:
        env = clean_env()
        baseline = timed(
            [sys.executable, "-c", EMPTY_FLOW],
            {**env, "PREFECT_HOME": f"{tmp}/empty", "PREFECT_LOGGING_LEVEL": "WARNING"},
        )
        # the same measure as P2's: wall time, and peak RSS from wait4 (process and children)
        wall, summary = replay(Path(tmp, "out"), env, TIMEOUT_SECONDS)
        peak_mib = summary["peak_rss_mib"]
    met = wall <= GOAL_SECONDS and peak_mib <= GOAL_MIB
    entry = record(
        "P1",
        value=wall,
        unit="s (replay wall time)",
        baseline=baseline,
        goal=f"≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_MIB:.0f} MiB peak RSS on 2 cores",
        met=met,
        peak_rss_mib=round(peak_mib, 1),
        tasks=summary["tasks"]["total"],
        mails=summary["mails"]["total"],
    )
    print(
        f"P1 replay {wall:.1f} s (baseline: empty flow {baseline:.1f} s, ratio "
        f"{entry['ratio']}), peak RSS {peak_mib:.0f} MiB; {summary['tasks']['total']} tasks, "
        f"{summary['mails']['total']} mails; goal met: {met}"
    )


if __name__ == "__main__":
    main()
