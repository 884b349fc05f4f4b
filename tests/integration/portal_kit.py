"""What the portal tests share: a client with Office and Director accounts, links, row counts."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey
from portal.app import create_app, server_config
from services.accounts import hash_password
from services.settings import Account, PortalSettings
from storage.tables import (
    AuditRow,
    EvidenceRow,
    OutboxRow,
    ReportDraftRow,
    SubmissionRow,
    TaskRow,
    UploadRow,
)
from storage.uow import session_of
from tests.integration.conftest import World
from tests.smtp_server import free_port

PLAN_KEY = TaskKey("iso-training", "TDC", Stage.PLAN)  # due Thursday 10/4/2025
EVIDENCE_KEY = TaskKey("iso-training", "TDC", Stage.EVIDENCE)  # due Monday 7/7/2025
OFFICE_PASSWORD = "mật-khẩu-văn-phòng"
DIRECTOR_PASSWORD = "mật-khẩu-giám-đốc"
TABLES = (SubmissionRow, OutboxRow, AuditRow, EvidenceRow, UploadRow, TaskRow, ReportDraftRow)
_HASHES = {
    "vanphong": ("office", hash_password(OFFICE_PASSWORD)),
    "giamdoc": ("director", hash_password(DIRECTOR_PASSWORD)),
}


def portal_client(
    world: World, uploads: Path, *, report_dir: Path | None = None, **portal: object
) -> TestClient:
    """A client of a portal over `world`'s database, with one Office and one Director login
    (the report's files under `report_dir`, the settings' folder if none)."""
    accounts = {
        name: Account(role=role, name=name, password_hash=hashed)
        for name, (role, hashed) in _HASHES.items()
    }
    settings = world.app.settings.model_copy(
        update={
            "portal": PortalSettings(accounts=accounts, upload_dir=uploads, **portal),
            "report_dir": report_dir or world.app.settings.report_dir,
        }
    )
    world.clock.set(datetime(2025, 4, 8, 9, 0, tzinfo=LOCAL_TZ))
    return TestClient(create_app(settings, clock=world.clock), follow_redirects=False)


def link(
    world: World,
    key: TaskKey = PLAN_KEY,
    *,
    unit: str | None = None,
    expires: date = date(2025, 8, 10),
    generation: int = 1,
) -> str:
    token = world.mailer.links.token(
        unit=unit or key.unit,
        task=str(key),
        expires_on=expires,
        plan=world.plan.code,
        generation=generation,
    )
    return f"/t/{token}"


def rows(world: World) -> dict[str, int]:
    with world.app.uow() as uow:
        return {
            t.__tablename__: session_of(uow).scalar(select(func.count()).select_from(t)) or 0
            for t in TABLES
        }


def csrf_of(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: TestClient, user: str = "vanphong", password: str = OFFICE_PASSWORD) -> None:
    token = csrf_of(client, "/office/login")
    answer = client.post(
        "/office/login", data={"csrf": token, "username": user, "password": password}
    )
    assert answer.status_code == 303, answer.text


def task_id(world: World, key: TaskKey) -> int:
    with world.app.uow() as uow:
        found = uow.tasks.get(key, plan=world.plan.code)
        assert found is not None
        return found.id


def office_post(client: TestClient, path: str, **data: str) -> object:
    page = path.rsplit("/", 1)[0]
    return client.post(path, data={"csrf": csrf_of(client, page), **data})


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread
        pass


@contextmanager
def served(api: FastAPI, port: int | None = None) -> Iterator[str]:
    """The app behind a real uvicorn on loopback, configured as `cchc portal` serves it."""
    port = port or free_port()
    server = _Server(server_config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
