"""`cchc plan import` end to end: the file it writes, exit codes, what it says on stderr."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from cli.main import app
from documents.plans.files import load_plan
from tests.conftest import PLAN_PATH, SEED_PATH, UNITS_PATH

runner = CliRunner()
SEED = SEED_PATH.read_text(encoding="utf-8")
UNITS = ["--units", str(UNITS_PATH)]


def test_the_seed_imports_and_validates(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = runner.invoke(app, ["plan", "import", str(SEED_PATH), "-o", str(out), *UNITS])
    assert result.exit_code == 0, result.output
    assert "6 activities, complete" in result.stdout
    assert "note:" in result.stderr
    assert "'VT'" in result.stderr
    checked = runner.invoke(app, ["plan", "validate", str(out), *UNITS])
    assert checked.exit_code == 0, checked.output
    assert "180 tasks" in checked.stdout


def test_with_the_previous_version_it_is_the_hand_written_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    args = ["plan", "import", str(SEED_PATH), "-o", str(out), "--previous", str(PLAN_PATH)]
    assert runner.invoke(app, [*args, *UNITS]).exit_code == 0
    assert load_plan(out) == load_plan(PLAN_PATH)


def test_a_docx_imports(tmp_path: Path) -> None:
    document = Document()
    for line in SEED.splitlines():
        document.add_paragraph(line)
    doc = tmp_path / "281.docx"
    document.save(str(doc))
    out = tmp_path / "plan.yaml"
    result = runner.invoke(app, ["plan", "import", str(doc), "-o", str(out), *UNITS])
    assert result.exit_code == 0, result.output
    assert load_plan(out).number_symbol == "281/KH-SKHCN"


def _broken(tmp_path: Path) -> tuple[Path, int]:
    text = SEED.replace("- Thời gian thực hiện: Quý II/2025.\n", "")
    doc = tmp_path / "broken.txt"
    doc.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("4. Tổ chức"))
    return doc, line


def test_what_cannot_be_determined_exits_1_with_the_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    doc, line = _broken(tmp_path)
    out = tmp_path / "plan.yaml"
    result = runner.invoke(app, ["plan", "import", str(doc), "-o", str(out), *UNITS])
    assert result.exit_code == 1
    errors = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert errors == [
        f"error: {doc}:{line}: activities[3].window: no time window ('Thời gian thực hiện: …')"
    ]
    assert result.stdout == ""
    assert not out.exists()


def test_partial_writes_what_it_found_with_the_review_list(tmp_path: Path) -> None:
    doc, line = _broken(tmp_path)
    out = tmp_path / "plan.yaml"
    args = ["plan", "import", str(doc), "-o", str(out), "--partial", *UNITS]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 to review" in result.stdout
    assert f"review: {doc}:{line}: activities[3].window" in result.stderr
    assert f"#   line {line}: activities[3].window" in out.read_text(encoding="utf-8")
    checked = runner.invoke(app, ["plan", "validate", str(out), *UNITS])
    assert checked.exit_code == 1
    assert "activities[3].window" in checked.stderr


def test_unreadable_and_missing_documents_exit_1(tmp_path: Path) -> None:
    odt = tmp_path / "plan.odt"
    odt.write_bytes(b"x")
    for doc in (odt, tmp_path / "missing.txt"):
        result = runner.invoke(app, ["plan", "import", str(doc), "-o", str(tmp_path / "p.yaml")])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {doc}")


def test_output_is_required() -> None:
    assert runner.invoke(app, ["plan", "import", str(SEED_PATH)]).exit_code == 2
