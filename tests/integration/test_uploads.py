"""Evidence files: judged by content, capped in size, stored once by hash outside the web
root, names cleaned and shown escaped."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.errors import InvalidRequest
from services.uploads import check, clean_filename, content_path, sniff
from storage.tables import EvidenceRow, SubmissionRow, UploadRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.portal_kit import (
    EVIDENCE_KEY,
    PDF,
    PNG,
    link,
    login,
    portal_client,
    rows,
    task_id,
)


def word_file() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Biên bản tập huấn ISO")
    document.save(out)
    return out.getvalue()


def zip_of(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "jpg"),
        (word_file(), "docx"),
        (zip_of("[Content_Types].xml", "xl/workbook.xml"), "xlsx"),
        (zip_of("xl/workbook.xml"), None),  # a zip, but not an Office file
        (b"PK\x03\x04 not really a zip", None),
        (b"<script>alert(1)</script>", None),
        (b"MZ\x90\x00", None),
    ],
)
def test_the_type_is_read_from_the_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\a\\báo cáo.pdf", "báo cáo.pdf"),
        ("ảnh\x00.png.pdf", "ảnh_.png.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "img src=x onerror=alert(1)_.pdf"),
        ("...", "tep.pdf"),
        ("a" * 300 + ".pdf", "a" * 110 + ".pdf"),
    ],
)
def test_names_lose_paths_and_reserved_characters(raw: str, clean: str) -> None:
    assert clean_filename(raw, "pdf") == clean


def test_a_file_is_refused_when_its_bytes_do_not_match_its_name() -> None:
    with pytest.raises(InvalidRequest, match="chỉ nhận tệp PDF"):
        check(PNG, "anh.pdf", max_bytes=10**6)
    with pytest.raises(InvalidRequest, match="chỉ nhận tệp PDF"):
        check(b"#!/bin/sh\nrm -rf /", "run.sh", max_bytes=10**6)
    with pytest.raises(InvalidRequest, match="vượt quá dung lượng"):
        check(PDF, "lon.pdf", max_bytes=100)
    assert check(PNG, "anh.PNG", max_bytes=10**6) == ("png", "anh.png")
    assert check(b"\xff\xd8\xff\xe0", "anh.jpeg", max_bytes=10**6)[0] == "jpg"


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads", max_upload_mb=1) as client:
        yield client


def post_files(client: TestClient, world: World, *files: tuple[str, bytes]) -> object:
    return client.post(
        link(world, EVIDENCE_KEY),
        data={"content": "Minh chứng tập huấn", "file_1_desc": "Biên bản"},
        files={
            f"file_{i}": (name, data, "application/octet-stream")
            for i, (name, data) in enumerate(files, start=1)
        },
    )


def test_an_uploaded_pdf_is_stored_by_hash_outside_the_web_root(
    world: World, client: TestClient, tmp_path: Path
) -> None:
    answer = post_files(client, world, ("../báo cáo <1>.pdf", PDF))
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert "kèm 1 tệp" in answer.text  # type: ignore[attr-defined]
    digest = hashlib.sha256(PDF).hexdigest()
    stored = content_path(tmp_path / "uploads", digest)
    assert stored.read_bytes() == PDF
    with world.app.uow() as uow:
        [evidence] = session_of(uow).scalars(select(EvidenceRow)).all()
    assert (evidence.kind, evidence.sha256, evidence.filename) == (
        "file",
        digest,
        "báo cáo _1_.pdf",
    )
    assert evidence.description == "Biên bản"
    page = client.get(link(world, EVIDENCE_KEY)).text
    assert "báo cáo _1_.pdf" in page
    assert "<1>" not in page


def test_the_same_file_twice_is_stored_once(world: World, client: TestClient) -> None:
    post_files(client, world, ("a.pdf", PDF))
    post_files(client, world, ("b.pdf", PDF), ("c.png", PNG))
    with world.app.uow() as uow:
        uploads = session_of(uow).scalars(select(UploadRow)).all()
        evidence = session_of(uow).scalars(select(EvidenceRow)).all()
        versions = session_of(uow).scalars(select(SubmissionRow)).all()
    assert len(uploads) == 2  # the PDF once, the PNG once
    assert [e.filename for e in evidence] == ["a.pdf", "b.pdf", "c.png"]
    assert len(versions) == 2


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("lon.pdf", PDF + b"0" * (1024 * 1024), 400, "vượt quá dung lượng"),
        ("rat-lon.pdf", b"%PDF-" + b"0" * (4 * 1024 * 1024), 413, "Tệp quá lớn"),
        ("anh.pdf", PNG, 400, "chỉ nhận tệp PDF"),
        ("script.html", b"<script>alert(1)</script>", 400, "chỉ nhận tệp PDF"),
    ],
    ids=["over-limit", "over-body-cap", "wrong-type", "html"],
)
def test_a_refused_file_writes_nothing(
    world: World,
    client: TestClient,
    tmp_path: Path,
    name: str,
    data: bytes,
    status: int,
    words: str,
) -> None:
    before = rows(world)
    answer = post_files(client, world, (name, data))
    assert answer.status_code == status  # type: ignore[attr-defined]
    assert words in answer.text  # type: ignore[attr-defined]
    assert rows(world) == before
    assert not list((tmp_path / "uploads").rglob("*")) or status == 400


def test_the_office_downloads_a_file_only_when_logged_in(world: World, client: TestClient) -> None:
    post_files(client, world, ("Biên bản tập huấn.pdf", PDF))
    with world.app.uow() as uow:
        evidence = (
            session_of(uow).scalars(select(EvidenceRow).where(EvidenceRow.kind == "file")).one()
        )
    url = f"/office/evidence/{evidence.id}"
    assert client.get(url).status_code == 303
    login(client)
    got = client.get(url, params={"name": "evil.html"})  # a name in the query is ignored
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert "attachment" in disposition
    assert "evil" not in disposition
    assert "Bi%C3%AAn%20b%E1%BA%A3n%20t%E1%BA%ADp%20hu%E1%BA%A5n.pdf" in disposition  # as stored
    assert url in client.get(f"/office/task/{task_id(world, EVIDENCE_KEY)}").text
    assert client.get("/office/evidence/99999").status_code == 404
    assert client.get("/office/evidence/" + "9" * 20).status_code == 404
