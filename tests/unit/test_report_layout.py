"""The report's .docx as a văn thư checks it (NĐ 30/2020, Phụ lục I) and as finalization
stamps it: page numbers, the DỰ THẢO line, the number and dateline paragraphs, the signer
block, the appendix heading; internal figures never in the Word file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from documents.report.docx_writer import write_docx
from documents.report.text import render_html, render_markdown
from domain.consolidate import Grouped
from domain.report import agency_case, dateline
from tests.unit.report_samples import BBT, VP, report_data, texts

INTERNAL = "Đã gửi 212 lượt nhắc việc, 20 lượt đôn đốc và 6 lượt báo cáo Giám đốc."


def written(tmp_path: Path, **changes: object) -> DocxDocument:
    return Document(str(write_docx(report_data(**changes), tmp_path / "r.docx")))


def all_texts(document: DocxDocument) -> list[str]:
    cells = [p.text for t in document.tables for c in t._cells for p in c.paragraphs]
    return texts(document) + cells


def test_pages_are_numbered_from_page_two_centred_in_the_header(tmp_path: Path) -> None:
    document = written(tmp_path)
    first = document.sections[0]
    assert first.different_first_page_header_footer
    assert not "".join(p.text for p in first.first_page_header.paragraphs).strip()
    header = first.header._element
    fields = header.findall(".//" + qn("w:fldSimple"))
    assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE"]
    paragraph = first.header.paragraphs[0]
    assert paragraph.alignment == 1  # centred
    sizes = {r.font.size.pt for r in paragraph.runs if r.font.size} | {
        float(s.get(qn("w:val"))) / 2 for s in header.iter(qn("w:sz"))
    }
    assert sizes
    assert all(13 <= size <= 14 for size in sizes)
    appendix = document.sections[-1]._sectPr.find(qn("w:pgNumType"))
    assert appendix is not None
    assert appendix.get(qn("w:start")) == "1"


def test_times_new_roman_is_the_default_for_every_script(tmp_path: Path) -> None:
    document = written(tmp_path)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts is not None
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert fonts.get(qn(f"w:{slot}")) == "Times New Roman"
    assert fonts.get(qn("w:asciiTheme")) is None


def test_a_draft_begins_with_one_draft_line_carrying_its_version(tmp_path: Path) -> None:
    for version, expected in ((0, "DỰ THẢO"), (3, "DỰ THẢO (lần 3)")):
        document = written(tmp_path, draft=True, version=version)
        first = document.paragraphs[0]
        assert first.text == expected
        assert first.alignment == 2  # right
        assert all(run.bold for run in first.runs)
        assert [t for t in all_texts(document) if "DỰ THẢO" in t] == [expected]
        markdown = render_markdown(report_data(draft=True, version=version))
        assert markdown.startswith(f"**{expected}**")
        assert f'<p class="draft">{expected}</p>' in render_html(
            report_data(draft=True, version=version)
        )


def test_a_final_has_its_number_and_no_draft_line_anywhere(tmp_path: Path) -> None:
    dated = date(2025, 11, 28)
    data = {"draft": False, "number_symbol": "312/BC-SKHCN", "dated": dated}
    document = written(tmp_path, **data)
    found = all_texts(document)
    assert not [t for t in found if "DỰ THẢO" in t]
    assert "Số: 312/BC-SKHCN" in found
    assert dateline(place="Quảng Ngãi", dated=dated) in found
    reference = "(Kèm theo Báo cáo số 312/BC-SKHCN ngày 28/11/2025 của Sở Khoa học và Công nghệ)"
    assert reference in found
    assert "DỰ THẢO" not in render_markdown(report_data(**data)) + render_html(report_data(**data))


def test_a_draft_prints_the_number_placeholder_in_header_and_appendix(tmp_path: Path) -> None:
    found = all_texts(written(tmp_path, draft=True))
    assert "Số: …/BC-SKHCN" in found
    assert "Quảng Ngãi, ngày 25 tháng 11 năm 2025" in found
    assert "(Kèm theo Báo cáo số …/BC-SKHCN ngày 25/11/2025 của Sở Khoa học và Công nghệ)" in found


def test_a_deputy_signs_for_the_director_with_room_for_signature_and_seal(
    tmp_path: Path,
) -> None:
    document = written(
        tmp_path,
        signer_on_behalf="KT. GIÁM ĐỐC",
        signer_title="PHÓ GIÁM ĐỐC",
        signer_name="Trần Thị Bình",
    )
    footer = next(t for t in document.tables if t.cell(0, 0).text.startswith("Nơi nhận:"))
    lines = [p.text for p in footer.cell(0, 1).paragraphs]
    assert lines == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "", "", "", "", "Trần Thị Bình"]
    assert all(run.bold for p in footer.cell(0, 1).paragraphs for run in p.runs if run.text)


def test_an_unknown_signer_leaves_the_name_line_empty(tmp_path: Path) -> None:
    footer = next(
        t
        for t in written(tmp_path, signer_name="").tables
        if t.cell(0, 0).text.startswith("Nơi nhận:")
    )
    assert [p.text for p in footer.cell(0, 1).paragraphs] == ["GIÁM ĐỐC", "", "", "", "", ""]


def test_internal_figures_stay_out_of_the_word_file(tmp_path: Path) -> None:
    document = written(tmp_path, internal=[INTERNAL])
    assert not [t for t in all_texts(document) if "nhắc việc" in t or "nội bộ" in t]
    markdown = render_markdown(report_data(internal=[INTERNAL]))
    heading = "## Số liệu nội bộ (không gửi UBND tỉnh)"
    assert markdown.index(heading) > markdown.index("## PHỤ LỤC")
    assert INTERNAL in markdown.split(heading)[1]
    assert "Số liệu nội bộ (không gửi UBND tỉnh)" in render_html(report_data(internal=[INTERNAL]))
    assert "Số liệu nội bộ" not in render_markdown(report_data())


def test_alike_statements_are_printed_once_naming_the_units(tmp_path: Path) -> None:
    causes = [Grouped(text="Thiếu nhân lực", units=[BBT, VP]), Grouped(text="Ít kinh phí.")]
    found = texts(written(tmp_path, causes=causes))
    assert f"Các phòng, đơn vị: {BBT}, {VP}: Thiếu nhân lực." in found
    assert "Ít kinh phí." in found


def test_agency_names_in_capitals_read_as_running_text() -> None:
    assert agency_case("SỞ KHOA HỌC VÀ CÔNG NGHỆ") == "Sở Khoa học và Công nghệ"
    assert agency_case("SỞ NỘI VỤ") == "Sở Nội vụ"
    assert agency_case("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI") == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert agency_case("Sở Tư pháp") == "Sở Tư pháp"
