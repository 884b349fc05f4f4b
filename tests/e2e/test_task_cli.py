"""`cchc sweep` and `cchc task …` from the command line, without a Prefect server."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PLAN_CODE, PLAN_PATH

runner = CliRunner()
PLAN = ["--plan", PLAN_CODE]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    values = {
        "CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cchc.db'}",
        "CCHC_MAIL__BACKEND": "file",
        "CCHC_MAIL__FILE_DIR": str(tmp_path / "mail"),
    }
    assert runner.invoke(app, ["db", "upgrade"], env=values).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=values).exit_code == 0
    return values


def test_sweep_at_an_instant_sends_what_the_ladder_says(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["sweep", *PLAN, "--now", "2025-11-07T07:30"], env=env)
    assert first.exit_code == 0, first.output
    # Nothing was handed in since April: reminders and escalations are due; each unit gets
    # its rungs of the morning in one mail (one digest when it has several), and the
    # Director one digest listing every escalated task.
    fired = re.search(
        r"(\d+) reminders, (\d+) overdue, (\d+) escalated \(digest sent\);.*mail: (\d+) sent",
        first.stdout,
    )
    assert fired, first.stdout
    reminders, overdue, escalated, sent = map(int, fired.groups())
    assert reminders > 0
    assert escalated > 0
    mails = [
        message_from_bytes(f.read_bytes(), policy=policy.default)
        for f in Path(env["CCHC_MAIL__FILE_DIR"]).glob("*.eml")
    ]
    assert len(mails) == sent
    bodies = [m.get_body(("plain",)).get_content() for m in mails]  # type: ignore[union-attr]
    links = sum(b.lower().count("gửi kết quả tại: http") for b in bodies)  # one per rung
    directors = [m for m in mails if "Báo cáo Giám đốc Sở" in str(m["Subject"])]
    assert len(directors) == 1
    assert links == reminders + overdue  # every rung in exactly one mail
    assert sent < reminders + overdue + 1  # fewer mails than rungs: digests
    again = runner.invoke(app, ["sweep", *PLAN, "--now", "2025-11-07T07:30"], env=env)
    assert "0 reminders, 0 overdue, 0 escalated" in again.stdout
    saturday = runner.invoke(app, ["sweep", *PLAN, "--now", "2025-11-08T07:30"], env=env)
    assert "a day off, nothing sent" in saturday.stdout


def test_task_extend_cancel_and_bad_task(env: dict[str, str]) -> None:
    task = "iso-training/TDC/plan#1"
    extended = runner.invoke(
        app,
        [
            "task",
            "extend",
            "--plan",
            PLAN_CODE,
            task,
            "--due",
            "2025-04-19",
            "--reason",
            "Xin gia hạn",
        ],
        env=env,
    )
    assert extended.exit_code == 0, extended.output
    assert extended.stdout.strip() == "due 2025-04-21"
    no_reason = runner.invoke(
        app,
        ["task", "extend", *PLAN, task, "--due", "2025-04-25", "--reason", " "],
        env=env,
    )
    assert no_reason.exit_code == 1
    assert "cần ghi lý do" in no_reason.stderr
    assert runner.invoke(app, ["task", "resend", *PLAN, task], env=env).stdout.strip() == "queued"
    cancelled = runner.invoke(app, ["task", "cancel", *PLAN, task, "--reason", "Trùng"], env=env)
    assert cancelled.exit_code == 0
    again = runner.invoke(app, ["task", "cancel", *PLAN, task, "--reason", "Trùng"], env=env)
    assert again.exit_code == 1
    assert "cannot cancel when cancelled" in again.stderr
    unknown = runner.invoke(
        app, ["task", "return", *PLAN, "nope/TDC/plan#1", "--reason", "x"], env=env
    )
    assert unknown.exit_code == 1
    assert "is not in plan" in unknown.stderr
