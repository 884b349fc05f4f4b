"""Uploads the live probe broke: a cut-off body accepted as complete, refused uploads leaving
files; each shown fixed (nothing written, no file left, orphans swept)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey
from services.context import plan_context
from services.sweep import run_sweep
from tests.integration.conftest import World
from tests.integration.portal_kit import (
    EVIDENCE_KEY,
    PDF,
    csrf_of,
    link,
    login,
    portal_client,
    rows,
    served,
    task_id,
)

REPORT_KEY = TaskKey("iso-training", "TDC", Stage.REPORT)
BOUNDARY = "cchc-cut-off"


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def cut_off_body(*, cut: int = 1500) -> bytes:
    """A complete text part, then a file part that stops mid-way: no closing boundary."""
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="content"\r\n\r\n'
        "Đã tổ chức lớp tập huấn ISO\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file_1"; filename="bien-ban.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF[:cut]


def hand_in_pdf(client: TestClient, world: World) -> Any:
    """The evidence task's form with one valid PDF."""
    return client.post(
        link(world, EVIDENCE_KEY),
        data={"content": "Minh chứng"},
        files={"file_1": ("bien-ban.pdf", PDF, "application/pdf")},
    )


def refused_whole(
    client: TestClient, world: World, uploads: Path, *, status: int, words: str
) -> None:
    """The PDF hand-in is refused with `status` and `words`: no row, no stored file."""
    before = rows(world)
    answer = hand_in_pdf(client, world)
    assert answer.status_code == status
    assert words in answer.text
    assert rows(world) == before
    assert files_in(uploads) == []


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def client(world: World, uploads: Path) -> Iterator[TestClient]:
    with portal_client(world, uploads) as client:
        yield client


# 1. A cut-off multipart body --------------------------------------------------------------


def test_a_cut_off_upload_is_refused_whole(world: World, client: TestClient, uploads: Path) -> None:
    before = rows(world)
    answer = client.post(
        link(world, EVIDENCE_KEY),
        content=cut_off_body(),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert answer.status_code == 400
    assert "Dữ liệu gửi lên không đầy đủ" in answer.text
    assert "Đã nhận kết quả" not in answer.text
    assert rows(world) == before  # no submission, evidence, audit row or receipt
    assert files_in(uploads) == []


def _raw_post(base: str, path: str, body: bytes, declared: int) -> tuple[int, str]:
    """POST over a plain socket: `declared` in Content-Length, `body` on the wire."""
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head + body)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), rest.decode("utf-8", "replace")


@pytest.mark.parametrize("shape", ["length-matches", "length-smaller"])
def test_a_cut_off_upload_over_a_real_server_is_refused(
    world: World, client: TestClient, uploads: Path, shape: str
) -> None:
    body = cut_off_body()
    declared = len(body) if shape == "length-matches" else len(body) - 700
    before = rows(world)
    with served(client.app) as base:  # type: ignore[arg-type]
        status, text = _raw_post(base, link(world, EVIDENCE_KEY), body, declared)
    assert status == 400, text[:500]
    assert "Dữ liệu gửi lên không đầy đủ" in text
    assert rows(world) == before
    assert files_in(uploads) == []


def test_a_complete_upload_still_goes_through(
    world: World, client: TestClient, uploads: Path
) -> None:
    whole = cut_off_body(cut=len(PDF)) + f"\r\n--{BOUNDARY}--\r\n".encode()
    answer = client.post(
        link(world, EVIDENCE_KEY),
        content=whole,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert answer.status_code == 200, answer.text
    assert "Đã nhận kết quả" in answer.text
    [stored] = files_in(uploads)
    assert stored.read_bytes() == PDF


# 2. Refused uploads leave no file -----------------------------------------------------------


def test_a_request_refusing_one_file_stores_none(
    world: World, client: TestClient, uploads: Path
) -> None:
    before = rows(world)
    answer = client.post(
        link(world, EVIDENCE_KEY),
        data={"content": "Minh chứng"},
        files={
            "file_1": ("bien-ban.pdf", PDF, "application/pdf"),
            "file_2": ("trang.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
        },
    )
    assert answer.status_code == 400
    assert "chỉ nhận tệp PDF" in answer.text
    assert rows(world) == before
    assert files_in(uploads) == []


def test_a_task_that_takes_nothing_more_stores_no_file(
    world: World, client: TestClient, uploads: Path
) -> None:
    login(client)
    tid = task_id(world, EVIDENCE_KEY)
    cancel = client.post(
        f"/office/task/{tid}/reassign",
        data={"csrf": csrf_of(client, f"/office/task/{tid}"), "unit": "CCTDC", "reason": "x"},
    )
    assert cancel.status_code == 303
    refused_whole(client, world, uploads, status=400, words="Nhiệm vụ không nhận thêm")


def test_a_commit_that_fails_takes_its_files_back_out(
    world: World, client: TestClient, uploads: Path
) -> None:
    if not world.app.settings.database_url.startswith("postgresql"):
        pytest.skip("a failure at COMMIT itself needs a deferred trigger: PostgreSQL")
    with world.app.engine.begin() as conn:  # the server refuses the transaction at COMMIT
        conn.exec_driver_sql(
            "CREATE FUNCTION refuse_upload() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$"
        )
        conn.exec_driver_sql(
            "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON uploads "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_upload()"
        )
    refused_whole(client, world, uploads, status=503, words="Chưa lưu được")


def test_the_sweep_removes_day_old_files_no_row_refers_to(
    world: World, client: TestClient, uploads: Path
) -> None:
    kept = hand_in_pdf(client, world)
    assert kept.status_code == 200
    [referenced] = files_in(uploads)
    orphan = uploads / "ab" / "cd" / ("abcd" + "0" * 60)  # left by a request that died
    young = uploads / "ef" / "01" / ("ef01" + "0" * 60)  # perhaps a request still in flight
    stray = uploads / ".incoming" / "tmp-left-behind"
    for path in (orphan, young, stray):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 orphan")
    two_days_ago = time.time() - 2 * 86400
    for path in (orphan, stray, referenced):
        os.utime(path, (two_days_ago, two_days_ago))
    ctx = plan_context(world.plan.code, client.app.state.portal.app)  # type: ignore[attr-defined]
    report = run_sweep(ctx, now=datetime(2025, 7, 8, 7, 30, tzinfo=LOCAL_TZ))
    assert report.files_removed == 2
    assert "2 unreferenced files removed" in str(report)
    assert files_in(uploads) == sorted([referenced, young])
