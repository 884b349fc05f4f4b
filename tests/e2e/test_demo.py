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

from documents.plans.files import load_calendar, load_plan
from replay.run import demo_settings
from services.settings import Settings
from tests.conftest import OVERRIDES_PATH, PLAN_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SILENT = "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"


# `replayed`, the year replayed once per session: tests/e2e/conftest.py


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


def test_every_rung_fired_is_carried_by_exactly_one_mail(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    """The ladder's firings walked against the mails: each reminder and chase names the mail
    that carried it (its own, or its unit's digest of that morning), that mail was sent, and
    a digest lists exactly the rungs that name it."""
    out, summary = replayed
    with closing(database(out)) as db:
        rungs = db.execute(
            "SELECT outbox_key FROM notices WHERE kind IN ('reminder', 'overdue')"
        ).fetchall()
        mails = {
            key: (kind, state, body)
            for key, kind, state, body in db.execute(
                "SELECT idempotency_key, kind, state, body_text FROM outbox"
            )
        }
    carried: dict[str, int] = {}
    for (key,) in rungs:
        carried[key] = carried.get(key, 0) + 1
    assert rungs
    for key, n in carried.items():
        kind, state, body = mails[key]
        assert state == "sent"
        if kind == "unit_digest":
            assert body.count("Gửi kết quả tại: http") == n
        else:
            assert (kind, n) in (("reminder", 1), ("overdue", 1))
    digests = {k for k, (kind, _s, _b) in mails.items() if kind == "unit_digest"}
    assert digests <= set(carried)  # no digest carries nothing
    figures = summary["unit_mails"]
    assert figures["total"] == sum(figures["by_unit"].values())
    assert figures["per_task"] == round(figures["total"] / summary["tasks"]["total"], 2)
    assert figures["met"] == (figures["total"] / summary["tasks"]["total"] <= 1.5)


def test_every_assignment_is_in_exactly_one_mail_sent(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    """Each task's assignment went out once: in its own mail, or in the one mail of its
    unit's assignments of that day; a batch mail merged into a later one was never sent,
    and the mail that went names each task it carries by its link."""
    out, _summary = replayed
    with closing(database(out)) as db:
        rows = db.execute(
            "SELECT o.idempotency_key, o.kind, o.state, o.carried_by, o.body_text, t.id"
            " FROM outbox o LEFT JOIN tasks t ON t.id = o.task_id"
            " WHERE o.kind IN ('task_assigned', 'assignment_digest')"
        ).fetchall()
        tasks = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    by_key = {
        key: (kind, state, carried_by, body) for key, kind, state, carried_by, body, _t in rows
    }
    assigned = [r for r in rows if r[1] == "task_assigned" and not r[0].split(":")[-1]]
    assert len({r[5] for r in assigned}) == len(assigned) == tasks  # one assignment per task
    carriers: dict[str, int] = {}
    for key, _kind, state, carried_by, _body, _task in assigned:
        carrier = key if carried_by is None else carried_by
        carriers[carrier] = carriers.get(carrier, 0) + 1
        assert by_key[carrier][1] == "sent"
        assert state == ("sent" if carried_by is None else "merged")
    batches = {k: v for k, v in by_key.items() if v[0] == "assignment_digest"}
    assert any(v[1] == "sent" for v in batches.values())
    for key, (_kind, state, carried_by, body) in batches.items():
        if state == "sent":
            assert body.count("Cập nhật và gửi kết quả tại: http") == carriers[key] > 1
        else:
            assert state == "merged"
            assert carried_by in batches
            assert key not in carriers


def test_the_replay_keeps_every_file_under_its_folder(tmp_path: Path) -> None:
    """Database, mail, reports and evidence files all under OUT: the replay's morning sweep
    clears unreferenced evidence files in its own store, never in the Office's."""
    office = Settings(portal={"upload_dir": tmp_path / "office-store"})
    replayed = demo_settings(office, tmp_path / "out")
    assert replayed.portal.upload_dir == tmp_path / "out" / "uploads"
    assert replayed.mail.file_dir == tmp_path / "out" / "mail"
    assert replayed.report_dir == tmp_path / "out" / "reports"
    assert replayed.database_url == f"sqlite:///{tmp_path / 'out' / 'cchc.db'}"


def local_day(stored: str) -> date:
    """The local day of a UTC time as SQLite stores it."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(LOCAL).date()


def test_no_submission_waits_for_the_office_past_the_review_time(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    """Every submission the Office did not return was accepted by the morning sweep once the
    plan's review time lapsed: none still waits past it when the year ends."""
    out, summary = replayed
    review = load_plan(PLAN_PATH).policy.review
    calendar = load_calendar(OVERRIDES_PATH)
    until = datetime.fromisoformat(summary["simulated_until"]).date()
    with closing(database(out)) as db:
        waiting = db.execute("SELECT submitted_at FROM tasks WHERE state = 'submitted'").fetchall()
        accepted = db.execute(
            "SELECT actor, reason FROM audit_log WHERE action = 'task.accepted'"
        ).fetchall()
        states = dict(db.execute("SELECT state, count(*) FROM tasks GROUP BY state").fetchall())
    ends = [calendar.add_working_days(local_day(at), review.working_days) for (at,) in waiting]
    assert [day for day in ends if until > day] == []
    assert states["accepted"] == len(accepted) >= 150  # nearly every hand-in of the year
    assert {actor for actor, _reason in accepted} == {"auto-accept"}
    said = f"Tự động chấp nhận sau {review.working_days} ngày làm việc theo Kế hoạch"
    assert all(reason.startswith(said) for _actor, reason in accepted)


def matrix_total(markdown: str) -> list[int]:
    """The appendix's total row, its "Tổng cộng" column: on time / late / in progress /
    overdue, as the report prints them."""
    lines = markdown.splitlines()
    header = next(line for line in lines if line.startswith("| TT | Phòng, đơn vị |"))
    column = [c.strip() for c in header.strip("|").split("|")].index("Tổng cộng")
    total = next(line for line in lines if line.startswith("|  | Tổng cộng |"))
    return [int(n) for n in total.strip("|").split("|")[column].strip().split("/")]


def test_the_summary_outcomes_agree_with_the_report_matrix(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    """The report counts the forms' tasks at the instant it was drafted; the summary at the
    end of the replay. Between them only late hand-ins moved (overdue → done late)."""
    out, summary = replayed
    with closing(database(out)) as db:
        (drafted,) = db.execute(
            "SELECT created_at FROM report_drafts ORDER BY version DESC LIMIT 1"
        ).fetchone()
        (moved,) = db.execute(
            "SELECT count(*) FROM tasks t JOIN activities a ON a.id = t.activity_id "
            "WHERE a.code != 'year-end-report' AND t.submitted_at > ?",
            (drafted,),
        ).fetchone()
    outcomes = [
        outcome
        for key, outcome in summary["tasks"]["outcome"].items()
        if not key.startswith("year-end-report/")
    ]
    counted = {name: outcomes.count(name) for name in set(outcomes)}
    expected = [
        counted.get("done_on_time", 0),
        counted.get("done_late", 0) - moved,
        counted.get("in_progress", 0),
        counted.get("overdue", 0) + moved,
    ]
    assert sum(expected) == len(outcomes) == 180
    assert matrix_total((out / "report-2025.md").read_text(encoding="utf-8")) == expected
