"""`cchc report excel`: the progress workbook written from the database by the command."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PLAN_CODE

runner = CliRunner()


def test_report_excel_writes_the_workbook_with_every_task(loaded: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "tien-do.xlsx"
    args = ["report", "excel", "--plan", PLAN_CODE, "-o", str(target), "--at", "2025-11-17T08:00"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {target}"
    with closing(sqlite3.connect(loaded.removeprefix("sqlite:///"))) as conn:
        (tasks,) = conn.execute("SELECT count(*) FROM tasks").fetchone()
    book = load_workbook(target)
    assert book.sheetnames == ["Tiến độ", "Nhiệm vụ", "Minh chứng", "Số liệu"]
    assert book["Nhiệm vụ"].max_row - 1 == tasks > 0
    assert book.properties.title.startswith("Tiến độ thực hiện Kế hoạch số")


def test_report_excel_refuses_a_file_that_is_not_xlsx(loaded: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "excel", "-o", str(tmp_path / "tien-do.csv")])
    assert result.exit_code == 2
    assert ".xlsx" in result.output
    assert not (tmp_path / "tien-do.csv").exists()


def test_report_excel_names_an_unknown_plan(loaded: str, tmp_path: Path) -> None:
    target = tmp_path / "tien-do.xlsx"
    result = runner.invoke(app, ["report", "excel", "--plan", "no-such-plan", "-o", str(target)])
    assert result.exit_code == 1
    assert "no-such-plan" in result.stderr
    assert not target.exists()
