"""`cchc plan rehearsal` end to end: the copy it writes passes the other plan commands, and
what it refuses leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH

runner = CliRunner()
FILES = ["--units", str(UNITS_PATH), "--calendar", str(OVERRIDES_PATH)]


def rehearse(source: Path, output: Path, *extra: str) -> tuple[int, str, str]:
    args = ["plan", "rehearsal", str(source), "-o", str(output), *extra, *FILES]
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_the_copy_passes_validate_show_and_deadlines(tmp_path: Path) -> None:
    copy = tmp_path / "dien-tap.yaml"
    code, stdout, stderr = rehearse(PLAN_PATH, copy, "--start", "03/12/2026")
    assert code == 0, stderr
    assert "2025-skhcn-quang-ngai-dien-tap-20261203, opens 03/12/2026 (+701 days" in stdout
    assert copy.read_text(encoding="utf-8").startswith("# DIỄN TẬP")
    validated = runner.invoke(app, ["plan", "validate", str(copy), *FILES])
    assert validated.exit_code == 0, validated.stderr
    assert "2025-skhcn-quang-ngai-dien-tap-20261203" in validated.stdout
    shown = runner.invoke(app, ["plan", "show", str(copy), *FILES])
    assert shown.exit_code == 0, shown.stderr
    assert "02/12/2027" in shown.stdout  # dates in the next year are shown with their year
    deadlines = runner.invoke(app, ["plan", "deadlines", str(copy), *FILES])
    assert deadlines.stdout.splitlines() == [
        "unit_reports_due=2027-10-15",
        "report_to_ubnd_due=2027-10-29",
    ]


def test_an_existing_output_is_kept_unless_forced(tmp_path: Path) -> None:
    copy = tmp_path / "dien-tap.yaml"
    copy.write_text("kept\n", encoding="utf-8")
    code, _stdout, stderr = rehearse(PLAN_PATH, copy, "--start", "2026-12-03")
    assert code == 1
    assert "exists; add --force" in stderr
    assert copy.read_text(encoding="utf-8") == "kept\n"
    code, _stdout, stderr = rehearse(PLAN_PATH, copy, "--start", "2026-12-03", "--force")
    assert code == 0, stderr
    assert "rehearsal: true" in copy.read_text(encoding="utf-8")


def test_an_invalid_plan_gives_its_located_errors_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = PLAN_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace('"Quý II/2025"', '"Quý V/2025"'), encoding="utf-8")
    copy = tmp_path / "dien-tap.yaml"
    code, _stdout, stderr = rehearse(broken, copy, "--start", "2026-12-03")
    assert code == 1
    assert "broken.yaml:" in stderr
    assert "activities[3].window" in stderr
    assert not copy.exists()


def test_a_start_whose_deadlines_straddle_tet_writes_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "dien-tap.yaml"
    code, _stdout, stderr = rehearse(PLAN_PATH, copy, "--start", "2027-03-05")
    assert code == 1
    assert "policy.year_end.ladder" in stderr
    assert "try another --start" in stderr
    assert not copy.exists()
