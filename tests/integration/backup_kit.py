"""What the backup tests share: a portal with hand-ins, an empty target, an archive mid-stream."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url

from domain.units import UnitDirectory
from services import report_draft
from services.backup import take_backup
from services.backup_archive import Manifest
from services.bootstrap import bootstrap
from services.context import PlanContext
from services.settings import MailSettings, PortalSettings, Settings, SmtpSettings
from storage.migrate import current_revision
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


@contextmanager
def source_portal(world: World, directory: UnitDirectory, tmp_path: Path) -> Iterator[Source]:
    """A portal where a unit has handed in three files, and a report draft in its folder."""
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


@contextmanager
def empty_target(
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


def take_while_handing_in(
    source: Source, tmp_path: Path
) -> tuple[Path, Manifest, dict[int, tuple[Any, ...]]]:
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
