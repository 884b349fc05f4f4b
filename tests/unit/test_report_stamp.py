"""The approved .docx made final: the DỰ THẢO paragraph removed, the number placeholder and
the dateline filled wherever Word split them into runs, the appendix's reference dated; a
file without the placeholder or the dateline is named as such."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest

from documents.report.final import problems, stamp, text_of


def draft_file(path: Path, *, number_line: bool = True, dateline: bool = True) -> Path:
    document = docx.Document()
    document.add_paragraph("DỰ THẢO (lần 2)")
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    if number_line:
        split = left.paragraphs[0]  # as Word saves an edited line: several runs
        for part in ("Số: ", "…/", "BC-SKHCN"):
            split.add_run(part)
    if dateline:
        right.paragraphs[0].add_run("Quảng Ngãi, ngày 17 tháng 11 năm 2025")
    document.add_paragraph("Nội dung báo cáo do Văn phòng chỉnh sửa.")
    if number_line:
        document.add_paragraph(
            "(Kèm theo Báo cáo số …/BC-SKHCN ngày 17/11/2025 của Sở Khoa học và Công nghệ)"
        )
    document.save(str(path))
    return path


def test_the_final_carries_the_number_and_date_and_no_draft_mark(tmp_path: Path) -> None:
    source = draft_file(tmp_path / "v2.docx")
    done = stamp(source, tmp_path / "final.docx", number=312, dated=date(2025, 11, 27))
    assert done.number_symbol == "312/BC-SKHCN"
    texts = text_of(done.path.read_bytes())
    assert "DỰ THẢO (lần 2)" not in texts
    assert not [t for t in texts if "DỰ THẢO" in t or "…" in t]
    assert "Số: 312/BC-SKHCN" in texts
    assert "Quảng Ngãi, ngày 27 tháng 11 năm 2025" in texts
    assert "Nội dung báo cáo do Văn phòng chỉnh sửa." in texts
    assert (
        "(Kèm theo Báo cáo số 312/BC-SKHCN ngày 27/11/2025 của Sở Khoa học và Công nghệ)" in texts
    )
    assert "DỰ THẢO (lần 2)" in text_of(source.read_bytes())  # the approved file is kept


def test_a_file_without_what_the_final_fills_is_named(tmp_path: Path) -> None:
    no_number = draft_file(tmp_path / "a.docx", number_line=False).read_bytes()
    no_date = draft_file(tmp_path / "b.docx", dateline=False).read_bytes()
    assert problems(no_number) == ['no report number placeholder such as "Số: …/BC-SKHCN"']
    assert problems(no_date) == ['no dateline such as "Quảng Ngãi, ngày … tháng … năm 2025"']
    assert problems(b"%PDF-1.4 not a docx") == ["not a Word .docx file"]
    assert problems(draft_file(tmp_path / "c.docx").read_bytes()) == []
    with pytest.raises(ValueError, match=r"a\.docx: no report number placeholder"):
        stamp(tmp_path / "a.docx", tmp_path / "x.docx", number=1, dated=date(2025, 11, 27))
    assert not (tmp_path / "x.docx").exists()
