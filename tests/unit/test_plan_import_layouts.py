"""Section IV written the ways real plans write it (.txt and .docx) imports item by item."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from docx.document import Document as DocxDocument

from documents.plans.importer import PlanImport, import_document
from documents.plans.sources import read_source
from domain.calendar import WorkingCalendar
from domain.plan import Activity, Plan
from domain.units import UnitDirectory
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
    write_txt,
)


def run(path: Path, directory: UnitDirectory, calendar: WorkingCalendar) -> PlanImport:
    return import_document(path, directory=directory, calendar=calendar)


def summary(plan: Plan) -> list[str]:
    """Each activity on a line: number | title | lead | coordinators | window | its days."""
    return [_line(a) for a in plan.activities]


def _line(a: Activity) -> str:
    helpers = [*a.coordinators.units, *a.coordinators.groups] if a.coordinators else ["-"]
    days = a.time_window(2025)
    lead = ", ".join([*a.lead.units, *a.lead.groups])
    dates = f"{days.start:%d/%m}-{days.end:%d/%m}"
    return " | ".join([str(a.number), a.title, lead, ", ".join(helpers), a.window, dates])


def expected(text: str) -> list[str]:
    return text.strip().splitlines()


def lines_of(path: Path) -> list[str]:
    return [line.text for line in read_source(path) if line.text]


def line_of(path: Path, start: str) -> int:
    text = path.read_text(encoding="utf-8")
    return next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(start))


SEED_ACTIVITIES = expected("""
1 | Duy trì mục tuyên truyền CCHC trên Trang Thông tin điện tử của Sở và cập nhật thông tin về CCHC | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
2 | Đăng tải công khai tất cả các TTHC và các văn bản liên quan đến CCHC; cập nhật, đăng tải các nội dung tuyên truyền tại mục II lên Trang Thông tin điện tử thành phần của Sở | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
3 | Tuyên truyền thông qua xuất bản các bản tin, các Chuyên mục khoa học và công nghệ | CDS | lien-quan | Thường xuyên trong năm | 01/01-31/12
4 | Tổ chức tuyên truyền về công tác CCHC 2025 thông qua tổ chức các hoạt động nhân Ngày khoa học và công nghệ Việt Nam năm 2025, Tuần lễ Chuyển đổi số tỉnh Quảng Ngãi năm 2025; Ngày Chuyển đổi số quốc gia năm 2025 | VP, BCVT, CDS | lien-quan | Quý II/2025 | 01/04-30/06
5 | Tuyên truyền thông qua tổ chức đào tạo về duy trì, cải tiến, đánh giá nội bộ Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 cho các cơ quan hành chính nhà nước trên địa bàn tỉnh | TDC | - | Quý I - II/2025 | 01/01-30/06
6 | Tuyên truyền thông qua kiểm tra việc xây dựng, áp dụng, duy trì, cải tiến Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 vào hoạt động của các cơ quan hành chính nhà nước trên địa bàn tỉnh năm 2025 | CCTDC | - | Quý IV/2025 | 01/10-31/12
""")  # noqa: E501


# --- .txt: sentences ---------------------------------------------------------------------------

GIAO_LEAD_AND_HELPERS = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Cập nhật tin, bài về CCHC trên Trang thông tin điện tử của Sở. Giao Ban Biên tập chủ trì, phối hợp với các phòng, đơn vị thuộc Sở thực hiện thường xuyên trong năm.
2. Tổ chức Hội nghị tập huấn nghiệp vụ CCHC
- Giao Văn phòng Sở chủ trì, phối hợp với Phòng Kế hoạch - Tài chính và Thanh tra Sở tổ chức thực hiện. Thời gian thực hiện: Quý III/2025.
3. Phát hành bản tin khoa học và công nghệ; giao cho Trung tâm CĐS&ĐMST chủ trì, phối hợp với Phòng Quản lý Khoa học, Phòng QLCN&SHTT thực hiện trong Quý II - IV/2025.
"""  # noqa: E501


def test_giao_lead_chu_tri_phoi_hop_voi_coordinators(directory, calendar, tmp_path) -> None:
    plan = run(write_txt(tmp_path, GIAO_LEAD_AND_HELPERS), directory, calendar).require()
    assert summary(plan) == expected("""
1 | Cập nhật tin, bài về CCHC trên Trang thông tin điện tử của Sở | BBT | thuoc-so | thường xuyên trong năm | 01/01-31/12
2 | Tổ chức Hội nghị tập huấn nghiệp vụ CCHC | VP | KHTC, TTRA | Quý III/2025 | 01/07-30/09
3 | Phát hành bản tin khoa học và công nghệ | CDS | QLKH, QLCN | Quý II - IV/2025 | 01/04-31/12
""")  # noqa: E501


LEAD_THEN_HELPERS = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Tuyên truyền CCHC trên Trang thông tin điện tử của Sở
Ban Biên tập chủ trì; các phòng, đơn vị thuộc Sở phối hợp thực hiện thường xuyên trong năm.
2. Tổ chức Hội thi tìm hiểu về cải cách hành chính
- Văn phòng Sở chủ trì; Phòng Kế hoạch - Tài chính và Thanh tra Sở phối hợp. Thời gian: Quý III/2025.
3. In tờ rơi hướng dẫn nộp hồ sơ trực tuyến: TT CĐS&ĐMST chủ trì, Phòng BCVT&CNTT phối hợp, thực hiện trong tháng 5/2025.
4. Tọa đàm về ISO 9001:2015; Chi cục TĐC chủ trì, Phòng QL TĐC cùng phối hợp triển khai trong 6 tháng cuối năm 2025.
"""  # noqa: E501


def test_lead_chu_tri_then_coordinators_phoi_hop(directory, calendar, tmp_path) -> None:
    plan = run(write_txt(tmp_path, LEAD_THEN_HELPERS), directory, calendar).require()
    assert summary(plan) == expected("""
1 | Tuyên truyền CCHC trên Trang thông tin điện tử của Sở | BBT | thuoc-so | thường xuyên trong năm | 01/01-31/12
2 | Tổ chức Hội thi tìm hiểu về cải cách hành chính | VP | KHTC, TTRA | Quý III/2025 | 01/07-30/09
3 | In tờ rơi hướng dẫn nộp hồ sơ trực tuyến | CDS | BCVT | tháng 5/2025 | 01/05-31/05
4 | Tọa đàm về ISO 9001:2015 | CCTDC | TDC | 6 tháng cuối năm 2025 | 01/07-31/12
""")  # noqa: E501


GIAO_THE_WORK = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Giao Văn phòng Sở chủ trì tổ chức Hội nghị quán triệt công tác CCHC năm 2025 trong Quý III/2025.
2. Giao Ban Biên tập chủ trì cập nhật tin bài CCHC trên Trang thông tin điện tử của Sở, thực hiện thường xuyên trong năm.
3. Giao Chi cục TĐC chủ trì kiểm tra việc áp dụng ISO 9001:2015 tại các cơ quan hành chính; thời gian: Quý IV/2025.
4. Giao Trung tâm CĐS&ĐMST chủ trì, phối hợp với Phòng BCVT&CNTT xây dựng chuyên mục CCHC trên nền tảng số, hoàn thành trước ngày 30/9/2025.
"""  # noqa: E501


def test_giao_lead_chu_tri_the_work_is_the_title(directory, calendar, tmp_path) -> None:
    plan = run(write_txt(tmp_path, GIAO_THE_WORK), directory, calendar).require()
    assert summary(plan) == expected("""
1 | Tổ chức Hội nghị quán triệt công tác CCHC năm 2025 | VP | - | Quý III/2025 | 01/07-30/09
2 | Cập nhật tin bài CCHC trên Trang thông tin điện tử của Sở | BBT | - | thường xuyên trong năm | 01/01-31/12
3 | Kiểm tra việc áp dụng ISO 9001:2015 tại các cơ quan hành chính | CCTDC | - | Quý IV/2025 | 01/10-31/12
4 | Xây dựng chuyên mục CCHC trên nền tảng số | CDS | BCVT | trước ngày 30/9/2025 | 01/01-29/09
""")  # noqa: E501


# --- .txt: labelled lines ----------------------------------------------------------------------

FIELD_LINES = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Duy trì chuyên mục CCHC trên Trang thông tin điện tử của Sở
Đơn vị chủ trì: Ban Biên tập Trang thông tin điện tử
Đơn vị phối hợp: Các phòng, đơn vị thuộc Sở
Thời gian thực hiện: Thường xuyên trong năm
2. Tổ chức Hội thi tìm hiểu CCHC
Chủ trì: Văn phòng Sở; Phối hợp: Phòng Kế hoạch - Tài chính, Thanh tra Sở; Thời hạn hoàn thành: Quý III/2025.
3. Đào tạo về ISO 9001:2015 cho công chức
+ Cơ quan chủ trì: Phòng Quản lý TĐC.
+ Thời gian triển khai: từ ngày 01/3/2025 đến ngày 30/6/2025.
"""  # noqa: E501


def test_labelled_lines_one_per_field_or_several_on_one_line(directory, calendar, tmp_path) -> None:
    plan = run(write_txt(tmp_path, FIELD_LINES), directory, calendar).require()
    assert summary(plan) == expected("""
1 | Duy trì chuyên mục CCHC trên Trang thông tin điện tử của Sở | BBT | thuoc-so | Thường xuyên trong năm | 01/01-31/12
2 | Tổ chức Hội thi tìm hiểu CCHC | VP | KHTC, TTRA | Quý III/2025 | 01/07-30/09
3 | Đào tạo về ISO 9001:2015 cho công chức | TDC | - | từ ngày 01/3/2025 đến ngày 30/6/2025 | 01/03-30/06
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

ONE_ITEM_UNREADABLE = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Duy trì chuyên mục CCHC trên Trang thông tin điện tử của Sở
- Đơn vị chủ trì: Ban Biên tập.
- Đơn vị phối hợp: Các phòng, đơn vị thuộc Sở.
- Thời gian thực hiện: Thường xuyên trong năm.
- Mỗi tháng ít nhất 02 tin, bài.
2. Tổ chức Hội thi tìm hiểu về CCHC (đơn vị và thời gian thực hiện theo văn bản riêng).
3. Tập huấn nghiệp vụ CCHC; giao Văn phòng Sở chủ trì, phối hợp với Phòng Không Có và Thanh tra Sở thực hiện trong Quý III/2025.
4. Giao Chi cục TĐC chủ trì kiểm tra việc áp dụng ISO 9001:2015, thời gian: Quý IV/2025.
"""  # noqa: E501


def test_an_unreadable_item_costs_no_other_item(directory, calendar, tmp_path) -> None:
    path = write_txt(tmp_path, ONE_ITEM_UNREADABLE)
    result = run(path, directory, calendar)
    second, third = line_of(path, "2. Tổ chức Hội thi"), line_of(path, "3. Tập huấn")
    assert [str(p) for p in result.problems] == [
        f"{path}:{second}: activities[1].lead: no lead unit ('Đơn vị chủ trì: …')",
        f"{path}:{second}: activities[1].window: no time window ('Thời gian thực hiện: …')",
        f"{path}:{third}: activities[2].coordinators: "
        "no unit or group in the directory matches 'Phòng Không Có'",
    ]
    items = [{k: v for k, v in a.items() if k != "code"} for a in result.data["activities"]]
    assert items == [
        {
            "number": 1,
            "title": "Duy trì chuyên mục CCHC trên Trang thông tin điện tử của Sở",
            "lead": {"as_written": "Ban Biên tập", "units": ["BBT"]},
            "coordinators": {"as_written": "Các phòng, đơn vị thuộc Sở", "groups": ["thuoc-so"]},
            "window": "Thường xuyên trong năm",
        },
        {
            "number": 2,
            "title": "Tổ chức Hội thi tìm hiểu về CCHC"
            " (đơn vị và thời gian thực hiện theo văn bản riêng)",
        },
        {
            "number": 3,
            "title": "Tập huấn nghiệp vụ CCHC",
            "lead": {"as_written": "Văn phòng Sở", "units": ["VP"]},
            "coordinators": {"as_written": "Phòng Không Có và Thanh tra Sở", "units": ["TTRA"]},
            "window": "Quý III/2025",
        },
        {
            "number": 4,
            "title": "Kiểm tra việc áp dụng ISO 9001:2015",
            "lead": {"as_written": "Chi cục TĐC", "units": ["CCTDC"]},
            "window": "Quý IV/2025",
        },
    ]
    extra = line_of(path, "- Mỗi tháng")
    notes = [(n.line, n.message) for n in result.notes if n.path == "activities"]
    assert notes == [(extra, "not read as part of activity 1: '- Mỗi tháng ít nhất 02 tin, bài.'")]
    written = result.to_yaml()
    assert f"#   line {second}: activities[1].lead: no lead unit ('Đơn vị chủ trì: …')" in written
    assert len(yaml.safe_load(written)["activities"]) == 4


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
