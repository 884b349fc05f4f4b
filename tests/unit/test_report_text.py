"""The consolidated report's content: pure helpers, validation, and the Markdown/HTML renderings."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from pydantic import ValidationError

from documents.report.docx_writer import write_docx
from documents.report.text import render_html, render_markdown
from domain.report import RESULT_COUNTS, UnitAppendix, coverage, dateline, totals
from tests.unit.report_samples import (
    BBT,
    MISSING_UNIT,
    SECTION_HEADINGS,
    TOPICS,
    XSS,
    form,
    forms,
    report_data,
    units,
)

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
