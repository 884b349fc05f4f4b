"""`cchc demo`, the full-year replay, checked by its own outputs: every task has an outcome,
the mails add up, every rung of every ladder fired, the report went out naming the unit
that never reported."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest

from cli.demo_cmd import replay_year
from flows import common
from replay.run import demo_settings
from services.settings import Settings
from tests.conftest import PLAN_PATH, UNITS_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
SILENT = "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        # run_demo points these at `out`; setting them here restores them afterwards
        env.setenv("CCHC_DATABASE_URL", f"sqlite:///{out / 'cchc.db'}")
        env.setenv("CCHC_MAIL__BACKEND", "file")
        env.setenv("CCHC_MAIL__FILE_DIR", str(out / "mail"))
        env.setenv("CCHC_REPORT_DIR", str(out / "reports"))
        env.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
        env.setenv("CCHC_PLAN_PATH", str(PLAN_PATH))
        common.CACHE.clear()
        result = replay_year(Settings(), out)
        common.CACHE.clear()
    return out, result.summary


def database(out: Path) -> sqlite3.Connection:
    """The replay's own database, read with plain SQL (not through the code under test)."""
    return sqlite3.connect(f"file:{out / 'cchc.db'}?mode=ro", uri=True)


def expected_outcome(state: str, due_on: str, submitted_at: str | None, until: date) -> str:
    """QĐ 42 buckets written out: done on time or late by the local day of the hand-in."""
    due = date.fromisoformat(due_on)
    if state in ("submitted", "accepted") and submitted_at:
        handed_in = datetime.fromisoformat(submitted_at).replace(tzinfo=UTC)
        on_time = handed_in.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date() <= due
        return "done_on_time" if on_time else "done_late"
    if state == "cancelled":
        return "cancelled"
    return "overdue" if until > due else "in_progress"


def test_every_task_has_the_outcome_its_database_row_gives(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = replayed
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    until = datetime.fromisoformat(summary["simulated_until"]).date()
    with closing(database(out)) as db:
        rows = db.execute(
            "SELECT a.code, u.code, t.stage, t.seq, t.state, t.due_on, t.submitted_at "
            "FROM tasks t JOIN activities a ON a.id = t.activity_id "
            "JOIN units u ON u.id = t.unit_id"
        ).fetchall()
    expected = {
        f"{activity}/{unit}/{stage}#{seq}": expected_outcome(state, due, at, until)
        for activity, unit, stage, seq, state, due, at in rows
    }
    assert len(expected) == 191  # 180 activity tasks + 11 unit reports
    assert summary["tasks"]["outcome"] == expected
    assert summary["tasks"]["total"] == len(expected)
    assert expected["year-end-report/TTUD/report#1"] == "overdue"  # the unit that never reported
    late = sum(1 for v in expected.values() if v == "done_late")
    assert summary["tasks"]["by_outcome"]["done_late"] == late > 0


def test_the_mails_match_the_eml_files_and_the_submissions(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = replayed
    emls = list((out / "mail").glob("*.eml"))
    subjects = [
        str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in emls
    ]
    with closing(database(out)) as db:
        (handed_in,) = db.execute("SELECT count(*) FROM submissions").fetchone()
        (sent,) = db.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()
    assert summary["mails"]["total"] == len(emls) == sent
    receipts = sum(1 for s in subjects if s.startswith("[CCHC 2025] Đã nhận:"))
    assert receipts == handed_in == summary["submissions"]["total"] == 190
    assert summary["mails"]["by_kind"]["submission_receipt"] == receipts
    reports = sum(1 for s in subjects if s.startswith("[CCHC 2025] Báo cáo số"))
    assert summary["mails"]["by_kind"]["report_submitted"] == reports == 1  # to UBND tỉnh, once


def test_every_rung_of_every_ladder_fired(replayed: tuple[Path, dict[str, Any]]) -> None:
    _out, summary = replayed
    plan = Settings(plan_path=PLAN_PATH)
    from documents.plans.files import load_plan

    policy = load_plan(plan.plan_path).policy
    fired = summary["ladder_rungs_fired"]
    assert {r.name for r in policy.ladder} <= set(fired["activities"])
    assert {r.name for r in policy.year_end.ladder} <= set(fired["year_end"])
    assert summary["escalations"] >= 2
    assert summary["mails"]["by_kind"]["escalation_digest"] >= 2


def test_the_report_went_out_naming_the_silent_unit(replayed: tuple[Path, dict[str, Any]]) -> None:
    out, summary = replayed
    assert summary["report"]["state"] == "sent"
    assert summary["report"]["missing"] == [SILENT]
    assert summary["simulated_until"] < "2025-11-28T24"  # before the UBND deadline
    assert SILENT in (out / "report-2025.md").read_text(encoding="utf-8")
    text = "\n".join(p.text for p in docx.Document(str(out / "report-2025.docx")).paragraphs)
    assert "BÁO CÁO" in text
    assert SILENT in text
    assert (out / "schedule.json").exists()


def test_the_report_sent_is_the_numbered_final_byte_for_byte(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    """out/report-2025.docx (and .pdf where LibreOffice is installed) are the files the mail
    to UBND tỉnh carries: numbered by the văn thư, no DỰ THẢO; the drafts stay in reports/."""
    out, summary = replayed
    number = summary["report"]["number_symbol"]
    assert number.endswith("/BC-SKHCN")
    assert number.split("/")[0].isdigit()
    [sent] = [
        m
        for f in sorted((out / "mail").glob("*.eml"))
        if "Báo cáo số"
        in str((m := message_from_bytes(f.read_bytes(), policy=policy.default))["Subject"])
        and "ubnd" in str(m["To"]).lower()
    ]
    attached = {str(a.get_filename()): a.get_content() for a in sent.iter_attachments()}
    docx_name = next(name for name in attached if name.endswith(".docx"))
    assert attached[docx_name] == (out / "report-2025.docx").read_bytes()
    final = docx.Document(str(out / "report-2025.docx"))
    text = "\n".join(p.text for p in final.paragraphs)
    cells = "\n".join(c.text for t in final.tables for r in t.rows for c in r.cells)
    assert "DỰ THẢO" not in text + cells
    assert f"Số: {number}" in cells
    assert list((out / "reports").glob("report-2025-v*.docx"))  # the drafts, kept
    if summary["report"]["pdf"]:
        pdf_name = next(name for name in attached if name.endswith(".pdf"))
        assert attached[pdf_name] == (out / "report-2025.pdf").read_bytes()
        assert summary["report"]["pdf_signed_by"]  # the demo's throw-away certificate


def test_the_replay_keeps_every_file_under_its_folder(tmp_path: Path) -> None:
    """Database, mail, reports and evidence files all under OUT: the replay's morning sweep
    clears unreferenced evidence files in its own store, never in the Office's."""
    office = Settings(portal={"upload_dir": tmp_path / "office-store"})
    replayed = demo_settings(office, tmp_path / "out")
    assert replayed.portal.upload_dir == tmp_path / "out" / "uploads"
    assert replayed.mail.file_dir == tmp_path / "out" / "mail"
    assert replayed.report_dir == tmp_path / "out" / "reports"
    assert replayed.database_url == f"sqlite:///{tmp_path / 'out' / 'cchc.db'}"
