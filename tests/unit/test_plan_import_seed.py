"""The seed (.txt, .docx paragraphs or tables, pipe tables) imports to the hand-written plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.table import _Cell

from documents.plans.importer import import_document
from domain.plan import Plan
from tests.conftest import SEED_PATH
from tests.unit.plan_import_kit import SECTION_IV, SEED, line_no, read


def same_but_codes(imported: Plan, written: Plan) -> Plan:
    """`imported` with the hand-written activity codes, which no document contains."""
    assert len(imported.activities) == len(written.activities)
    activities = [
        a.model_copy(update={"code": w.code})
        for a, w in zip(imported.activities, written.activities, strict=True)
    ]
    return imported.model_copy(update={"activities": activities})


# --- the seed, as .txt and as .docx ---------------------------------------------------------


def test_the_seed_imports_to_the_hand_written_plan(directory, calendar, plan) -> None:
    result = import_document(SEED_PATH, directory=directory, calendar=calendar)
    imported = result.require()
    assert same_but_codes(imported, plan) == plan
    assert [a.code for a in imported.activities][:2] == [
        "duy-tri-muc-tuyen-truyen-cchc",
        "dang-tai-cong-khai-tat-ca",
    ]
    # "Lưu: VT, VP": the archive clerk (Văn thư) is not in the directory; said, not invented.
    assert [(n.path, n.line, "'VT'" in n.message) for n in result.notes] == [
        ("recipients[4]", line_no(SEED, "- Lưu: VT, VP."), True)
    ]


def test_an_earlier_version_keeps_the_activity_codes(directory, calendar, plan) -> None:
    result = import_document(SEED_PATH, directory=directory, calendar=calendar, previous=plan)
    assert result.require() == plan


def test_the_yaml_written_loads_as_the_same_plan(directory, calendar, plan, tmp_path) -> None:
    from documents.plans.files import load_plan

    result = import_document(SEED_PATH, directory=directory, calendar=calendar, previous=plan)
    path = tmp_path / "plan.yaml"
    path.write_text(result.to_yaml(), encoding="utf-8")
    assert load_plan(path, directory=directory, calendar=calendar) == plan


def _docx(path: Path, lines: list[str]) -> Path:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_the_seed_as_docx_paragraphs(directory, calendar, plan, tmp_path) -> None:
    path = _docx(tmp_path / "seed.docx", SEED.splitlines())
    result = import_document(path, directory=directory, calendar=calendar, previous=plan)
    assert result.require() == plan


def _cell(cell: _Cell, lines: list[str]) -> None:
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _docx_with_tables(path: Path, plan: Plan) -> Path:
    """Header block and signature as two-column tables; section IV as a real table."""
    document = Document()
    top = document.add_table(rows=1, cols=2)
    _cell(top.cell(0, 0), ["UBND TỈNH QUẢNG NGÃI", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Số: 281/KH-SKHCN"])
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    _cell(top.cell(0, 1), [*right, "Quảng Ngãi, ngày 26 tháng 3 năm 2025"])
    body = SEED[SEED.index("KẾ HOẠCH") : SEED.index("IV. HÌNH THỨC")]
    for line in [*body.splitlines(), "IV. HÌNH THỨC TUYÊN TRUYỀN"]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, _HEADER, strict=True):
        cell.text = text
    for activity in plan.activities:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(activity.number), activity.title
        _cell(cells[2], activity.lead.as_written.split(", "))
        cells[3].text = activity.coordinators.as_written if activity.coordinators else ""
        cells[4].text = activity.window
    tail = SEED[SEED.index("V. KINH PHÍ") : SEED.index("Nơi nhận")]
    for line in tail.splitlines():
        document.add_paragraph(line)
    bottom = document.add_table(rows=1, cols=2)
    recipients = SEED[SEED.index("Nơi nhận") :].splitlines()
    _cell(bottom.cell(0, 0), [r for r in recipients if r.strip()])
    _cell(bottom.cell(0, 1), ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A"])
    document.save(str(path))
    return path


_HEADER = ["STT", "Hình thức", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"]


def test_a_docx_with_header_activity_and_signature_tables(
    directory, calendar, plan, tmp_path
) -> None:
    path = _docx_with_tables(tmp_path / "tables.docx", plan)
    result = import_document(path, directory=directory, calendar=calendar, previous=plan)
    assert result.require() == plan


# --- the seed in other layouts --------------------------------------------------------------


def _table_text(plan: Plan, *, outer: bool) -> str:
    def row(cells: list[str]) -> str:
        text = " | ".join(cells)
        return f"| {text} |" if outer else text

    rows = [row(_HEADER)] + (["|---|---|---|---|---|"] if outer else [])
    for a in plan.activities:
        helpers = a.coordinators.as_written if a.coordinators else ""
        rows.append(row([str(a.number), a.title, a.lead.as_written, helpers, a.window]))
    return "IV. HÌNH THỨC TUYÊN TRUYỀN\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("outer", [False, True], ids=["pipes", "markdown"])
def test_activities_as_a_pipe_table(directory, calendar, plan, outer: bool) -> None:
    text = SEED.replace(SECTION_IV, _table_text(plan, outer=outer))
    assert same_but_codes(read(text, directory, calendar).require(), plan) == plan


def test_broken_header_lines_extra_blank_lines_and_crlf(directory, calendar, plan) -> None:
    text = (
        SEED.replace("Số:  281  /KH-SKHCN", "Số:  281\n  /KH-SKHCN")
        .replace("ngày 26  tháng 3 năm 2025", "ngày 26  tháng 3\nnăm 2025")
        .replace("SỞ KHOA HỌC VÀ CÔNG NGHỆ\n", "SỞ KHOA HỌC\nVÀ CÔNG NGHỆ\n")
        .replace("cải cách hành chính năm 2025\n", "cải cách\nhành chính năm 2025\n", 1)
        .replace("\n", " \t\r\n\r\n \r\n")
    )
    assert read(text, directory, calendar, plan).require() == plan
