"""Section IV of a .txt plan, in sentences or labelled lines, imports item by item."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.unit.plan_documents import write_txt
from tests.unit.plan_layouts_kit import expected, run, summary


def line_of(path: Path, start: str) -> int:
    text = path.read_text(encoding="utf-8")
    return next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(start))


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
