"""The report's last steps in the portal and the CLI: the Office uploads an edited .docx (a
file that is not one is refused in Vietnamese, nothing changed), the Director approves it,
the văn thư numbers it (a number already used is refused); the final's files download; the
CLI refuses to finalize a draft not approved, in English, exit 1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as cli
from domain.report_draft import DraftState
from domain.units import UnitDirectory
from services import report_draft, review
from services.context import PlanContext
from tests.integration.conftest import World
from tests.integration.portal_kit import DIRECTOR_PASSWORD, csrf_of, login, portal_client

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def client(world: World, tmp_path: Path, reports: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads", report_dir=reports) as client:
        yield client


def error_of(page: str) -> str:
    found = re.search(r'class="error">([^<]*)<', page)
    return found.group(1) if found else ""


def test_upload_approve_number_and_download(
    world: World, directory: UnitDirectory, client: TestClient, reports: Path, tmp_path: Path
) -> None:
    ctx = PlanContext(world.app, world.plan, directory, world.mailer)
    first = report_draft.build_draft(ctx, now=world.clock.now(), folder=reports)
    login(client)
    page = client.get("/director")
    assert 'id="upload"' in page.text  # the Office may send an edited draft
    token = csrf_of(client, "/director")
    wrong = client.post(
        "/office/report/upload",
        data={"csrf": token},
        files={"docx": ("bao-cao.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert wrong.status_code == 400
    assert error_of(wrong.text) == "Tệp bao-cao.pdf không phải tệp Word (.docx)"
    assert review.latest_draft(ctx) == first

    edited = docx.Document(first.docx_path)
    edited.add_paragraph("Văn phòng bổ sung số liệu quý IV.")
    path = tmp_path / "sua.docx"
    edited.save(str(path))
    sent = client.post(
        "/office/report/upload",
        data={"csrf": token},
        files={"docx": ("sua.docx", path.read_bytes(), DOCX)},
    )
    assert sent.status_code == 303, error_of(sent.text)
    uploaded = review.latest_draft(ctx)
    assert uploaded is not None
    assert uploaded.version == first.version + 1
    assert "Văn phòng bổ sung số liệu quý IV." in client.get("/director").text

    client.cookies.clear()
    login(client, "giamdoc", DIRECTOR_PASSWORD)
    approve = f"/director/{uploaded.version}/approve"
    assert client.post(approve, data={"csrf": csrf_of(client, "/director")}).status_code == 303
    client.cookies.clear()
    login(client)
    token = csrf_of(client, "/director")
    day = world.clock.now().date().isoformat()
    bad = client.post(
        "/office/report/finalize", data={"csrf": token, "number": "ba", "issued_on": day}
    )
    assert error_of(bad.text) == "Số văn bản phải là một số, ví dụ 312"
    done = client.post(
        "/office/report/finalize", data={"csrf": token, "number": "312", "issued_on": day}
    )
    assert done.status_code == 303, error_of(done.text)
    final = review.latest_draft(ctx)
    assert final is not None
    assert (final.state, final.number_symbol) == (DraftState.FINAL, "312/BC-SKHCN")
    again = client.post(
        "/office/report/finalize", data={"csrf": token, "number": "313", "issued_on": day}
    )
    assert "Báo cáo đã được cấp số 312/BC-SKHCN" in error_of(again.text)
    got = client.get(f"/director/{final.version}/file/final-docx")
    assert got.status_code == 200
    assert got.content == Path(final.final_docx_path).read_bytes()
    assert client.get(f"/director/{final.version}/file/secret").status_code == 404


def test_the_cli_refuses_to_finalize_a_draft_not_approved(
    world: World, directory: UnitDirectory, monkeypatch: pytest.MonkeyPatch, reports: Path
) -> None:
    ctx = PlanContext(world.app, world.plan, directory, world.mailer)
    report_draft.build_draft(ctx, now=world.clock.now(), folder=reports)
    monkeypatch.setenv("CCHC_DATABASE_URL", world.app.settings.database_url)
    monkeypatch.setenv("CCHC_REPORT_DIR", str(reports))
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "finalize",
            "--plan",
            world.plan.code,
            "--number",
            "312",
            "--date",
            "2025-04-01",
        ],
    )
    assert result.exit_code == 1
    assert "only a draft the Director approved is numbered" in result.output
    assert review.latest_draft(ctx).state is DraftState.DRAFT  # type: ignore[union-attr]
