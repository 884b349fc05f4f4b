"""The progress workbook writer: four named sheets, one row per task, bucket colours, dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from documents.report.excel import (
    EVIDENCE_COLUMNS,
    FILLS,
    SHEETS,
    TASK_COLUMNS,
    write_progress_book,
)
from documents.report.excel_book import CountLine, EvidenceLine, FormHead, ProgressBook, TaskLine
from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.report import RESULT_COUNTS
from domain.status import Bucket

VP, TDC = "Văn phòng Sở", "Chi cục Tiêu chuẩn Đo lường Chất lượng"


def line(unit: str, stage: Stage, bucket: Bucket | None, **fields: object) -> TaskLine:
    values: dict[str, object] = {
        "form": 1,
        "seq": 1,
        "stage_label": stage.value,
        "due": date(2025, 3, 15),
        "submitted": None,
    }
    values.update(fields)
    return TaskLine(unit=unit, stage=stage, bucket=bucket, **values)  # type: ignore[arg-type]


BOOK = ProgressBook(
    title="Tiến độ thực hiện Kế hoạch số 281/KH-SKHCN",
    units=(VP, TDC),
    forms=(FormHead(1, "Tập huấn ISO"), FormHead(2, "Bản tin", (Stage.REPORT,))),
    tasks=(
        line(VP, Stage.PLAN, Bucket.DONE_ON_TIME, submitted=date(2025, 3, 14)),
        line(VP, Stage.EXECUTE, Bucket.DONE_LATE, submitted=date(2025, 3, 20), days_late=3),
        line(VP, Stage.EXECUTE, Bucket.IN_PROGRESS, seq=2, due=date(2025, 6, 30)),
        line(TDC, Stage.PLAN, Bucket.OVERDUE, days_late=5),
        line(TDC, Stage.EVIDENCE, None),
        line(TDC, Stage.REPORT, Bucket.IN_PROGRESS, form=2, due=date(2025, 11, 14)),
    ),
    evidence=(
        EvidenceLine(
            VP, 1, "Minh chứng", is_file=False, text="https://a.example.invalid/x", recorded=None
        ),
        EvidenceLine(
            TDC,
            1,
            "Minh chứng",
            is_file=True,
            text="=HYPERLINK(1)",
            recorded=datetime(2025, 3, 14, 2, 30, tzinfo=LOCAL_TZ),
        ),
    ),
    counts=(
        CountLine(VP, 2, {"news": 3, "bulletins": 2}),
        CountLine(TDC, 2, {"news": 4, "participants": 120}),
    ),
)


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Worksheet]:
    path = write_progress_book(BOOK, tmp_path_factory.mktemp("xlsx") / "tien-do.xlsx")
    book = load_workbook(path)
    assert book.properties.title == BOOK.title
    assert book.properties.creator == "cchc"
    return {ws.title: ws for ws in book.worksheets}


def values(ws: Worksheet) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_the_four_sheets_have_their_names(sheets: dict[str, Worksheet]) -> None:
    assert list(sheets) == list(SHEETS) == ["Tiến độ", "Nhiệm vụ", "Minh chứng", "Số liệu"]


def test_the_task_sheet_has_a_frozen_filtered_header_and_one_row_per_task(
    sheets: dict[str, Worksheet],
) -> None:
    ws = sheets["Nhiệm vụ"]
    rows = values(ws)
    assert rows[0] == list(TASK_COLUMNS)
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:G{len(BOOK.tasks) + 1}"
    assert len(rows) - 1 == len(BOOK.tasks)
    late = rows[2]
    assert late[:3] == [VP, "1. Tập huấn ISO", "execute"]
    assert late[5:] == ["Hoàn thành quá hạn", 3]
    assert [r[5] for r in rows[1:]][-2:] == ["Chưa đến kỳ", "Đang thực hiện trong hạn"]


def test_dates_are_excel_dates_shown_day_first(sheets: dict[str, Worksheet]) -> None:
    ws = sheets["Nhiệm vụ"]
    due, submitted = ws["D2"], ws["E2"]
    assert due.is_date
    assert due.value == datetime(2025, 3, 15)
    assert due.number_format == "dd/mm/yyyy"
    assert submitted.is_date
    assert submitted.value == datetime(2025, 3, 14)
    assert ws["E5"].value is None  # not handed in


def test_matrix_cells_show_the_bucket_and_due_date_in_its_colour(
    sheets: dict[str, Worksheet],
) -> None:
    ws = sheets["Tiến độ"]
    assert ws["A1"].value == "Đơn vị"
    assert ws["B1"].value == "1. Tập huấn ISO"
    assert ws["F1"].value == "2. Bản tin"
    assert "B1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(2, c).value for c in range(2, 7)] == [
        "Lập kế hoạch",
        "Thực hiện",
        "Minh chứng",
        "Báo cáo",
        "Báo cáo",
    ]
    assert ws["A3"].value == VP
    assert ws["A4"].value == TDC
    assert ws["B3"].value == "Đúng hạn\n15/03/2025"
    assert ws["C3"].value == "Kỳ 1: Hoàn thành trễ 15/03/2025\nKỳ 2: Trong hạn 30/06/2025"
    colour = {ref: ws[ref].fill.start_color.rgb[-6:] for ref in ("B3", "C3", "B4", "F4")}
    assert colour == {
        "B3": FILLS[Bucket.DONE_ON_TIME],
        "C3": FILLS[Bucket.DONE_LATE],  # the check-in that needs attention most
        "B4": FILLS[Bucket.OVERDUE],
        "F4": FILLS[Bucket.IN_PROGRESS],
    }
    assert len(set(FILLS.values())) == 4
    assert ws["D4"].value == "Chưa đến kỳ\n15/03/2025"
    legend = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert "Chú giải" in legend
    assert "Quá hạn: Quá hạn, chưa hoàn thành" in legend


def test_evidence_rows_keep_text_a_unit_typed_as_text(sheets: dict[str, Worksheet]) -> None:
    rows = values(sheets["Minh chứng"])
    assert rows[0] == list(EVIDENCE_COLUMNS)
    assert rows[1][3:5] == ["Đường dẫn", "https://a.example.invalid/x"]
    assert rows[2][3:] == ["Tệp", "=HYPERLINK(1)", datetime(2025, 3, 14, 2, 30)]
    assert sheets["Minh chứng"]["E3"].data_type == "s"  # never a formula


def test_counts_have_a_total_row(sheets: dict[str, Worksheet]) -> None:
    rows = values(sheets["Số liệu"])
    assert rows[0] == ["Đơn vị", "Hình thức", *RESULT_COUNTS.values()]
    assert rows[1][:4] == [VP, "2. Bản tin", 3, 2]
    total = dict(zip(["unit", "form", *RESULT_COUNTS], rows[-1], strict=True))
    assert total["unit"] == "Tổng cộng"
    assert (total["news"], total["bulletins"], total["participants"]) == (7, 2, 120)
    assert total["inspections"] == 0


def test_writing_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "out" / "tien-do.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"old")
    write_progress_book(BOOK, path)
    assert load_workbook(path).sheetnames == list(SHEETS)
    assert [p.name for p in path.parent.iterdir()] == ["tien-do.xlsx"]  # no temporary left
