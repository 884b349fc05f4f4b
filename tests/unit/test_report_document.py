"""The consolidated report as a .docx laid out per Nghị định 30/2020."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Length
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from documents.report.docx_writer import write_docx
from tests.unit.report_samples import (
    BBT,
    CDS,
    MISSING_UNIT,
    SECTION_HEADINGS,
    report_data,
    texts,
    units,
)


@pytest.fixture
def docx_path(tmp_path: Path) -> Path:
    return write_docx(report_data(), tmp_path / "out" / "report-2025.docx")


@pytest.fixture
def document(docx_path: Path) -> DocxDocument:
    return Document(str(docx_path))


def mm(length: Length | None) -> float:
    assert length is not None
    return float(length.mm)


def cell_paragraphs(table: Table, row: int, col: int) -> list[Paragraph]:
    return [p for p in table.cell(row, col).paragraphs if p.text.strip()]


def styled(paragraph: Paragraph, attr: str) -> bool:
    return all(getattr(run, attr) is True for run in paragraph.runs if run.text.strip())


def test_every_page_is_a4_with_the_decree_margins(document: DocxDocument) -> None:
    first = document.sections[0]
    assert (round(mm(first.page_width)), round(mm(first.page_height))) == (210, 297)
    for section in document.sections:
        assert sorted([round(mm(section.page_width)), round(mm(section.page_height))]) == [210, 297]
        assert 20 <= round(mm(section.top_margin), 1) <= 25
        assert 20 <= round(mm(section.bottom_margin), 1) <= 25
        assert 30 <= round(mm(section.left_margin), 1) <= 35
        assert 15 <= round(mm(section.right_margin), 1) <= 20


def test_body_text_is_times_new_roman_13_to_14_pt(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    assert normal.font.name == "Times New Roman"
    assert normal.font.size is not None
    assert 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.rFonts if normal.element.rPr is not None else None
    assert fonts is not None
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            assert run.font.name in (None, "Times New Roman")
            assert run.font.size is None or 13 <= run.font.size.pt <= 14, paragraph.text


def test_header_block_follows_the_decree(document: DocxDocument) -> None:
    header = document.tables[0]
    parent, issuer, rule = cell_paragraphs(header, 0, 0)
    assert parent.text == "UBND TỈNH QUẢNG NGÃI"
    assert not any(run.bold for run in parent.runs)
    assert issuer.text == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert styled(issuer, "bold")
    assert set(rule.text.strip()) == {"_"}
    assert 0 < len(rule.text.strip()) < len(issuer.text)
    national, motto = cell_paragraphs(header, 0, 1)
    assert national.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert styled(national, "bold")
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert styled(motto, "bold")
    assert styled(motto, "underline")
    (number,) = cell_paragraphs(header, 1, 0)
    assert number.text == "Số: …/BC-SKHCN"
    (dated,) = cell_paragraphs(header, 1, 1)
    assert dated.text == "Quảng Ngãi, ngày 25 tháng 11 năm 2025"
    assert styled(dated, "italic")


def test_header_table_has_no_borders(document: DocxDocument) -> None:
    assert document.tables[0].style is None or "Grid" not in str(document.tables[0].style.name)


def test_title_block_names_the_report_and_its_addressee(document: DocxDocument) -> None:
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    doc_type = next(p for p in paragraphs if p.text == "BÁO CÁO")
    title = paragraphs[paragraphs.index(doc_type) + 1]
    assert title.text == "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025"
    for paragraph in (doc_type, title):
        assert styled(paragraph, "bold")
        assert paragraph.paragraph_format.alignment == 1  # centred
    assert "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi." in texts(document)


def test_every_section_heading_is_present_in_order(document: DocxDocument) -> None:
    found = texts(document)
    positions = [found.index(heading) for heading in SECTION_HEADINGS]
    assert positions == sorted(positions)


def test_each_form_has_a_sub_heading_and_its_figures(document: DocxDocument) -> None:
    found = texts(document)
    for result in report_data().forms:
        assert f"{result.number}. {result.title}" in found
    assert "Kết quả: Sự kiện, hội nghị: 3; Lượt người tham dự: 450." in found


def test_estimate_marker_goes_with_estimate_forms_only(document: DocxDocument) -> None:
    found = texts(document)
    figures = [t for t in found if t.startswith(("Kết quả:", "Kết quả ("))]
    estimates = [f.estimate for f in report_data().forms]
    assert len(figures) == len(estimates)
    for line, estimate in zip(figures, estimates, strict=True):
        assert line.startswith("Kết quả (ước thực hiện):") is estimate, line


def test_missing_unit_is_named_once_and_its_work_still_counts(document: DocxDocument) -> None:
    body = "\n".join(texts(document)).split("PHỤ LỤC")[0]
    results = body.split("II. KẾT QUẢ THỰC HIỆN")[1].split("III. ĐÁNH GIÁ CHUNG")[0]
    assert f"Các đơn vị chưa gửi báo cáo năm: {MISSING_UNIT}; " in results
    assert body.count(MISSING_UNIT) == 1
    assert "chưa bao gồm" not in body
    assessment = body.split("III. ĐÁNH GIÁ CHUNG")[1].split("IV. PHƯƠNG HƯỚNG")[0]
    assert "Còn 1 phòng, đơn vị chưa gửi báo cáo" in assessment


def test_coverage_table_marks_forms_per_topic(document: DocxDocument) -> None:
    table = next(t for t in document.tables if t.cell(0, 0).text == "Nội dung tuyên truyền")
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    assert rows["4. Chỉ số PAR INDEX, SIPAS, PCI"] == ["", "", "", "x", "", ""]
    assert rows["5đ. Cải cách tài chính công"] == [""] * 6
    assert rows["1. Quan điểm, chủ trương, chính sách, pháp luật về CCHC"] == [
        "x",
        "x",
        "",
        "",
        "x",
        "x",
    ]


def test_appendix_is_a_units_by_forms_matrix_flagging_the_missing_unit(
    document: DocxDocument,
) -> None:
    appendix = document.tables[-1]
    header = [c.text for c in appendix.rows[0].cells]
    forms = [f"HT{n}" for n in range(1, 7)]
    assert header == ["TT", "Phòng, đơn vị", "Báo cáo năm", *forms, "Tổng cộng", "Quá hạn"]
    rows = {row.cells[1].text: row.cells for row in appendix.rows[1:]}
    assert set(rows) == {u.unit for u in units()} | {"Tổng cộng"}
    assert rows[MISSING_UNIT][2].text == "Chưa gửi báo cáo"
    assert styled(rows[MISSING_UNIT][2].paragraphs[0], "bold")
    assert rows[BBT][2].text == "Đã gửi báo cáo"
    cells = ["–", "–", "0/1/0/0", "1/0/0/0", "–", "–", "1/1/0/0", "1 (2 ngày)"]
    assert [c.text for c in rows[CDS][3:]] == cells
    assert rows[MISSING_UNIT][3].text == "0/0/0/1"
    assert rows["Tổng cộng"][-2].text == "3/1/2/1"


def test_recipients_and_signature_sit_side_by_side(document: DocxDocument) -> None:
    footer = next(t for t in document.tables if t.cell(0, 0).text.startswith("Nơi nhận:"))
    label, *lines = cell_paragraphs(footer, 0, 0)
    assert styled(label, "bold")
    assert styled(label, "italic")
    assert all(run.font.size is not None and run.font.size.pt == 12 for run in label.runs)
    assert [p.text for p in lines] == report_data().recipients
    assert all(run.font.size is not None and run.font.size.pt == 11 for run in lines[0].runs)
    title, name = cell_paragraphs(footer, 0, 1)
    assert (title.text, name.text) == ("GIÁM ĐỐC", "Nguyễn Văn A")
    assert styled(title, "bold")
    assert styled(name, "bold")


def test_draft_carries_a_draft_marker(tmp_path: Path) -> None:
    draft = Document(str(write_docx(report_data(draft=True), tmp_path / "draft.docx")))
    final = Document(str(write_docx(report_data(), tmp_path / "final.docx")))
    assert "DỰ THẢO" in texts(draft)
    assert "DỰ THẢO" not in texts(final)
