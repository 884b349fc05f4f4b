"""A plan document (.txt, .docx) imports to the plan data, or says what it could not read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.table import _Cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.plans.import_names import NameResolver
from documents.plans.import_text import join_wrapped, logical_lines
from documents.plans.importer import PlanImport, import_document, import_text
from documents.plans.sources import lines_from_text
from domain.calendar import WorkingCalendar
from domain.errors import PlanInvalid
from domain.phrases import find_window
from domain.plan import Activity, Plan
from domain.units import UnitDirectory
from tests.conftest import SEED_PATH

SEED = SEED_PATH.read_text(encoding="utf-8")
SECTION_IV = SEED[SEED.index("IV. HÌNH THỨC TUYÊN TRUYỀN") : SEED.index("V. KINH PHÍ THỰC HIỆN")]


def same_but_codes(imported: Plan, written: Plan) -> Plan:
    """`imported` with the hand-written activity codes, which no document contains."""
    assert len(imported.activities) == len(written.activities)
    activities = [
        a.model_copy(update={"code": w.code})
        for a, w in zip(imported.activities, written.activities, strict=True)
    ]
    return imported.model_copy(update={"activities": activities})


def read(
    text: str, directory: UnitDirectory, calendar: WorkingCalendar, plan: Plan | None = None
) -> PlanImport:
    return import_text(text, directory=directory, calendar=calendar, previous=plan)


def line_no(text: str, start: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(start))


def problems_of(result: PlanImport) -> list[tuple[str, int | None]]:
    return [(p.path, p.line) for p in result.problems]


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


# --- other layouts --------------------------------------------------------------------------


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


def test_broken_header_lines_extra_blank_lines_and_crlf(directory, calendar, plan) -> None:
    text = (
        SEED.replace("Số:  281  /KH-SKHCN", "Số:  281\n  /KH-SKHCN")
        .replace("ngày 26  tháng 3 năm 2025", "ngày 26  tháng 3\nnăm 2025")
        .replace("SỞ KHOA HỌC VÀ CÔNG NGHỆ\n", "SỞ KHOA HỌC\nVÀ CÔNG NGHỆ\n")
        .replace("cải cách hành chính năm 2025\n", "cải cách\nhành chính năm 2025\n", 1)
        .replace("\n", " \t\r\n\r\n \r\n")
    )
    assert read(text, directory, calendar, plan).require() == plan


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


# --- what cannot be determined is named with its line ---------------------------------------


def test_a_missing_section_is_named_where_it_should_have_been(directory, calendar) -> None:
    text = SEED.replace(
        "V. KINH PHÍ THỰC HIỆN\nSử dụng kinh phí trong dự toán ngân sách nhà nước năm 2025.\n", ""
    )
    result = read(text, directory, calendar)
    assert problems_of(result) == [("budget", line_no(text, "VI. TỔ CHỨC"))]
    with pytest.raises(PlanInvalid, match=r"<text>:\d+: budget: no section 'V. KINH PHÍ"):
        result.require()


def test_a_missing_window_names_the_activity_line(directory, calendar) -> None:
    text = SEED.replace("- Thời gian thực hiện: Quý II/2025.\n", "")
    result = read(text, directory, calendar)
    assert problems_of(result) == [("activities[3].window", line_no(text, "4. Tổ chức"))]
    assert "window" not in result.data["activities"][3]


def test_an_unreadable_window_is_named_with_its_line(directory, calendar) -> None:
    text = SEED.replace("Quý IV/2025.", "sớm nhất có thể.")
    result = read(text, directory, calendar)
    assert problems_of(result) == [
        ("activities[5].window", line_no(text, "- Thời gian thực hiện: sớm"))
    ]
    assert "not a time window" in result.problems[0].message


def test_an_unknown_unit_is_listed_never_invented(directory, calendar) -> None:
    text = SEED.replace(
        "Đơn vị chủ trì thực hiện: Văn phòng Sở,", "Đơn vị chủ trì thực hiện: Phòng Không Có,"
    )
    result = read(text, directory, calendar)
    line = line_no(text, "- Đơn vị chủ trì thực hiện: Phòng Không Có")
    assert problems_of(result) == [("activities[3].lead", line)]
    assert "'Phòng Không Có'" in result.problems[0].message
    assert result.data["activities"][3]["lead"]["units"] == ["BCVT", "CDS"]


def test_missing_reporting_deadlines_and_recipients(directory, calendar) -> None:
    text = SEED[: SEED.index("\tNơi nhận")].replace(" trước ngày 30/11/2025", "")
    result = read(text, directory, calendar)
    deadline_line = line_no(text, "3. Các phòng, đơn vị thuộc Sở báo cáo")
    assert problems_of(result) == [
        ("reporting.consolidated_report.deadline", deadline_line),
        ("recipients", len(text.splitlines())),
    ]


def test_no_header_and_no_sections(directory, calendar) -> None:
    result = read("Ghi chú nội bộ\n\nkhông phải kế hoạch", directory, calendar)
    paths = [p.path for p in result.problems]
    assert {"title", "number", "issued_on", "issuer", "purposes", "topics"} <= set(paths)
    assert {"activities", "budget", "reporting", "recipients"} <= set(paths)
    assert all(p.file == "<text>" for p in result.problems)


def test_a_partial_import_writes_the_review_list_as_comments(directory, calendar) -> None:
    text = SEED.replace("- Thời gian thực hiện: Quý II/2025.\n", "")
    written = read(text, directory, calendar).to_yaml()
    review = [line for line in written.splitlines() if line.startswith("#   line")]
    assert review[0] == (
        f"#   line {line_no(text, '4. Tổ chức')}: activities[3].window: "
        "no time window ('Thời gian thực hiện: …')"
    )
    data = yaml.safe_load(written)
    assert "review" not in data
    assert data["activities"][3]["lead"]["units"] == ["VP", "BCVT", "CDS"]


# --- reading files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.odt", b"x", "unsupported file type"),
        ("plan.txt", "Kế hoạch".encode("utf-16"), "not UTF-8"),
        ("plan.docx", b"not a zip", "cannot read the document"),
    ],
)
def test_unreadable_files_raise_plan_invalid(
    directory, calendar, tmp_path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanInvalid, match=message):
        import_document(path, directory=directory, calendar=calendar)


def test_a_pdf_without_pdftotext_says_what_is_needed(
    directory, calendar, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(PlanInvalid, match="pdftotext"):
        import_document(path, directory=directory, calendar=calendar)


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


# --- any text: a plan or a clean error -------------------------------------------------------

_SEED_LINES = SEED.splitlines()
_SNIPPETS = [
    "I. MỤC ĐÍCH",
    "IV. HÌNH THỨC TUYÊN TRUYỀN",
    "VI. TỔ CHỨC THỰC HIỆN",
    "1. ",
    "a) Tiêu đề: ",
    "- Đơn vị chủ trì thực hiện: ",
    "- Thời gian thực hiện: Quý V/2025",
    "STT | Hình thức | Đơn vị chủ trì | Thời gian",
    "1 | x | VP | tháng 13/2025",
    "giao VP Sở chủ trì, phối hợp với",
    "trước ngày 31/2/2025",
    "Số: 0/KH-X",
    "Hà Nội, ngày 99 tháng 99 năm 9999",
    "Nơi nhận:",
    "KẾ HOẠCH",
]
_LINE = st.one_of(
    st.sampled_from(_SEED_LINES),
    st.sampled_from(_SNIPPETS),
    st.text(alphabet=st.sampled_from("aăâđêôơưAĐ Ợ0129IVX|:;,.()/-–\t"), max_size=40),
    st.text(max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, max_size=40))
def test_any_text_gives_a_plan_or_plan_invalid(directory, calendar, lines: list[str]) -> None:
    _plan_or_plan_invalid(read("\n".join(lines), directory, calendar))


@settings(max_examples=100, deadline=None)
@given(keep=st.lists(st.booleans(), min_size=len(_SEED_LINES), max_size=len(_SEED_LINES)))
def test_the_seed_with_lines_dropped_gives_a_plan_or_plan_invalid(
    directory, calendar, keep: list[bool]
) -> None:
    text = "\n".join(line for line, k in zip(_SEED_LINES, keep, strict=True) if k)
    _plan_or_plan_invalid(read(text, directory, calendar))


def _plan_or_plan_invalid(result: PlanImport) -> None:
    assert result.to_yaml()
    if result.problems or result.plan is None:
        with pytest.raises(PlanInvalid) as raised:
            result.require()
        assert raised.value.problems
        assert all(p.file == "<text>" for p in raised.value.problems)
    else:
        assert isinstance(result.require(), Plan)
