"""The consolidated report's tables: section II's figures and coverage, the appendix matrix."""

from __future__ import annotations

from dataclasses import dataclass

from domain.report import RESULT_COUNTS, ReportData, coverage, totals
from domain.report_matrix import MatrixRow, Tally, unit_matrix

MISSING = "Chưa gửi báo cáo"
RECEIVED = "Đã gửi báo cáo"
NO_TASK = "–"
APPENDIX_LEGEND = (
    "Mỗi ô: số nhiệm vụ hoàn thành đúng hạn / hoàn thành quá hạn / đang thực hiện trong hạn / "
    "chưa hoàn thành, quá hạn; “–”: không có nhiệm vụ. HT1, HT2, …: hình thức tuyên truyền "
    "theo thứ tự tại mục II của báo cáo. Cột “Quá hạn”: số nhiệm vụ hoàn thành quá hạn hoặc "
    "chưa hoàn thành, quá hạn (tổng số ngày làm việc quá hạn)."
)


@dataclass(frozen=True)
class TableView:
    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str


@dataclass(frozen=True)
class MatrixView:
    header: list[str]
    rows: list[list[str]]
    missing: list[bool]  # per row: the unit sent no year-end report
    total: list[str]
    legend: str


def _form_columns(data: ReportData) -> list[str]:
    # "(*)" marks a form whose figures include an estimate to the end of the year.
    return [f"{f.number} (*)" if f.estimate else str(f.number) for f in data.forms]


def figures_table(data: ReportData) -> TableView:
    summed = totals(data.forms)
    rows = [
        [label, *(str(f.counts[key]) if key in f.counts else "" for f in data.forms), str(total)]
        for (key, total), label in zip(summed.items(), RESULT_COUNTS.values(), strict=True)
    ]
    note = "Cột 1, 2, …: hình thức tuyên truyền theo thứ tự tại mục IV Kế hoạch."
    if any(f.estimate for f in data.forms):
        note += f" (*) Gồm kết quả đã thực hiện và ước thực hiện đến 31/12/{data.year}."
    return TableView(
        caption="Bảng 1. Tổng hợp số liệu theo hình thức tuyên truyền (mục IV Kế hoạch)",
        header=["Chỉ tiêu", *_form_columns(data), "Tổng cộng"],
        rows=rows,
        note=note,
    )


def coverage_table(data: ReportData) -> TableView | None:
    if not data.topics:
        return None
    rows = [
        [f"{_topic_number(row.code)}. {row.title}", *("x" if m else "" for m in row.marks)]
        for row in coverage(data.forms, data.topics)
    ]
    return TableView(
        caption="Bảng 2. Nội dung tuyên truyền (mục II Kế hoạch) theo hình thức tuyên truyền",
        header=["Nội dung tuyên truyền", *(str(f.number) for f in data.forms)],
        rows=rows,
        note="Dấu “x”: nội dung đã được tuyên truyền qua hình thức tương ứng.",
    )


def _topic_number(code: str) -> str:
    # Topic codes spell the letter đ as "dd" (e.g. 5dd); the document prints "5đ".
    return f"{code[:-2]}đ" if code.endswith("dd") else code


def matrix_view(data: ReportData) -> MatrixView:
    rows, total = unit_matrix(data)
    header = ["TT", "Phòng, đơn vị", "Báo cáo năm", *(f"HT{f.number}" for f in data.forms)]
    return MatrixView(
        header=[*header, "Tổng cộng", "Quá hạn"],
        rows=[_matrix_row(str(i), row) for i, row in enumerate(rows, start=1)],
        missing=[not row.report_received for row in rows],
        total=_matrix_row("", total, received=sum(r.report_received for r in rows)),
        legend=APPENDIX_LEGEND,
    )


def _matrix_row(number: str, row: MatrixRow, *, received: int | None = None) -> list[str]:
    """A unit's row; the total row (`received` given) counts the year-end reports in."""
    status = RECEIVED if row.report_received else MISSING
    if received is not None:
        status = f"{received} báo cáo"
    late = row.total.late + row.total.overdue
    delay = f"{late} ({row.total.days_late} ngày)" if late else "0"
    cells = [_cell(c) for c in row.cells]
    return [number, row.unit, status, *cells, _cell(row.total), delay]


def _cell(found: Tally | None) -> str:
    if found is None:
        return NO_TASK
    return f"{found.on_time}/{found.late}/{found.in_progress}/{found.overdue}"
