"""Section IV of a .docx plan, Word-numbered or in tables with merged cells, imports by item."""

from __future__ import annotations

import re
from pathlib import Path

from docx.document import Document as DocxDocument

from documents.plans.importer import import_document
from documents.plans.sources import read_source
from tests.unit.plan_documents import (
    HEAD,
    TAIL,
    in_list,
    marked_seed,
    merge,
    new_list,
    outline_seed,
    table,
    write_marked,
)
from tests.unit.plan_layouts_kit import expected, run, summary


def lines_of(path: Path) -> list[str]:
    return [line.text for line in read_source(path) if line.text]


SEED_ACTIVITIES = expected("""
1 | Duy trì mục tuyên truyền CCHC trên Trang Thông tin điện tử của Sở và cập nhật thông tin về CCHC | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
2 | Đăng tải công khai tất cả các TTHC và các văn bản liên quan đến CCHC; cập nhật, đăng tải các nội dung tuyên truyền tại mục II lên Trang Thông tin điện tử thành phần của Sở | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
3 | Tuyên truyền thông qua xuất bản các bản tin, các Chuyên mục khoa học và công nghệ | CDS | lien-quan | Thường xuyên trong năm | 01/01-31/12
4 | Tổ chức tuyên truyền về công tác CCHC 2025 thông qua tổ chức các hoạt động nhân Ngày khoa học và công nghệ Việt Nam năm 2025, Tuần lễ Chuyển đổi số tỉnh Quảng Ngãi năm 2025; Ngày Chuyển đổi số quốc gia năm 2025 | VP, BCVT, CDS | lien-quan | Quý II/2025 | 01/04-30/06
5 | Tuyên truyền thông qua tổ chức đào tạo về duy trì, cải tiến, đánh giá nội bộ Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 cho các cơ quan hành chính nhà nước trên địa bàn tỉnh | TDC | - | Quý I - II/2025 | 01/01-30/06
6 | Tuyên truyền thông qua kiểm tra việc xây dựng, áp dụng, duy trì, cải tiến Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 vào hoạt động của các cơ quan hành chính nhà nước trên địa bàn tỉnh năm 2025 | CCTDC | - | Quý IV/2025 | 01/10-31/12
""")  # noqa: E501


# --- .docx: Word's automatic numbering ---------------------------------------------------------


def test_word_numbering_numbers_the_items_and_restarts_in_each_section(
    directory, calendar, plan, tmp_path
) -> None:
    text = marked_seed(("II", "III", "IV", "VI"))
    section_iv = text[text.index("IV. HÌNH THỨC") : text.index("V. KINH PHÍ")]
    assert "{n}Duy trì mục tuyên truyền" in section_iv
    assert "\n1. " not in section_iv
    result = import_document(
        write_marked(tmp_path, text), directory=directory, calendar=calendar, previous=plan
    )
    assert result.require() == plan
    assert summary(result.require()) == SEED_ACTIVITIES


def test_one_outline_list_numbers_headings_items_and_bullets(
    directory, calendar, plan, tmp_path
) -> None:
    path = write_marked(tmp_path, outline_seed())
    lines = lines_of(path)
    assert "IV. HÌNH THỨC TUYÊN TRUYỀN" in lines
    assert "- Đơn vị chủ trì thực hiện: Ban Biên tập Trang thông tin điện tử của Sở." in lines
    result = import_document(path, directory=directory, calendar=calendar, previous=plan)
    assert result.require() == plan
    assert summary(result.require()) == SEED_ACTIVITIES


WORD_LISTS = """{H}HÌNH THỨC TUYÊN TRUYỀN
{N}Tuyên truyền CCHC qua Trang thông tin điện tử của Sở
{-}Đơn vị chủ trì: Ban Biên tập Trang thông tin điện tử của Sở
{-}Đơn vị phối hợp: Các phòng, đơn vị liên quan
{-}Thời gian thực hiện: Thường xuyên trong năm
{N}Tập huấn kỹ năng sử dụng dịch vụ công trực tuyến
{-}Văn phòng Sở chủ trì; Trung tâm CĐS&ĐMST phối hợp thực hiện trong Quý III/2025.
{N}Giao Phòng Bưu chính - Viễn thông và Công nghệ thông tin chủ trì biên soạn tài liệu hỏi đáp về chuyển đổi số, thời gian: Quý IV/2025.
"""  # noqa: E501


def test_word_list_styles_and_numbered_headings(directory, calendar, tmp_path) -> None:
    text = re.sub(r"^[IVX]+\. ", "{H}", HEAD + WORD_LISTS + TAIL, flags=re.M)
    path = write_marked(tmp_path, text)
    assert "2. Tập huấn kỹ năng sử dụng dịch vụ công trực tuyến" in lines_of(path)
    assert summary(run(path, directory, calendar).require()) == expected("""
1 | Tuyên truyền CCHC qua Trang thông tin điện tử của Sở | BBT | lien-quan | Thường xuyên trong năm | 01/01-31/12
2 | Tập huấn kỹ năng sử dụng dịch vụ công trực tuyến | VP | CDS | Quý III/2025 | 01/07-30/09
3 | Biên soạn tài liệu hỏi đáp về chuyển đổi số | BCVT | - | Quý IV/2025 | 01/10-31/12
""")  # noqa: E501


GIAO_IN_WORD = """IV. HÌNH THỨC TUYÊN TRUYỀN
{n}Tuyên truyền trên Cổng dịch vụ công; giao Trung tâm CĐS&ĐMST chủ trì, phối hợp với Văn phòng Sở thực hiện trong Quý II - III/2025.
{n}Tọa đàm chuyển đổi số trong hoạt động khoa học và công nghệ
{-}Giao Phòng Quản lý Khoa học chủ trì, phối hợp với Phòng QLCN&SHTT và TT Ứng dụng và Dịch vụ KH&CN tổ chức thực hiện.
{-}Thời gian thực hiện: tháng 10/2025.
"""  # noqa: E501


def test_giao_sentences_in_word_numbered_paragraphs(directory, calendar, tmp_path) -> None:
    path = write_marked(tmp_path, HEAD + GIAO_IN_WORD + TAIL)
    assert summary(run(path, directory, calendar).require()) == expected("""
1 | Tuyên truyền trên Cổng dịch vụ công | CDS | VP | Quý II - III/2025 | 01/04-30/09
2 | Tọa đàm chuyển đổi số trong hoạt động khoa học và công nghệ | QLKH | QLCN, TTUD | tháng 10/2025 | 01/10-31/10
""")  # noqa: E501


# --- .docx: tables with merged cells -----------------------------------------------------------

HEADER = "STT | Hình thức tuyên truyền | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian"
TABLE_PLAN = HEAD + "IV. HÌNH THỨC TUYÊN TRUYỀN\n{table}\n" + TAIL


LEAD_MERGED_DOWN = """
1 | Đăng tin về CCHC trên Trang thông tin điện tử | | |
2 | Cập nhật TTHC và văn bản về CCHC | | |
3 | Tổ chức Hội thi tìm hiểu CCHC | Văn phòng Sở | Phòng KH-TC |
4 | Phát hành bản tin khoa học và công nghệ | TT CĐS&ĐMST | |
"""


MERGED_HEADER = """
Phân công thực hiện các hình thức tuyên truyền CCHC năm 2025 | | | |
STT | Hình thức tuyên truyền | Đơn vị thực hiện | | Thời gian thực hiện
| | Chủ trì | Phối hợp |
A. Tuyên truyền trên môi trường mạng | | | |
1 | Duy trì chuyên mục CCHC | Ban Biên tập | Các phòng, đơn vị thuộc Sở | Thường xuyên trong năm
2 | Đăng tải TTHC lên Trang thông tin điện tử | Ban Biên tập | | Quý III/2025
B. Tuyên truyền trực tiếp | | | |
3 | Hội nghị đối thoại với doanh nghiệp | Văn phòng Sở | Phòng Quản lý Công nghệ và Sở hữu trí tuệ | Quý IV/2025
"""  # noqa: E501


NUMBERED_BY_WORD = """
| Tuyên truyền qua bản tin khoa học và công nghệ | Trung tâm Chuyển đổi số và Đổi mới sáng tạo | Các phòng, đơn vị liên quan | Thường xuyên trong năm
| Tập huấn ISO 9001:2015 | Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng | Không | Quý I - II/2025
| Kiểm tra áp dụng ISO 9001:2015 | Chi cục Tiêu chuẩn Đo lường Chất lượng | - | Quý IV/2025
"""  # noqa: E501


ONE_BAD_ROW = """
1 | Bản tin khoa học và công nghệ | TT CĐS&ĐMST | Các phòng, đơn vị liên quan | Quý III/2025
2 | Hội thảo chuyên đề CCHC | Tổ công tác liên ngành | | khi có kinh phí
3 | Hội nghị đối thoại với doanh nghiệp | Văn phòng Sở | Phòng QLCN&SHTT | Quý IV/2025
"""


def _lead_merged_down(document: DocxDocument) -> None:
    grid = table(document, HEADER + LEAD_MERGED_DOWN)
    merge(grid, (1, 2), (2, 2), "Ban Biên tập")
    merge(grid, (1, 3), (2, 3), "Các phòng, đơn vị thuộc Sở")
    merge(grid, (1, 4), (2, 4), "Thường xuyên trong năm")
    merge(grid, (3, 4), (4, 4), "Quý III/2025")


def _merged_header(document: DocxDocument) -> None:
    """A title row across the table, 'Đơn vị thực hiện' over 'Chủ trì' and 'Phối hợp',
    the other header cells merged down two rows, and a heading row between activities."""
    grid = table(document, MERGED_HEADER)
    merge(grid, (0, 0), (0, 4), grid.cell(0, 0).text)
    merge(grid, (1, 0), (2, 0), "STT")
    merge(grid, (1, 1), (2, 1), "Hình thức tuyên truyền")
    merge(grid, (1, 2), (1, 3), "Đơn vị thực hiện")
    merge(grid, (1, 4), (2, 4), "Thời gian thực hiện")
    merge(grid, (3, 0), (3, 4), "A. Tuyên truyền trên môi trường mạng")
    merge(grid, (6, 0), (6, 4), "B. Tuyên truyền trực tiếp")


def _numbered_stt(document: DocxDocument) -> None:
    grid = table(document, HEADER + NUMBERED_BY_WORD)
    stt = new_list(document)
    for row in grid.rows[1:]:
        in_list(row.cells[0].paragraphs[0], stt)


def _one_bad_row(document: DocxDocument) -> None:
    table(document, HEADER + ONE_BAD_ROW)


def test_a_lead_cell_merged_down_two_rows_leads_both(directory, calendar, tmp_path) -> None:
    path = write_marked(tmp_path, TABLE_PLAN, cells=_lead_merged_down)
    assert summary(run(path, directory, calendar).require()) == expected("""
1 | Đăng tin về CCHC trên Trang thông tin điện tử | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
2 | Cập nhật TTHC và văn bản về CCHC | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
3 | Tổ chức Hội thi tìm hiểu CCHC | VP | KHTC | Quý III/2025 | 01/07-30/09
4 | Phát hành bản tin khoa học và công nghệ | CDS | - | Quý III/2025 | 01/07-30/09
""")  # noqa: E501


def test_a_header_merged_across_columns_and_rows_of_headings(directory, calendar, tmp_path) -> None:
    result = run(write_marked(tmp_path, TABLE_PLAN, cells=_merged_header), directory, calendar)
    assert summary(result.require()) == expected("""
1 | Duy trì chuyên mục CCHC | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
2 | Đăng tải TTHC lên Trang thông tin điện tử | BBT | - | Quý III/2025 | 01/07-30/09
3 | Hội nghị đối thoại với doanh nghiệp | VP | QLCN | Quý IV/2025 | 01/10-31/12
""")
    notes = [n.message for n in result.notes if n.path == "activities"]
    assert [note.split(":")[0] for note in notes] == [
        "table row before the header row (STT | Hình thức | …)",
        "row across the table read as a heading between activities, not an activity",
        "row across the table read as a heading between activities, not an activity",
    ]
    assert "B. Tuyên truyền trực tiếp" in notes[2]


def test_a_table_numbered_by_word(directory, calendar, tmp_path) -> None:
    path = write_marked(tmp_path, TABLE_PLAN, cells=_numbered_stt)
    assert any(line.startswith("| 2. | Tập huấn ISO 9001:2015 |") for line in lines_of(path))
    assert summary(run(path, directory, calendar).require()) == expected("""
1 | Tuyên truyền qua bản tin khoa học và công nghệ | CDS | lien-quan | Thường xuyên trong năm | 01/01-31/12
2 | Tập huấn ISO 9001:2015 | TDC | - | Quý I - II/2025 | 01/01-30/06
3 | Kiểm tra áp dụng ISO 9001:2015 | CCTDC | - | Quý IV/2025 | 01/10-31/12
""")  # noqa: E501


# --- an item read in part: written with what was read, the rest named with its line ------------


def test_an_unreadable_table_row_costs_no_other_row(directory, calendar, tmp_path) -> None:
    path = write_marked(tmp_path, TABLE_PLAN, cells=_one_bad_row)
    result = run(path, directory, calendar)
    from documents.plans.sources import read_source

    row = next(line.no for line in read_source(path) if line.text.startswith("| 2 |"))
    assert [(p.path, p.line) for p in result.problems] == [
        ("activities[1].lead", row),
        ("activities[1].window", row),
    ]
    assert "'Tổ công tác liên ngành'" in result.problems[0].message
    assert "not a time window: 'khi có kinh phí'" in result.problems[1].message
    first, second, third = result.data["activities"]
    assert (first["lead"]["units"], first["coordinators"]["groups"]) == (["CDS"], ["lien-quan"])
    assert (third["lead"]["units"], third["coordinators"]["units"]) == (["VP"], ["QLCN"])
    assert (first["window"], third["window"]) == ("Quý III/2025", "Quý IV/2025")
    assert (second["title"], second["lead"]["as_written"]) == (
        "Hội thảo chuyên đề CCHC",
        "Tổ công tác liên ngành",
    )
