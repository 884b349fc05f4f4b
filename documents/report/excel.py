"""The Office's progress workbook (.xlsx): unit × form × stage matrix, tasks, evidence, counts."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from documents.report.excel_book import CANCELLED, NOT_OPEN, ProgressBook, TaskLine
from domain.clock import LOCAL_TZ
from domain.policy import STAGE_LABELS_VI, Stage
from domain.report import RESULT_COUNTS
from domain.status import BUCKET_LABELS_VI, Bucket
from domain.vi import dmy

SHEETS = ("Tiến độ", "Nhiệm vụ", "Minh chứng", "Số liệu")
SHORT_LABELS = {
    Bucket.DONE_ON_TIME: "Đúng hạn",
    Bucket.DONE_LATE: "Hoàn thành trễ",
    Bucket.IN_PROGRESS: "Trong hạn",
    Bucket.OVERDUE: "Quá hạn",
}
FILLS = {  # soft tones, so the text stays readable when printed
    Bucket.DONE_ON_TIME: "C6EFCE",
    Bucket.DONE_LATE: "FFE0B2",
    Bucket.IN_PROGRESS: "DDEBF7",
    Bucket.OVERDUE: "FFC7CE",
}
NOT_OPEN_FILL = "EDEDED"
# A cell holding several check-ins takes the colour of the one that needs attention most.
_SEVERITY = (Bucket.OVERDUE, Bucket.DONE_LATE, Bucket.IN_PROGRESS, Bucket.DONE_ON_TIME)
DATE_FORMAT, TIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
TASK_COLUMNS = (
    "Đơn vị",
    "Hình thức",
    "Giai đoạn",
    "Hạn",
    "Ngày gửi",
    "Tình trạng",
    "Quá hạn (ngày)",
)
EVIDENCE_COLUMNS = (
    "Đơn vị",
    "Hình thức",
    "Nhiệm vụ",
    "Loại",
    "Đường dẫn / tên tệp",
    "Ghi nhận lúc",
)
Value = str | int | date | datetime | None


def write_progress_book(book: ProgressBook, path: Path) -> Path:
    """Write the workbook to `path`, replacing it whole (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        workbook(book).save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def progress_book_bytes(book: ProgressBook) -> bytes:
    buffer = BytesIO()
    workbook(book).save(buffer)
    return buffer.getvalue()


def workbook(book: ProgressBook) -> Workbook:
    wb = Workbook()
    wb.properties.title = book.title
    wb.properties.creator = book.creator
    matrix = wb.active
    assert matrix is not None  # a new workbook always has its first sheet
    matrix.title = SHEETS[0]
    _matrix(matrix, book)
    _tasks(wb.create_sheet(SHEETS[1]), book)
    _evidence(wb.create_sheet(SHEETS[2]), book)
    _counts(wb.create_sheet(SHEETS[3]), book)
    return wb


def _put(ws: Worksheet, row: int, col: int, value: Value) -> Cell:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text a unit typed is never a formula
    return cell


def _matrix(ws: Worksheet, book: ProgressBook) -> None:
    _put(ws, 1, 1, "Đơn vị").font = _BOLD
    ws.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    col = 2
    for form in book.forms:
        head = _put(ws, 1, col, book.form_title(form.number))
        head.font, head.alignment = _BOLD, _CENTRE
        if len(form.stages) > 1:
            ws.merge_cells(
                start_row=1, start_column=col, end_row=1, end_column=col + len(form.stages) - 1
            )
        for offset, stage in enumerate(form.stages):
            label = _put(ws, 2, col + offset, STAGE_LABELS_VI[stage])
            label.font, label.alignment = _BOLD, _CENTRE
            ws.column_dimensions[get_column_letter(col + offset)].width = 17
        col += len(form.stages)
    cells: dict[tuple[str, int, Stage], list[TaskLine]] = {}
    for task in book.tasks:
        cells.setdefault((task.unit, task.form, task.stage), []).append(task)
    for row, unit in enumerate(book.units, start=3):
        _put(ws, row, 1, unit).alignment = _WRAP
        lines = _matrix_row(
            ws, row, [cells.get((unit, f.number, s), []) for f in book.forms for s in f.stages]
        )
        ws.row_dimensions[row].height = 15 * max(2, lines) + 2
    ws.column_dimensions["A"].width = 42
    ws.row_dimensions[1].height = 60
    ws.freeze_panes = "B3"
    _legend(ws, len(book.units) + 4)


def _matrix_row(ws: Worksheet, row: int, groups: list[list[TaskLine]]) -> int:
    """Fill one unit's cells; the most lines any cell needs."""
    most = 1
    for col, group in enumerate(groups, start=2):
        if not group:
            continue
        tasks = sorted(group, key=lambda t: t.seq)
        cell = _put(ws, row, col, _cell_text(tasks))
        cell.alignment = _CENTRE
        cell.fill = _fill(_worst(tasks))
        most = max(most, 2 if len(tasks) == 1 else len(tasks))
    return most


def _cell_text(tasks: Sequence[TaskLine]) -> str:
    if len(tasks) == 1:
        return f"{_short(tasks[0])}\n{dmy(tasks[0].due)}"
    return "\n".join(f"Kỳ {t.seq}: {_short(t)} {dmy(t.due)}" for t in tasks)


def _short(task: TaskLine) -> str:
    return SHORT_LABELS[task.bucket] if task.bucket is not None else task.status


def _worst(tasks: Iterable[TaskLine]) -> Bucket | None:
    found = {t.bucket for t in tasks}
    return next((b for b in _SEVERITY if b in found), None)


def _fill(found: Bucket | None) -> PatternFill:
    colour = FILLS[found] if found is not None else NOT_OPEN_FILL
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _legend(ws: Worksheet, row: int) -> None:
    _put(ws, row, 1, "Chú giải").font = _BOLD
    items: list[tuple[Bucket | None, str]] = [
        (b, f"{SHORT_LABELS[b]}: {BUCKET_LABELS_VI[b]}") for b in Bucket
    ]
    items.append((None, f"{NOT_OPEN} / {CANCELLED}"))
    for offset, (found, text) in enumerate(items, start=1):
        _put(ws, row + offset, 1, text).fill = _fill(found)


def _table(
    ws: Worksheet,
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[Value]],
    formats: Mapping[int, str],
) -> int:
    """A list with a bold, frozen, filtered header; the last row written."""
    for col, (title, width) in enumerate(zip(headers, widths, strict=True), start=1):
        _put(ws, 1, col, title).font = _BOLD
        ws.column_dimensions[get_column_letter(col)].width = width
    last = 1
    for last, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            cell = _put(ws, last, col, value)
            if col in formats:
                cell.number_format = formats[col]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
    return last


def _tasks(ws: Worksheet, book: ProgressBook) -> None:
    rows = (
        [t.unit, book.form_title(t.form), t.stage_label, t.due, t.submitted, t.status, t.days_late]
        for t in book.tasks
    )
    widths = (40, 50, 20, 12, 12, 26, 16)
    _table(ws, TASK_COLUMNS, widths, rows, {4: DATE_FORMAT, 5: DATE_FORMAT})


def _evidence(ws: Worksheet, book: ProgressBook) -> None:
    rows = (
        (
            e.unit,
            book.form_title(e.form),
            e.stage_label,
            "Tệp" if e.is_file else "Đường dẫn",
            e.text,
            _local(e.recorded),
        )
        for e in book.evidence
    )
    _table(ws, EVIDENCE_COLUMNS, (40, 50, 20, 12, 60, 18), rows, {6: TIME_FORMAT})


def _local(at: datetime | None) -> datetime | None:
    # Excel has no time zones: the wall-clock time in Việt Nam is what the Office reads.
    return at.astimezone(LOCAL_TZ).replace(tzinfo=None) if at is not None else None


def _counts(ws: Worksheet, book: ProgressBook) -> None:
    keys = list(RESULT_COUNTS)
    headers = ["Đơn vị", "Hình thức", *(RESULT_COUNTS[k] for k in keys)]
    rows = (
        [c.unit, book.form_title(c.form), *(c.counts.get(k) for k in keys)] for c in book.counts
    )
    last = _table(ws, headers, (40, 50, *(14 for _ in keys)), rows, {})
    totals = [sum(c.counts.get(k, 0) for c in book.counts) for k in keys]
    total: list[Value] = ["Tổng cộng", "", *totals]
    for col, value in enumerate(total, start=1):
        _put(ws, last + 1, col, value).font = _BOLD
