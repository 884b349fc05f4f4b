"""The progress workbook over a loaded database: one row per stored task and per current
evidence item, count totals as the units submitted them, and its download from the portal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.report import RESULT_COUNTS
from domain.task import TaskKey
from services.context import plan_context
from services.report_excel import write_progress
from services.tasks import submit
from storage.tables import EvidenceRow, PlanRow, SubmissionRow, TaskRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.portal_kit import DIRECTOR_PASSWORD, login, portal_client

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=LOCAL_TZ)
BULLETINS_CDS = TaskKey("bulletins", "CDS", Stage.REPORT)  # due Friday 14/11/2025
BULLETINS_VP = TaskKey("bulletins", "VP", Stage.REPORT)
ISO_TRAINING = TaskKey("iso-training", "TDC", Stage.REPORT)  # due Monday 14/7/2025
ISO_EVIDENCE = TaskKey("iso-training", "TDC", Stage.EVIDENCE)  # due Monday 7/7/2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def payload(content: str, **fields: Any) -> dict[str, Any]:
    """A submission as the portal stores it."""
    text = dict.fromkeys(("responsible", "difficulties", "proposals", "estimate"), "")
    return {
        "content": content,
        "links": [],
        "topics": [],
        "counts": {},
        "files": [],
        **text,
        **fields,
    }


def hand_in(
    world: World, key: TaskKey, on: date, body: dict[str, Any], evidence: list[Any] | None = None
) -> None:
    with world.app.uow() as uow:
        at = datetime.combine(on, time(9), LOCAL_TZ)
        submit(
            uow, world.mailer, key, at=at, by=f"unit:{key.unit}", payload=body, evidence=evidence
        )


def link(url: str) -> dict[str, Any]:
    return {"kind": "link", "url": url, "topics": []}


def file(name: str, digit: str) -> dict[str, Any]:
    return {"kind": "file", "sha256": digit * 64, "filename": name, "topics": []}


@pytest.fixture
def handed_in(world: World) -> World:
    """Reports with counts from three units (one amended), evidence with two of them."""
    counts = {"news": 5, "bulletins": 1}
    hand_in(world, BULLETINS_CDS, date(2025, 11, 10), payload("Nháp.", counts=counts))
    counts = {"news": 6, "bulletins": 2}
    evidence = [link("https://skhcn.example.invalid/ban-tin"), file("ban-tin.pdf", "a")]
    hand_in(world, BULLETINS_CDS, date(2025, 11, 12), payload("Bản cuối.", counts=counts), evidence)
    hand_in(world, BULLETINS_VP, date(2025, 11, 13), payload("Đăng tin.", counts={"news": 4}))
    counts = {"trainings": 2, "participants": 85}
    hand_in(world, ISO_TRAINING, date(2025, 7, 16), payload("Hai lớp.", counts=counts))
    evidence = [file("danh-sach.xlsx", "b"), link("https://skhcn.example.invalid/lop")]
    hand_in(world, ISO_EVIDENCE, date(2025, 7, 3), payload("Danh sách."), evidence)
    return world


@pytest.fixture
def book(handed_in: World, tmp_path: Path) -> Workbook:
    ctx = plan_context(handed_in.plan.code, handed_in.app)
    path = write_progress(ctx, tmp_path / "tien-do.xlsx", now=NOW)
    return load_workbook(path)


def data_rows(book: Workbook, sheet: str) -> list[tuple[Any, ...]]:
    return list(book[sheet].iter_rows(min_row=2, values_only=True))


def latest_submissions(world: World) -> dict[int, SubmissionRow]:
    """Each task's newest submission, straight from the table."""
    with world.app.uow() as uow:
        found: dict[int, SubmissionRow] = {}
        for row in session_of(uow).scalars(select(SubmissionRow).order_by(SubmissionRow.version)):
            found[row.task_id] = row
        return found


def test_one_task_row_per_stored_task_of_the_plan(handed_in: World, book: Workbook) -> None:
    with handed_in.app.uow() as uow:
        stored = session_of(uow).scalar(
            select(func.count())
            .select_from(TaskRow)
            .join(PlanRow, PlanRow.id == TaskRow.plan_id)
            .where(PlanRow.code == handed_in.plan.code)
        )
    rows = data_rows(book, "Nhiệm vụ")
    assert stored
    assert len(rows) == stored
    iso = [r for r in rows if r[1].startswith("5.") and r[2] == "Báo cáo"]
    late = next(r for r in iso if r[4] is not None)  # due Monday 14/7, handed in Wednesday
    assert late[3:5] == (datetime(2025, 7, 14), datetime(2025, 7, 16))
    assert late[5:] == ("Hoàn thành quá hạn", 2)
    statuses = {r[5] for r in rows}
    assert {"Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Quá hạn, chưa hoàn thành"} <= statuses


def test_one_evidence_row_per_item_of_the_latest_submissions(
    handed_in: World, book: Workbook
) -> None:
    latest = {row.id for row in latest_submissions(handed_in).values()}
    with handed_in.app.uow() as uow:
        items = list(session_of(uow).scalars(select(EvidenceRow)))
    current = [e for e in items if e.submission_id in latest and e.kind in ("link", "file")]
    rows = data_rows(book, "Minh chứng")
    assert len(rows) == len(current) == 4
    assert {(r[3], r[4]) for r in rows} == {
        ("Tệp" if e.kind == "file" else "Đường dẫn", e.filename or e.url) for e in current
    }
    assert all(isinstance(r[5], datetime) for r in rows)


def test_count_totals_are_the_sums_the_units_submitted(handed_in: World, book: Workbook) -> None:
    with handed_in.app.uow() as uow:
        report_ids = set(
            session_of(uow).scalars(select(TaskRow.id).where(TaskRow.stage == Stage.REPORT))
        )
    reports = [s for t, s in latest_submissions(handed_in).items() if t in report_ids]
    expected = {k: sum(s.payload["counts"].get(k, 0) for s in reports) for k in RESULT_COUNTS}
    rows = data_rows(book, "Số liệu")
    assert rows[-1][0] == "Tổng cộng"
    assert dict(zip(RESULT_COUNTS, rows[-1][2:], strict=True)) == expected
    assert expected["news"] == 10  # the amended report counts once, as amended
    assert len(rows) - 1 == len(reports)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def test_the_office_downloads_the_workbook_from_its_dashboard(
    world: World, client: TestClient
) -> None:
    path = f"/office/progress.xlsx?plan={world.plan.code}"
    refused = client.get(path)
    assert (refused.status_code, refused.headers["location"]) == (303, "/office/login")
    login(client)
    assert f'href="{path}"' in client.get(f"/office?plan={world.plan.code}").text
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="tien-do-{world.plan.code}.xlsx"'
    book = load_workbook(BytesIO(answer.content))
    assert book.sheetnames == ["Tiến độ", "Nhiệm vụ", "Minh chứng", "Số liệu"]


def test_the_director_may_download_it_too(world: World, client: TestClient) -> None:
    login(client, "giamdoc", DIRECTOR_PASSWORD)
    assert client.get("/office/progress.xlsx").status_code == 200  # the default plan
