"""What an import cannot determine is named with its line; any text gives a plan or PlanInvalid."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.plans.importer import PlanImport, import_document
from domain.errors import PlanInvalid
from domain.plan import Plan
from tests.unit.plan_import_kit import SEED, line_no, read


def problems_of(result: PlanImport) -> list[tuple[str, int | None]]:
    return [(p.path, p.line) for p in result.problems]


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
