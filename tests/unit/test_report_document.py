"""The consolidated report: Nghị định 30/2020 layout in .docx, same content in Markdown/HTML."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Length
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from pydantic import ValidationError

from documents.report.docx_writer import write_docx
from documents.report.text import render_html, render_markdown
from domain.consolidate import Grouped
from domain.report import (
    RESULT_COUNTS,
    FormResult,
    ReportData,
    UnitAppendix,
    UnitTaskLine,
    coverage,
    dateline,
    totals,
)
from domain.status import Bucket

MISSING_UNIT = "Phòng Quản lý chuyên ngành"
XSS = '<script>alert("x")</script>'
SECTION_HEADINGS = [
    "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI",
    "II. KẾT QUẢ THỰC HIỆN",
    "III. ĐÁNH GIÁ CHUNG",
    "1. Ưu điểm",
    "2. Tồn tại, hạn chế và nguyên nhân",
    "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
    "V. ĐỀ XUẤT, KIẾN NGHỊ",
    "PHỤ LỤC",
]
BBT = "Ban Biên tập Trang thông tin điện tử của Sở"
CDS = "Trung tâm Chuyển đổi số và Đổi mới sáng tạo"
VP = "Văn phòng Sở"
BCVT = "Phòng Bưu chính - Viễn thông và Công nghệ thông tin"
TDC = "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng"
CCTDC = "Chi cục Tiêu chuẩn Đo lường Chất lượng"
TOPICS = [
    ("1", "Quan điểm, chủ trương, chính sách, pháp luật về CCHC"),
    ("2", "Vai trò, trách nhiệm của người đứng đầu"),
    ("4", "Chỉ số PAR INDEX, SIPAS, PCI"),
    ("5b", "Cải cách thủ tục hành chính"),
    ("5dd", "Cải cách tài chính công"),
    ("5e", "Chính quyền điện tử hướng đến chính quyền số"),
    ("7", "Công khai địa chỉ, đường dây nóng tiếp nhận phản ánh"),
]


def form(number: int, title: str, **changes: object) -> FormResult:
    values: dict[str, object] = {
        "number": number,
        "code": f"form-{number}",
        "title": title,
        "window_text": "Thường xuyên trong năm",
        "lead": [BBT],
        "coordinating": ["Các phòng, đơn vị thuộc Sở"],
        "counts": {"news": 10 * number},
        "done": [Grouped(text=f"Đã thực hiện hình thức {number} theo Kế hoạch.", units=[BBT])],
        "evidence_links": number,
        "evidence_files": 1,
        "links": [f"https://skhcn.quangngai.gov.vn/cchc/{number}"],
        "topics": ["1", "5b"],
        "estimate": True,
    }
    return FormResult.model_validate(values | changes)


def forms() -> list[FormResult]:
    return [
        form(1, "Duy trì mục tuyên truyền CCHC trên Trang Thông tin điện tử của Sở"),
        form(2, "Đăng tải công khai tất cả các TTHC và các văn bản liên quan đến CCHC"),
        form(
            3,
            "Tuyên truyền thông qua xuất bản các bản tin, các Chuyên mục khoa học và công nghệ",
            lead=[CDS],
            counts={"bulletins": 12, "news": 4},
            topics=["5e", "7"],
        ),
        form(
            4,
            "Tổ chức các hoạt động nhân Ngày khoa học và công nghệ Việt Nam năm 2025",
            lead=[VP, BCVT, CDS],
            window_text="Quý II/2025",
            counts={"events": 3, "participants": 450},
            topics=["2", "4", "5e"],
            estimate=False,
        ),
        form(
            5,
            "Đào tạo về Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015",
            lead=[TDC],
            coordinating=[],
            window_text="Quý I - II/2025",
            counts={"trainings": 2, "participants": 180},
            done=[Grouped(text=f"Tổ chức 02 lớp tập huấn {XSS}.", units=[TDC])],
            estimate=False,
        ),
        form(
            6,
            "Kiểm tra việc áp dụng Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015",
            lead=[CCTDC],
            coordinating=[],
            window_text="Quý IV/2025",
            counts={"inspections": 8},
            links=[],
            evidence_links=0,
            evidence_files=0,
            topics=["1"],
        ),
    ]


def task(activity: str, bucket: Bucket, days_late: int = 0) -> UnitTaskLine:
    number = activity.removeprefix("Hình thức ")[:1]
    return UnitTaskLine(
        activity=activity,
        form=f"form-{number}",
        stage="Báo cáo",
        due=date(2025, 11, 14),
        bucket=bucket,
        days_late=days_late,
    )


def units() -> list[UnitAppendix]:
    return [
        UnitAppendix(
            unit=BBT, report_received=True, tasks=[task("Hình thức 1", Bucket.DONE_ON_TIME)]
        ),
        UnitAppendix(
            unit=CDS,
            report_received=True,
            tasks=[
                task("Hình thức 3", Bucket.DONE_LATE, 2),
                task("Hình thức 4", Bucket.DONE_ON_TIME),
            ],
        ),
        UnitAppendix(
            unit=VP, report_received=True, tasks=[task("Hình thức 4", Bucket.DONE_ON_TIME)]
        ),
        UnitAppendix(unit=BCVT, report_received=True, tasks=[]),
        UnitAppendix(
            unit=TDC, report_received=True, tasks=[task("Hình thức 5", Bucket.IN_PROGRESS)]
        ),
        UnitAppendix(
            unit=CCTDC, report_received=True, tasks=[task("Hình thức 6", Bucket.IN_PROGRESS)]
        ),
        UnitAppendix(
            unit=MISSING_UNIT,
            report_received=False,
            tasks=[task("Hình thức 1 | phối hợp", Bucket.OVERDUE, 5)],
        ),
    ]


def report_data(**changes: object) -> ReportData:
    values: dict[str, object] = {
        "issuer_parent": "UBND TỈNH QUẢNG NGÃI",
        "issuer": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "number_symbol": "…/BC-SKHCN",
        "place": "Quảng Ngãi",
        "dated": date(2025, 11, 25),
        "year": 2025,
        "title": "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025",
        "addressee": "Ủy ban nhân dân tỉnh Quảng Ngãi",
        "direction": [
            "Sở Khoa học và Công nghệ ban hành Kế hoạch số 281/KH-SKHCN ngày 26/3/2025 "
            "về tuyên truyền cải cách hành chính năm 2025, phân công cụ thể cho các phòng, "
            "đơn vị thuộc Sở."
        ],
        "forms": forms(),
        "topics": TOPICS,
        "strengths": ["Các hình thức tuyên truyền được triển khai đầy đủ, đúng kế hoạch."],
        "weaknesses": ["Một số tin, bài còn chậm cập nhật."],
        "causes": [
            Grouped(text="Nhân lực làm công tác tuyên truyền còn kiêm nhiệm.", units=[BBT, VP])
        ],
        "directions": ["Tiếp tục duy trì chuyên mục CCHC trên Trang Thông tin điện tử của Sở."],
        "proposals": [
            Grouped(text="Đề nghị Sở Nội vụ tổ chức tập huấn nghiệp vụ tuyên truyền CCHC.")
        ],
        "units": units(),
        "missing_units": [MISSING_UNIT],
        "recipients": ["- Như trên;", "- Sở Nội vụ;", "- GĐ, các PGĐ Sở;", "- Lưu: VT, VP."],
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn A",
    }
    return ReportData.model_validate(values | changes)


@pytest.fixture
def docx_path(tmp_path: Path) -> Path:
    return write_docx(report_data(), tmp_path / "out" / "report-2025.docx")


@pytest.fixture
def document(docx_path: Path) -> DocxDocument:
    return Document(str(docx_path))


def mm(length: Length | None) -> float:
    assert length is not None
    return float(length.mm)


def texts(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def cell_paragraphs(table: Table, row: int, col: int) -> list[Paragraph]:
    return [p for p in table.cell(row, col).paragraphs if p.text.strip()]


def styled(paragraph: Paragraph, attr: str) -> bool:
    return all(getattr(run, attr) is True for run in paragraph.runs if run.text.strip())


# --- .docx layout -------------------------------------------------------------------------


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


# --- pure helpers and validation ----------------------------------------------------------


def test_dateline_pads_days_and_the_first_two_months() -> None:
    assert dateline(place="Quảng Ngãi", dated=date(2026, 1, 5)) == (
        "Quảng Ngãi, ngày 05 tháng 01 năm 2026"
    )
    assert dateline(place="Quảng Ngãi", dated=date(2025, 3, 26)).endswith(
        "ngày 26 tháng 3 năm 2025"
    )


def test_totals_sum_every_count_over_the_forms() -> None:
    summed = totals(forms())
    assert list(summed) == list(RESULT_COUNTS)
    assert summed["news"] == 10 + 20 + 4
    assert summed["inspections"] == 8
    assert summed["participants"] == 450 + 180


def test_coverage_is_topics_by_forms() -> None:
    rows = coverage(forms(), TOPICS)
    assert [r.code for r in rows] == [code for code, _ in TOPICS]
    assert rows[3].marks == (True, True, False, False, True, False)  # 5b


def test_unknown_count_key_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown count keys: pano"):
        form(1, "x", counts={"pano": 3})


def test_form_naming_an_unknown_topic_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown topics: 9"):
        report_data(forms=[form(1, "x", topics=["9"])])


def test_unit_cannot_be_both_missing_and_received() -> None:
    with pytest.raises(ValidationError, match="marked received"):
        report_data(missing_units=[BBT])


def test_missing_unit_without_tasks_still_reaches_the_appendix() -> None:
    data = report_data(units=units()[:2], missing_units=["Phòng Kế hoạch - Tài chính"])
    assert [u.unit for u in data.appendix_units()][-1] == "Phòng Kế hoạch - Tài chính"
    assert "Phòng Kế hoạch - Tài chính" in render_markdown(data).split("PHỤ LỤC")[1]


def test_report_without_topics_leaves_out_the_coverage_table(tmp_path: Path) -> None:
    data = report_data(topics=[], forms=[form(1, "x", topics=[])])
    document = Document(str(write_docx(data, tmp_path / "r.docx")))
    assert all(t.cell(0, 0).text != "Nội dung tuyên truyền" for t in document.tables)
    assert "Bảng 2." not in render_markdown(data)
    assert "Bảng 2." not in render_html(data)


# --- Markdown and HTML --------------------------------------------------------------------


def test_markdown_and_html_carry_every_section() -> None:
    markdown, html = render_markdown(report_data()), render_html(report_data())
    for heading in SECTION_HEADINGS:
        assert heading in markdown
        assert heading in html
    for text in ("Số: …/BC-SKHCN", "Quảng Ngãi, ngày 25 tháng 11 năm 2025", "(ước thực hiện)"):
        assert text in markdown
        assert text in html
    assert f"Các đơn vị chưa gửi báo cáo năm: {MISSING_UNIT};" in markdown
    assert MISSING_UNIT in markdown.split("II. KẾT QUẢ")[1].split("III. ĐÁNH GIÁ")[0]


def test_html_escapes_markup_from_unit_reports() -> None:
    html = render_html(report_data())
    assert XSS not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_evidence_is_counted_by_kind_and_not_listed() -> None:
    markdown, html = render_markdown(report_data()), render_html(report_data())
    annex = "(danh mục chi tiết tại Phụ lục Excel kèm theo)"
    assert f"**Minh chứng:** 3 đường dẫn, 1 tệp {annex}." in markdown
    assert "Minh chứng: </strong>chưa có." in html
    assert "https://skhcn.quangngai.gov.vn/cchc/" not in markdown + html


def table_rows(markdown: str) -> list[list[str]]:
    """Table rows split on unescaped pipes, as a GFM renderer splits them."""
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    return [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in rows]


def test_pipe_in_a_cell_keeps_the_markdown_tables_valid() -> None:
    named = UnitAppendix(unit="Tổ A | B", report_received=True)
    markdown = render_markdown(report_data(units=[*units(), named]))
    appendix = markdown.split("## PHỤ LỤC")[1]
    rows = table_rows(appendix)
    assert len(rows) > 2
    assert {len(r) for r in rows} == {11}
    assert any("Tổ A \\| B" in cell for row in rows for cell in row)
    for table in markdown.split("## PHỤ LỤC")[0].split("\n\n"):
        widths = {len(r) for r in table_rows(table)}
        assert len(widths) <= 1, table


def test_markdown_neutralises_raw_html() -> None:
    markdown = render_markdown(report_data())
    assert "<script>" not in markdown
    assert "\\<script\\>" in markdown
