"""The report appendix's units × forms matrix: how each unit's tasks stand, per form."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, NonNegativeInt

from domain.report import FROZEN, FormResult, ReportData, UnitAppendix, UnitTaskLine
from domain.status import Bucket


class Tally(BaseModel):
    """Tasks in each of the four QĐ 42/2014 buckets, and working days late in all."""

    model_config = FROZEN

    on_time: NonNegativeInt = 0
    late: NonNegativeInt = 0
    in_progress: NonNegativeInt = 0
    overdue: NonNegativeInt = 0
    days_late: NonNegativeInt = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.in_progress + self.overdue

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            on_time=self.on_time + other.on_time,
            late=self.late + other.late,
            in_progress=self.in_progress + other.in_progress,
            overdue=self.overdue + other.overdue,
            days_late=self.days_late + other.days_late,
        )


_BUCKET_FIELD = {
    Bucket.DONE_ON_TIME: "on_time",
    Bucket.DONE_LATE: "late",
    Bucket.IN_PROGRESS: "in_progress",
    Bucket.OVERDUE: "overdue",
}


def tally_tasks(tasks: Sequence[UnitTaskLine]) -> Tally:
    counts = {field: sum(t.bucket is b for t in tasks) for b, field in _BUCKET_FIELD.items()}
    return Tally(**counts, days_late=sum(t.days_late for t in tasks))


class MatrixRow(BaseModel):
    """A unit's row of the appendix: per form (in the report's order) and in all."""

    model_config = FROZEN

    unit: str
    report_received: bool
    cells: tuple[Tally | None, ...]  # None: no task of that form
    total: Tally


def unit_matrix(data: ReportData) -> tuple[list[MatrixRow], MatrixRow]:
    """The units × forms appendix and its total row. A unit's year-end report is not a
    form: it shows as 'Báo cáo năm', not in the counts."""
    rows = [_matrix_row(u, data.forms) for u in data.appendix_units()]
    cells = tuple(_sum_cells([r.cells[i] for r in rows]) for i in range(len(data.forms)))
    total = MatrixRow(
        unit="Tổng cộng",
        report_received=all(r.report_received for r in rows),
        cells=cells,
        total=_sum_cells([r.total for r in rows]) or Tally(),
    )
    return rows, total


def _matrix_row(unit: UnitAppendix, forms: Sequence[FormResult]) -> MatrixRow:
    cells = []
    for form in forms:
        tasks = [t for t in unit.tasks if t.form == form.code]
        cells.append(tally_tasks(tasks) if tasks else None)
    in_forms = [t for t in unit.tasks if t.form in {f.code for f in forms}]
    return MatrixRow(
        unit=unit.unit,
        report_received=unit.report_received,
        cells=tuple(cells),
        total=tally_tasks(in_forms),
    )


def _sum_cells(cells: Sequence[Tally | None]) -> Tally | None:
    present = [c for c in cells if c is not None]
    return sum(present[1:], present[0]) if present else None
