"""`cchc plan next-year`: next year's draft moves dates by kind and marks what is to be filled."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from documents.plans.files import load_plan
from documents.plans.next_year import Draft, draft_next_year
from documents.plans.to_fill import unfilled
from domain.calendar import WorkingCalendar
from domain.errors import PlanInvalid
from domain.units import UnitDirectory
from domain.year_end import year_end_dates
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH

runner = CliRunner()
SOURCE = PLAN_PATH.read_text(encoding="utf-8")
FILES = ["--units", str(UNITS_PATH), "--calendar", str(OVERRIDES_PATH)]


def _draft(text: str = SOURCE, year: int = 2026) -> Draft:
    return draft_next_year(text, year=year, source=PLAN_PATH.name)


def _data(draft: Draft) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(draft.text)
    return data


def _with_window(text: str, window: str) -> str:
    """The plan with activity 4's window ('Quý II/…') written as `window`."""
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith('window: "Quý II/'))
    lines[at] = f'    window: "{window}"\n'
    return "".join(lines)


def _saved(draft: Draft, tmp_path: Path, name: str = "draft.yaml") -> Path:
    path = tmp_path / name
    path.write_text(draft.text, encoding="utf-8")
    return path


def _next_year(*args: str) -> Any:
    return runner.invoke(app, ["plan", "next-year", *args, *FILES])


def test_the_2026_draft_is_due_13_and_27_november(
    tmp_path: Path, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    path = _saved(_draft(), tmp_path)
    plan = load_plan(path, directory=directory, calendar=calendar)
    dates = year_end_dates(plan, calendar)
    assert (dates.unit_due, dates.final_due) == (date(2026, 11, 13), date(2026, 11, 27))
    assert plan.reporting.unit_report.deadline == "trước ngày 15/11/2026"
    assert plan.reporting.consolidated_report.deadline == "trước ngày 30/11/2026"


def test_the_draft_has_the_new_code_and_year() -> None:
    draft = _draft()
    data = _data(draft)
    assert (draft.code, data["code"], data["year"]) == (
        "2026-skhcn-quang-ngai",
        "2026-skhcn-quang-ngai",
        2026,
    )


def test_windows_keep_their_kind_and_quarters_stay_quarters() -> None:
    windows = [a["window"] for a in _data(_draft())["activities"]]
    assert windows == [
        "Thường xuyên trong năm",
        "Thường xuyên trong năm",
        "Thường xuyên trong năm",
        "Quý II/2026",
        "Quý I - II/2026",
        "Quý IV/2026",
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Tháng 5/2025", "Tháng 5/2026"),
        ("Tháng 5 - 6/2025", "Tháng 5 - 6/2026"),
        ("6 tháng đầu năm 2025", "6 tháng đầu năm 2026"),
        ("Năm 2025", "Năm 2026"),
        ("Từ ngày 01/3/2025 đến ngày 31/5/2025", "Từ ngày 01/3/2026 đến ngày 31/5/2026"),
        ("Trước ngày 30/6/2025", "Trước ngày 30/6/2026"),
        ("Quý 2 năm 2025", "Quý 2 năm 2026"),
    ],
)
def test_months_halves_and_dated_windows_move_to_the_new_year(before: str, after: str) -> None:
    draft = _draft(_with_window(SOURCE, before))
    assert _data(draft)["activities"][3]["window"] == after


def test_29_february_becomes_28_february_in_a_common_year(
    tmp_path: Path, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    leap = _with_window(_draft(year=2028).text, "Từ ngày 01/02/2028 đến ngày 29/02/2028")
    draft = _draft(leap, year=2029)
    assert _data(draft)["activities"][3]["window"] == "Từ ngày 01/02/2029 đến ngày 28/02/2029"
    assert any("29/02 → 28/02" in note and "2029" in note for note in draft.notes)
    assert "29/02 → 28/02" in draft.text  # the note is in the draft's header too
    load_plan(_saved(draft, tmp_path), directory=directory, calendar=calendar)


def test_a_year_round_window_without_a_year_is_left_as_it_is() -> None:
    draft = _draft()
    assert draft.text.count('window: "Thường xuyên trong năm"') == 3
    assert not any(".window" in c.path and "Thường" in c.what for c in draft.changed)


def test_plan_year_mentions_change_and_documents_periods_and_targets_are_kept() -> None:
    data, draft = _data(_draft()), _draft()
    assert data["title"].endswith("năm 2026 của Sở Khoa học và Công nghệ")
    assert data["budget"] == "Sử dụng kinh phí trong dự toán ngân sách nhà nước năm 2026."
    assert "CCHC 2026" in data["activities"][3]["title"]
    assert "năm 2025" not in data["activities"][3]["title"]
    assert "trước ngày 15/11/2026" in data["organization"][2]
    assert "nhiệm vụ năm 2026" in data["organization"][2]
    structure = data["topics"][4]["subtopics"][2]["paragraphs"][0]
    assert "Luật Tổ chức chính quyền địa phương năm 2025" in structure
    assert "giai đoạn 2023 - 2025" in structure
    assert (
        "đến năm 2025, định hướng đến năm 2030"
        in data["topics"][4]["subtopics"][1]["paragraphs"][1]
    )
    assert {c.what.split("(")[-1] for c in draft.kept} == {
        "part of a period)",
        "a target year)",
        "names a document)",
    }
    assert "activities[3].title" in {c.path for c in draft.changed}


def test_comments_are_kept_and_quoted_deadlines_in_them_move() -> None:
    text = _draft().text
    assert "# IV. HÌNH THỨC TUYÊN TRUYỀN" in text
    assert '# ("trước ngày 15/11/2026")' in text
    assert "15/11/2025" not in text.split("# Header of the 2025 plan:")[1]


def test_fields_to_fill_are_listed_with_file_and_line(tmp_path: Path) -> None:
    path = _saved(_draft(), tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = {
        key: 1 + next(i for i, s in enumerate(lines) if s.startswith(f"{key}:"))
        for key in ("number", "issued_on", "legal_bases")
    }
    found = unfilled(path)
    assert [line.split(" to be filled")[0] for line in found] == [
        f"{path}:{at['number']}: number:",
        f"{path}:{at['issued_on']}: issued_on:",
        f"{path}:{at['legal_bases']}: legal_bases:",
    ]
    assert "năm 2025: 281" in found[0]


def test_a_filled_draft_has_nothing_left_and_still_loads(
    tmp_path: Path, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    text = _draft().text
    lines = [line for line in text.splitlines() if not line.lstrip().startswith('- "ĐIỀN:')]
    filled = "\n".join(line.split("  # ĐIỀN:")[0] for line in lines) + "\n"
    basis = '\nlegal_bases:\n  - "Căn cứ Kế hoạch số 12/KH-SKHCN ngày 10/3/2026."'
    filled = filled.replace("\nnumber: 1\n", "\nnumber: 17\n").replace("\nlegal_bases:", basis)
    path = tmp_path / "filled.yaml"
    path.write_text(filled, encoding="utf-8")
    assert unfilled(path) == []
    assert load_plan(path, directory=directory, calendar=calendar).number == 17


def test_only_the_comment_removed_still_leaves_the_placeholder_to_fill(tmp_path: Path) -> None:
    text = _draft().text.replace("legal_bases:  # ĐIỀN:", "legal_bases:  # done:")
    found = unfilled(_saved(Draft(text, "", 2026), tmp_path))
    assert [line.split(": ")[1] for line in found] == ["number", "issued_on", "legal_bases"]


def test_a_window_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(PlanInvalid, match=r"activities\[3\]\.window"):
        _draft(_with_window(SOURCE, "Quý V/2025"))


# --- the command ---------------------------------------------------------------------------


def test_the_command_writes_the_draft_and_prints_the_deadlines(tmp_path: Path) -> None:
    output = tmp_path / "2026.yaml"
    result = _next_year(str(PLAN_PATH), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert "unit_reports_due=2026-11-13" in result.stdout
    assert "report_to_ubnd_due=2026-11-27" in result.stdout
    assert f"changed: {output}:" in result.stdout
    assert "number: to be filled" in result.stdout
    deadlines = runner.invoke(app, ["plan", "deadlines", str(output), *FILES])
    assert deadlines.exit_code == 0, deadlines.output
    assert deadlines.stdout.split() == [
        "unit_reports_due=2026-11-13",
        "report_to_ubnd_due=2026-11-27",
    ]


def test_validate_warns_for_each_field_to_fill_and_still_passes(tmp_path: Path) -> None:
    output = tmp_path / "2026.yaml"
    assert _next_year(str(PLAN_PATH), "-o", str(output)).exit_code == 0
    result = runner.invoke(app, ["plan", "validate", str(output), *FILES])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "to be filled" in line]
    assert [w.split(": ")[2] for w in warnings] == ["number", "issued_on", "legal_bases"]
    assert all(w.startswith(f"warning: {output}:") for w in warnings)
    assert "has no entry" not in result.stderr  # 2026 is in the override table


def test_an_explicit_year_without_calendar_entry_is_drafted_and_warned_about(
    tmp_path: Path,
) -> None:
    output = tmp_path / "2031.yaml"
    result = _next_year(str(PLAN_PATH), "-o", str(output), "--year", "2031")
    assert result.exit_code == 0, result.output
    assert "has no entry for 2031" in " ".join(result.stderr.split())
    data = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert (data["code"], data["year"]) == ("2031-skhcn-quang-ngai", 2031)
    assert data["activities"][3]["window"] == "Quý II/2031"
    checked = runner.invoke(app, ["plan", "validate", str(output), *FILES])
    assert checked.exit_code == 0, checked.output
    assert "has no entry for 2031" in " ".join(checked.stderr.split())


def test_an_existing_output_is_kept_unless_forced(tmp_path: Path) -> None:
    output = tmp_path / "2026.yaml"
    output.write_text("mine\n", encoding="utf-8")
    refused = _next_year(str(PLAN_PATH), "-o", str(output))
    assert refused.exit_code == 1
    assert "--force" in refused.stderr
    assert output.read_text(encoding="utf-8") == "mine\n"
    forced = _next_year(str(PLAN_PATH), "-o", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    assert output.read_text(encoding="utf-8").startswith("# DRAFT of the 2026 plan")


def test_an_invalid_plan_gets_located_errors_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(_with_window(SOURCE, "Quý V/2025"), encoding="utf-8")
    output = tmp_path / "2026.yaml"
    result = _next_year(str(source), "-o", str(output))
    assert result.exit_code == 1
    assert f"error: {source}:" in result.stderr
    assert "activities[3].window" in result.stderr
    assert not output.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_a_year_not_after_the_plans_is_refused(tmp_path: Path) -> None:
    result = _next_year(str(PLAN_PATH), "-o", str(tmp_path / "x.yaml"), "--year", "2025")
    assert result.exit_code == 1
    assert not (tmp_path / "x.yaml").exists()


def test_a_unit_no_longer_in_the_directory_is_warned_with_file_and_line(tmp_path: Path) -> None:
    units = UNITS_PATH.read_text(encoding="utf-8")
    start, end = units.index("  - code: BBT"), units.index("  - code: VP")
    smaller = tmp_path / "units.yaml"
    smaller.write_text(units[:start] + units[end:], encoding="utf-8")
    output = tmp_path / "2026.yaml"
    files = ["--units", str(smaller), "--calendar", str(OVERRIDES_PATH)]
    result = runner.invoke(app, ["plan", "next-year", str(PLAN_PATH), "-o", str(output), *files])
    assert result.exit_code == 0, result.output
    lines = output.read_text(encoding="utf-8").splitlines()
    first = 1 + next(i for i, s in enumerate(lines) if s.strip() == "units: [BBT]")
    warnings = [s for s in result.stderr.splitlines() if "'BBT'" in s]
    assert len(warnings) == 2  # activities 1 and 2 are led by BBT
    assert warnings[0].startswith(f"warning: {output}:{first}: activities[0].lead.units[0]:")
