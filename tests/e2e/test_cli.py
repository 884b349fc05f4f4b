"""The `cchc` command end to end: exit codes, output, README and --help kept true."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PLAN_CODE, PLAN_PATH, ROOT

runner = CliRunner()


def commands() -> list[tuple[str, Any]]:
    """Every leaf command as its full name, e.g. 'cchc plan validate'."""
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}", sub)
        else:
            found.append((prefix, command))

    walk("cchc", typer.main.get_command(app))
    return found


def test_there_are_commands_to_check() -> None:
    names = [name for name, _ in commands()]
    assert {"cchc plan validate", "cchc calendar due", "cchc db upgrade", "cchc status"} <= set(
        names
    )


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_appears_in_the_readme(name: str) -> None:
    assert f"`{name}" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = runner.invoke(app, [*name.split()[1:], "--help"])
    assert result.exit_code == 0
    assert re.search(rf"Example:.*{re.escape(name)}", result.output), result.output


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("trước ngày 15/11/2025", "2025-11-14"),
        ("trước ngày 30/11/2025", "2025-11-28"),
        ("trước ngày 15/11/2026", "2026-11-13"),
    ],
)
def test_calendar_due_prints_the_date_alone(phrase: str, expected: str) -> None:
    result = runner.invoke(app, ["calendar", "due", phrase])
    assert result.exit_code == 0
    assert result.stdout == f"{expected}\n"


def test_calendar_due_rejects_nonsense_with_exit_1() -> None:
    result = runner.invoke(app, ["calendar", "due", "khi nào rảnh"])
    assert result.exit_code == 1
    assert "not a deadline" in result.stderr
    assert result.stdout == ""


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["calendar", "due"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_workdays_across_tet_2026() -> None:
    result = runner.invoke(app, ["calendar", "workdays", "09/02/2026", "2026-02-27"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "10"


def test_plan_validate_and_show() -> None:
    ok = runner.invoke(app, ["plan", "validate", str(PLAN_PATH)])
    assert ok.exit_code == 0
    assert "281/KH-SKHCN" in ok.stdout
    assert "180 tasks" in ok.stdout
    shown = runner.invoke(app, ["plan", "show", str(PLAN_PATH)])
    assert shown.exit_code == 0
    assert "science-digital-events" in shown.stdout
    assert "14/11" in shown.stdout


def test_load_before_upgrade_says_what_to_do(tmp_path: Path) -> None:
    env = {"CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=env)
    assert result.exit_code == 1
    assert "cchc db upgrade" in result.stderr


def test_upgrade_load_twice_and_status(tmp_path: Path) -> None:
    env = {"CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cchc.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    first = runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=env)
    assert first.exit_code == 0
    assert "180 tasks created" in first.stdout
    again = runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=env)
    assert again.exit_code == 0
    assert "plan unchanged" in again.stdout
    assert "0 tasks created" in again.stdout
    status = runner.invoke(app, ["status", "--at", "2025-11-17T07:30"], env=env)
    assert status.exit_code == 0
    row = next(line for line in status.stdout.splitlines() if "Ban Biên tập" in line)
    # BBT leads the two website activities (6 tasks each, all due by 14/11) and coordinates
    # none: nothing submitted, so on 17/11 all 12 are overdue and none is still to open.
    assert [int(n) for n in re.findall(r"\d+", row)] == [0, 0, 0, 12, 0]


def test_the_installed_console_script_runs() -> None:
    script = Path(sys.executable).with_name("cchc")
    done = subprocess.run(
        [str(script), "calendar", "due", "trước ngày 15/11/2025"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, "2025-11-14\n")


def test_report_build_writes_the_three_files_and_names_the_missing(
    loaded: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "build",
            "--plan",
            PLAN_CODE,
            "--out",
            str(tmp_path / "r"),
            "--at",
            "2025-11-17T08:00",
        ],
    )
    assert result.exit_code == 0, result.output
    for suffix in ("docx", "md", "html"):
        assert (tmp_path / "r" / f"report-2025-draft.{suffix}").stat().st_size > 1000
    assert "Đơn vị chưa gửi báo cáo: Ban Biên tập" in result.output  # no unit report yet


def test_activate_refuses_a_plan_whose_work_is_all_past(tmp_path: Path) -> None:
    """The 2025 plan's last stage was due in 2025: starting it now would mail links to
    tasks long due, so nothing is started and nothing is queued (no Prefect server needed)."""
    db = tmp_path / "cchc.db"
    env = {"CCHC_DATABASE_URL": f"sqlite:///{db}", "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=env).exit_code == 0
    result = runner.invoke(app, ["plan", "activate", "--plan", PLAN_CODE], env=env)
    assert result.exit_code == 1
    assert "2025-skhcn-quang-ngai" in result.stderr
    assert "nothing is started" in " ".join(result.stderr.split())
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


@pytest.mark.parametrize(
    ("year", "unit_due", "final_due"),
    [
        ("2025", "2025-11-14", "2025-11-28"),  # 15/11/2025 a Saturday, 30/11 a Sunday
        ("2026", "2026-11-13", "2026-11-27"),  # 15/11/2026 a Sunday, 30/11 a Monday
    ],
)
def test_plan_deadlines_prints_name_equals_date(
    tmp_path: Path, year: str, unit_due: str, final_due: str
) -> None:
    """The plan's phrases ("trước ngày 15/11/Y", "trước ngày 30/11/Y") as working days; the
    2026 plan is the 2025 one with its year written over."""
    plan = tmp_path / f"{year}.yaml"
    plan.write_text(PLAN_PATH.read_text(encoding="utf-8").replace("2025", year), "utf-8")
    result = runner.invoke(app, ["plan", "deadlines", str(plan)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"unit_reports_due={unit_due}",
        f"report_to_ubnd_due={final_due}",
    ]


def test_plan_deadlines_names_the_file_of_a_bad_plan(tmp_path: Path) -> None:
    plan = tmp_path / "broken.yaml"
    plan.write_text("code: [unclosed\n", "utf-8")
    result = runner.invoke(app, ["plan", "deadlines", str(plan)])
    assert result.exit_code == 1
    assert "broken.yaml" in result.stderr


def test_validate_warns_when_the_calendar_table_lacks_the_plans_year(tmp_path: Path) -> None:
    """2025 and 2026 have entries in plans/calendar-overrides.yaml; 2027 has none yet, and
    the holidays package alone knows no make-up Saturdays: valid, with a warning."""
    plan = tmp_path / "2027.yaml"
    plan.write_text(PLAN_PATH.read_text(encoding="utf-8").replace("2025", "2027"), "utf-8")
    result = runner.invoke(app, ["plan", "validate", str(plan)])
    assert result.exit_code == 0, result.stderr
    assert "has no entry for 2027" in " ".join(result.stderr.split())
    current = runner.invoke(app, ["plan", "validate", str(PLAN_PATH)])
    assert current.exit_code == 0
    assert "warning" not in current.stderr
