"""Progress read models: tasks per unit in the four QĐ 42/2014 buckets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from domain.status import Bucket, bucket
from services.ports import UnitOfWork


@dataclass
class UnitStatus:
    unit: str
    name: str
    counts: dict[Bucket, int] = field(default_factory=lambda: dict.fromkeys(Bucket, 0))
    not_open: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def status_by_unit(uow: UnitOfWork, *, now: datetime, plan: str | None = None) -> list[UnitStatus]:
    """One row per unit with tasks (in directory order): bucket counts at `now`."""
    names = {u.code: u.name for u in uow.units.all(active_only=False)}
    rows: dict[str, UnitStatus] = {}
    per_unit = defaultdict(list)
    for task in uow.tasks.find(plan=plan):
        per_unit[task.key.unit].append(task)
    for code in [c for c in names if c in per_unit]:
        row = rows.setdefault(code, UnitStatus(code, names[code]))
        for task in per_unit[code]:
            found = bucket(task, now)
            if found is None:
                row.not_open += task.state.value != "cancelled"
            else:
                row.counts[found] += 1
    return list(rows.values())
