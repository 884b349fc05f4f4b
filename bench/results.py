"""bench/results.json: one entry per figure, each with its baseline from the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")


def record(
    name: str, *, value: float, unit: str, baseline: float, goal: str, met: bool, **extra: Any
) -> dict[str, Any]:
    """Merge one figure into bench/results.json and return it."""
    entry = {
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 3) if baseline else None,
        "goal": goal,
        "met": met,
        **extra,
    }
    data = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    data[name] = entry
    RESULTS.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return entry
