"""Free text in a plan: wrapped lines joined; unit names, recipients, time windows in sentences."""

from __future__ import annotations

from datetime import date

import pytest

from documents.plans.import_names import NameResolver
from documents.plans.import_text import join_wrapped, logical_lines
from documents.plans.sources import lines_from_text
from domain.phrases import find_window
from domain.plan import Activity
from domain.units import UnitDirectory
from tests.unit.plan_import_kit import SECTION_IV, SEED, read

# --- sentences and wrapped lines ------------------------------------------------------------


SENTENCES = """IV. HÌNH THỨC TUYÊN TRUYỀN
1. Duy trì mục tuyên truyền CCHC trên Trang Thông tin điện tử của Sở; giao Ban Biên tập Trang thông tin điện tử của Sở chủ trì, phối hợp với các phòng, đơn vị thuộc Sở thực hiện thường xuyên trong năm.
2. Tổ chức tập huấn nghiệp vụ CCHC cho công chức, viên chức. Giao VP Sở chủ trì, phối hợp với TT CĐS&ĐMST và Chi cục TĐC thực hiện trong quý 2 năm 2025.
3. Tuyên truyền về Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015
Giao Phòng QL TĐC chủ trì thực hiện trong Quý I-II/2025.
4. Phát hành tờ rơi về dịch vụ công trực tuyến; giao TT CĐS&ĐMST chủ trì, thời gian: tháng 5/2025.
5. Tọa đàm về chuyển đổi số; giao Văn phòng Sở chủ trì, phối hợp với Phòng BCVT&CNTT, thực hiện trong năm 2025.
"""  # noqa: E501


def _without_aliases(directory: UnitDirectory) -> UnitDirectory:
    units = [u.model_copy(update={"aliases": []}) for u in directory.units]
    return directory.model_copy(update={"units": units})


def test_activities_as_sentences_with_abbreviated_unit_names(directory, calendar) -> None:
    text = SEED.replace(SECTION_IV, SENTENCES)
    imported = read(text, _without_aliases(directory), calendar).require()
    got = [_summary(a) for a in imported.activities]
    assert got == [
        (1, ["BBT"], ["thuoc-so"], "thường xuyên trong năm", date(2025, 1, 1), date(2025, 12, 31)),
        (2, ["VP"], ["CDS", "CCTDC"], "quý 2 năm 2025", date(2025, 4, 1), date(2025, 6, 30)),
        (3, ["TDC"], [], "Quý I-II/2025", date(2025, 1, 1), date(2025, 6, 30)),
        (4, ["CDS"], [], "tháng 5/2025", date(2025, 5, 1), date(2025, 5, 31)),
        (5, ["VP"], ["BCVT"], "trong năm 2025", date(2025, 1, 1), date(2025, 12, 31)),
    ]
    assert (
        imported.activities[1].title == "Tổ chức tập huấn nghiệp vụ CCHC cho công chức, viên chức"
    )
    assert imported.activities[1].coordinators is not None
    assert imported.activities[1].coordinators.as_written == "TT CĐS&ĐMST và Chi cục TĐC"


def _summary(a: Activity) -> tuple[object, ...]:
    helpers = a.coordinators
    codes = (helpers.units or helpers.groups) if helpers else []
    window = a.time_window(2025)
    return a.number, a.lead.units, codes, a.window, window.start, window.end


def test_wrapped_lines_are_joined_and_keep_their_first_line() -> None:
    lines = logical_lines(lines_from_text("1. Phổ biến các quan điểm\ncủa Đảng;\n\nTiếp theo"))
    assert [(line.no, line.text) for line in lines] == [
        (1, "1. Phổ biến các quan điểm của Đảng;"),
        (4, "Tiếp theo"),
    ]


def test_pdf_lines_that_reach_the_margin_go_on_in_the_next_line() -> None:
    text = (
        "4. Tình hình triển khai, kết quả, thành tựu và công tác chỉ đạo của Tỉnh ủy\n"
        "UBND tỉnh nhằm tiếp tục nâng cao chất lượng, hiệu quả của nền hành chính\n"
        "(PCI),...\n"
        "5. Các nội dung cơ bản của công tác CCHC\n"
        "a) Cải cách thể chế: Tuyên truyền để nâng cao chất lượng công tác xây dựng\n"
        "- Hiệu quả trong việc đổi mới thực hiện cơ chế một cửa, một cửa liên thông"
    )
    lines = join_wrapped(lines_from_text(text))
    assert [(line.no, line.text[:12]) for line in lines] == [
        (1, "4. Tình hình"),
        (4, "5. Các nội d"),
        (5, "a) Cải cách "),
        (6, "- Hiệu quả t"),
    ]
    assert lines[0].text.endswith("nền hành chính (PCI),...")


# --- names and phrases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units", "groups", "unmatched"),
    [
        (
            "Văn phòng Sở, Phòng Bưu chính - Viễn thông và Công nghệ thông tin, "
            "Trung tâm Chuyển đổi số và Đổi mới sáng tạo",
            ["VP", "BCVT", "CDS"],
            [],
            [],
        ),
        ("Các phòng, đơn vị trực thuộc Sở", [], ["thuoc-so"], []),
        ("VP Sở và Phòng Không Có", ["VP"], [], ["Phòng Không Có"]),
        ("TT CĐS&ĐMST; Chi cục TĐC", ["CDS", "CCTDC"], [], []),
        ("Sở", [], [], ["Sở"]),
    ],
)
def test_names_resolve_against_the_directory(
    directory, text: str, units: list[str], groups: list[str], unmatched: list[str]
) -> None:
    found = NameResolver(_without_aliases(directory)).resolve(text)
    assert (found.units, found.groups, found.unmatched) == (units, groups, unmatched)


def test_recipients_by_abbreviation_and_by_the_start_of_their_name(directory) -> None:
    found = NameResolver(directory).resolve(
        "UBND tỉnh (b/cáo), Sở Nội vụ, GĐ, các PGĐ Sở", people=True
    )
    assert found.people == ["UBND", "SNV", "GD", "PGD"]


@pytest.mark.parametrize(
    ("sentence", "window"),
    [
        ("thực hiện trong Quý I - II/2025.", "Quý I - II/2025"),
        ("triển khai vào quý 2 năm 2025, tại Sở", "quý 2 năm 2025"),
        ("tổ chức trong tháng 5/2025", "tháng 5/2025"),
        ("thực hiện trong năm 2025; báo cáo", "trong năm 2025"),
        ("chưa rõ thời gian", None),
    ],
)
def test_a_window_is_found_inside_a_sentence(sentence: str, window: str | None) -> None:
    found = find_window(sentence, year=2025)
    assert (found.text if found else None) == window
