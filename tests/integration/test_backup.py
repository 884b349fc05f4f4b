"""Backup and restore: an archive taken while units hand in files holds the database as of one
instant with every file it names, and comes back whole into an empty database and folders; a
damaged, cut or altered archive, or a target that holds data, is refused with nothing written."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cli.main import app as cli
from domain.units import UnitDirectory
from services import report_draft
from services.backup import ArchiveRefused, DatabaseCopyFailed, restore_backup, take_backup
from services.backup_archive import Manifest, verify
from services.bootstrap import SystemClock, bootstrap
from services.context import PlanContext
from services.settings import (
    BackupSettings,
    MailSettings,
    PortalSettings,
    Settings,
    SmtpSettings,
)
from services.uploads import content_path
from storage.backup_db import row_counts
from storage.migrate import current_revision, head_revision, upgrade
from storage.tables import SubmissionRow, UploadRow
from storage.uow import session_of
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH
from tests.integration.conftest import World
from tests.integration.portal_kit import EVIDENCE_KEY, PDF, link, portal_client

SECRET = "never-archived"  # in the key, the SMTP password and a PostgreSQL URL's password


@dataclass
class Source:
    world: World
    settings: Settings
    client: TestClient


def hand_in(client: TestClient, world: World, n: int) -> int:
    """One submission with a file of its own bytes (so one more upload each time)."""
    data = PDF + f"\n% bản {n}\n".encode()
    answer = client.post(
        link(world, EVIDENCE_KEY),
        data={"content": f"Minh chứng lần {n}", "file_1_desc": f"Biên bản {n}"},
        files={"file_1": (f"bien-ban-{n}.pdf", data, "application/pdf")},
    )
    return answer.status_code


@pytest.fixture
def source(world: World, directory: UnitDirectory, tmp_path: Path) -> Iterator[Source]:
    uploads, reports = tmp_path / "source" / "uploads", tmp_path / "source" / "reports"
    url = world.app.settings.database_url
    if url.startswith("postgresql"):  # trust auth ignores it; it must not reach the archive
        url = make_url(url).set(password=SECRET).render_as_string(hide_password=False)
    settings = world.app.settings.model_copy(
        update={
            "database_url": url,
            "portal": PortalSettings(upload_dir=uploads),
            "report_dir": reports,
            "plan_path": PLAN_PATH,
            "units_path": UNITS_PATH,
            "calendar_overrides_path": OVERRIDES_PATH,
            "secret_key": SecretStr(SECRET),
            "mail": MailSettings(backend="memory", smtp=SmtpSettings(password=SecretStr(SECRET))),
        }
    )
    with portal_client(world, uploads, report_dir=reports) as client:
        for n in range(3):
            assert hand_in(client, world, n) == 200
        ctx = PlanContext(world.app, world.plan, directory, world.mailer)
        report_draft.build_draft(ctx, now=world.clock.now(), folder=reports)
        yield Source(world, settings, client)


def empty_place(root: Path) -> Settings:
    """Settings naming a SQLite database and folders under `root` that do not exist yet."""
    return Settings(
        database_url=f"sqlite:///{root / 'cchc.db'}",
        portal=PortalSettings(upload_dir=root / "uploads"),
        report_dir=root / "reports",
        plan_path=root / "plans" / "plan.yaml",
        units_path=root / "plans" / "units.yaml",
        calendar_overrides_path=root / "plans" / "calendar-overrides.yaml",
    )


@pytest.fixture
def target(
    tmp_path: Path, database_url: str, postgres_server_url: str | None
) -> Iterator[Settings]:
    """Settings naming an empty database (of the source's kind) and folders that do not exist."""
    settings = empty_place(tmp_path / "restored")
    if database_url.startswith("sqlite"):
        yield settings
        return
    assert postgres_server_url is not None
    server = make_url(postgres_server_url).set(drivername="postgresql")
    name = f"test_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(postgres_server_url).set(database=name)
        yield settings.model_copy(update={"database_url": url.render_as_string(False)})
    finally:
        with psycopg.connect(server.render_as_string(False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Writer(threading.Thread):
    """A unit handing in again and again through the portal until told to stop."""

    def __init__(self, source: Source) -> None:
        super().__init__(daemon=True)
        self.source, self.done, self.failed = source, 0, 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            if hand_in(self.source.client, self.source.world, 100 + self.done) != 200:
                self.failed += 1
                return
            self.done += 1

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while self.done < count and not self.failed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.done >= count
        assert not self.failed


@dataclass(frozen=True)
class Held:
    """What a database holds that the tests compare."""

    submissions: dict[int, tuple[Any, ...]]
    uploads: list[str]  # sha256 of each stored file
    revision: str | None


def held(url: str) -> Held:
    app = bootstrap(Settings(database_url=url))
    try:
        with app.uow() as uow:
            rows = session_of(uow).scalars(select(SubmissionRow)).all()
            uploads = list(session_of(uow).scalars(select(UploadRow.sha256)).all())
        found = {
            s.id: (s.task_id, s.version, s.submitted_at, s.submitted_by, s.nonce, s.payload)
            for s in rows
        }
        return Held(found, uploads, current_revision(app.engine))
    finally:
        app.close()


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}


@pytest.fixture
def archive(source: Source, tmp_path: Path) -> tuple[Path, Manifest, dict[int, tuple[Any, ...]]]:
    """An archive taken while the writer hands in; the manifest and the submissions before."""
    before = held(source.settings.database_url).submissions
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(3)
        path = tmp_path / "backups" / "cchc.tar.gz"
        manifest = take_backup(source.settings, target=path, at=source.world.clock.now())
        writer.wait_for(writer.done + 3)
    finally:
        writer.halt.set()
        writer.join(30)
    return path, manifest, before


def test_a_backup_taken_while_units_hand_in_restores_as_of_its_instant(
    source: Source, target: Settings, archive: tuple[Path, Manifest, dict[int, Any]]
) -> None:
    path, manifest, before = archive
    after = held(source.settings.database_url).submissions
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it
    assert b"never-archived" not in gzip.decompress(path.read_bytes())
    assert SECRET not in manifest.database.url
    snapshot = manifest.database.rows
    assert len(before) < snapshot["submissions"] < len(after)  # taken mid-stream
    assert snapshot["uploads"] == snapshot["submissions"]  # each hand-in one new file

    done = restore_backup(target, archive=path)

    assert done.rows == snapshot
    restored = held(target.database_url)
    assert restored.revision == head_revision()
    newest = max(restored.submissions)
    assert restored.submissions == {i: row for i, row in after.items() if i <= newest}
    for digest in restored.uploads:
        stored = content_path(target.portal.upload_dir, digest).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest
        assert stored == content_path(source.settings.portal.upload_dir, digest).read_bytes()
    reports = files_of(target.report_dir)
    assert reports
    assert reports == files_of(source.settings.report_dir)
    assert target.plan_path.read_bytes() == PLAN_PATH.read_bytes()
    assert target.units_path.read_bytes() == UNITS_PATH.read_bytes()
    assert done.uploads >= snapshot["uploads"]
    assert done.reports == len(reports)


def rewrite(path: Path, change: Callable[[str, bytes], bytes | None], extra: str = "") -> Path:
    """A copy of the archive with each member's bytes passed through `change` (None: left
    out), plus a member `extra` if named; the manifest kept as it was."""
    out = path.with_name("changed.tar.gz")
    with tarfile.open(path, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for info in old.getmembers():
            reader = old.extractfile(info)
            assert reader is not None
            data = change(info.name, reader.read())
            if data is not None:
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra)
            info.size = 4
            new.addfile(info, io.BytesIO(b"evil"))
    return out


def flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def damaged(kind: str, path: Path, manifest: Manifest) -> tuple[Path, str]:
    """A damaged copy of the archive and the words its refusal must say."""
    upload = manifest.under("uploads")[0]
    report = manifest.under("reports")[0]
    if kind == "truncated":
        cut = path.with_name("cut.tar.gz")
        cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
        return cut, "damaged or truncated"
    if kind == "altered":
        changed = rewrite(path, lambda n, d: flip_last_byte(d) if n == upload else d)
        return changed, f"member {upload}: sha256 differs"
    if kind == "database-altered":
        database = manifest.database.member
        changed = rewrite(path, lambda n, d: flip_last_byte(d) if n == database else d)
        return changed, f"member {database}: sha256 differs"
    if kind == "missing":
        return rewrite(path, lambda n, d: None if n == report else d), f"member {report}: missing"
    extra = "uploads/00/00/extra"
    return rewrite(path, lambda _n, d: d, extra=extra), f"member {extra}: not in the manifest"


@pytest.mark.parametrize(
    "kind", ["truncated", "altered", "database-altered", "missing", "unlisted"]
)
def test_a_damaged_archive_is_refused_before_anything_is_written(
    kind: str,
    target: Settings,
    archive: tuple[Path, Manifest, dict[int, Any]],
    tmp_path: Path,
) -> None:
    path, manifest, _before = archive
    bad, words = damaged(kind, path, manifest)
    with pytest.raises(ArchiveRefused, match=words):
        restore_backup(target, archive=bad)
    assert not (tmp_path / "restored").exists()  # no database file, folder or plan file
    assert row_counts(target.database_url) == {}
    verify(path)  # the original is sound


def test_a_target_holding_data_is_refused_unless_forced(
    target: Settings, archive: tuple[Path, Manifest, dict[int, Any]]
) -> None:
    path, manifest, _before = archive
    target.report_dir.mkdir(parents=True)
    (target.report_dir / "old.md").write_text("cũ", encoding="utf-8")
    with pytest.raises(ArchiveRefused, match=f"folder {target.report_dir}: not empty"):
        restore_backup(target, archive=path)  # an empty database, but a folder with a file
    assert row_counts(target.database_url) == {}
    restore_backup(target, archive=path, force=True)
    with pytest.raises(ArchiveRefused, match="not empty") as refused:
        restore_backup(target, archive=path)
    assert "table submissions" in str(refused.value)
    assert f"folder {target.portal.upload_dir}" in str(refused.value)
    done = restore_backup(target, archive=path, force=True)
    assert done.rows == manifest.database.rows


def test_an_archive_of_an_older_schema_is_migrated_on_restore(
    database_url: str, target: Settings, tmp_path: Path
) -> None:
    upgrade(database_url, "0005")
    settings = target.model_copy(update={"database_url": database_url})
    path = tmp_path / "old.tar.gz"
    manifest = take_backup(settings, target=path, at=SystemClock().now())
    assert manifest.database.revision == "0005"
    restore_backup(target, archive=path)
    assert held(target.database_url).revision == head_revision()


def test_a_failed_backup_leaves_no_archive_and_keeps_the_old_one(
    source: Source, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "cchc.tar.gz"
    old.write_bytes(b"the previous archive")
    broken: dict[str, object]
    if source.settings.database_url.startswith("sqlite"):
        broken = {"database_url": f"sqlite:///{tmp_path / 'gone' / 'cchc.db'}"}
        words = "no database file"
    else:
        broken = {"backup": BackupSettings(pg_dump="false")}  # found on PATH, exits 1
        words = "false failed"
    with pytest.raises(DatabaseCopyFailed, match=words):
        take_backup(
            source.settings.model_copy(update=broken),
            target=old,
            at=SystemClock().now(),
            force=True,
        )
    assert list(folder.iterdir()) == [old]
    assert old.read_bytes() == b"the previous archive"


def test_the_commands_back_up_restore_and_refuse_with_exit_1(
    source: Source, target: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    path = tmp_path / "cli.tar.gz"
    backed = runner.invoke(cli, ["backup", "-o", str(path)], env=environment(source.settings))
    assert backed.exit_code == 0, backed.output
    assert f"wrote {path}" in backed.stdout
    again = runner.invoke(cli, ["backup", "-o", str(path)], env=environment(source.settings))
    assert again.exit_code == 1
    assert "use --force" in again.stderr
    wrong = runner.invoke(cli, ["backup", "-o", str(tmp_path / "x.zip")])
    assert wrong.exit_code == 2
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[:-100])
    refused = runner.invoke(cli, ["restore", str(cut)], env=environment(target))
    assert refused.exit_code == 1
    assert "damaged or truncated" in refused.stderr
    restored = runner.invoke(cli, ["restore", str(path)], env=environment(target))
    assert restored.exit_code == 0, restored.output
    assert "submissions" in restored.stdout
    assert "3 uploaded files" in restored.stdout
    twice = runner.invoke(cli, ["restore", str(path)], env=environment(target))
    assert twice.exit_code == 1
    assert "not empty" in twice.stderr


def environment(settings: Settings) -> dict[str, str]:
    return {
        "CCHC_DATABASE_URL": settings.database_url,
        "CCHC_PORTAL__UPLOAD_DIR": str(settings.portal.upload_dir),
        "CCHC_REPORT_DIR": str(settings.report_dir),
        "CCHC_PLAN_PATH": str(settings.plan_path),
        "CCHC_UNITS_PATH": str(settings.units_path),
        "CCHC_CALENDAR_OVERRIDES_PATH": str(settings.calendar_overrides_path),
    }
