"""`python -m bench`: every benchmark in order, then the table of bench/results.json.

Each figure runs with its defaults (its own --help lists its options); one that fails is
reported and the others still run.
Usage: python -m bench [P1 P3 …] [--table]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from typing import Any

from bench.results import RESULTS

FIGURES = {
    "P1": "bench.replay",
    "P2": "bench.province_scale",
    "P3": "bench.sweep_scale",
    "P4": "bench.mail_throughput",
    "P5": "bench.portal_load",
    "P6": "bench.resume_latency",
    "P7": "bench.plans_sweep",
}
KEYS = ("value", "unit", "baseline", "ratio", "goal", "met")


def run(figure: str) -> bool:
    """One benchmark's main() with its default options; False when it failed."""
    module = FIGURES[figure]
    print(f"== {figure}: python -m {module}", flush=True)
    started, argv = time.perf_counter(), sys.argv
    sys.argv = [module]  # its own parser must not see this command's arguments
    try:
        importlib.import_module(module).main()
    except (Exception, SystemExit) as error:
        if isinstance(error, SystemExit) and error.code in (None, 0):
            return True
        traceback.print_exc()
        print(f"== {figure} failed: {error!r}", flush=True)
        return False
    finally:
        sys.argv = argv
        print(f"== {figure}: {time.perf_counter() - started:.0f} s", flush=True)
    return True


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    """One line per figure: value and unit, baseline, ratio, met, goal; entries that lack
    one of the common keys are named below the table."""
    header = ("figure", "value", "baseline", "ratio", "met", "goal")
    rows = [
        (
            name,
            f"{cell(entry.get('value'))} {entry.get('unit', '')}".strip(),
            cell(entry.get("baseline")),
            cell(entry.get("ratio")),
            {"True": "yes", "False": "NO"}.get(str(entry.get("met")), "?"),
            cell(entry.get("goal")),
        )
        for name, entry in sorted(results.items())
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(text.ljust(w) for text, w in zip(r, widths, strict=False)), r[-1]])
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in [*widths, len(header[-1])]))
    for name, entry in sorted(results.items()):
        missing = [k for k in KEYS if k not in entry]
        if missing:
            lines.append(f"{name} lacks {', '.join(missing)}: re-run it")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "figures", nargs="*", metavar="FIGURE", help=f"{', '.join(FIGURES)} (default: all)"
    )
    parser.add_argument("--table", action="store_true", help="only print the table")
    args = parser.parse_args()
    unknown = sorted(set(args.figures) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figures: {', '.join(unknown)}")
    failed = []
    if not args.table:
        failed = [f for f in (args.figures or FIGURES) if not run(f)]
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    print(f"\n{RESULTS}:")
    print("\n".join(table(results)))
    if failed:
        print(f"failed this run: {', '.join(failed)} (their rows, if any, are from earlier)")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
