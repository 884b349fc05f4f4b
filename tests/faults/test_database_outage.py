"""The database goes away while a unit submits: a Vietnamese "try again" page, nothing half
written; once it is back, the same form goes through once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests.integration.conftest import World
from tests.integration.portal_kit import EVIDENCE_KEY, PDF, link, portal_client, rows


@contextmanager
def outage(url: str) -> Iterator[None]:
    """Make the database refuse work for real: SQLite held under an exclusive lock by another
    connection; PostgreSQL closed to new connections and every session terminated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(parsed.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = parsed.set(drivername="postgresql", database="postgres")
    name = parsed.database
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            yield
        finally:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def test_a_submission_during_an_outage_is_refused_whole_and_goes_through_after(
    world: World, client: TestClient
) -> None:
    form = {"content": "Minh chứng lớp tập huấn", "nonce": "mot-lan", "file_1_desc": "Biên bản"}
    files = {"file_1": ("bien-ban.pdf", PDF, "application/pdf")}
    url = link(world, EVIDENCE_KEY)
    assert client.get(url).status_code == 200
    before = rows(world)
    with outage(world.app.settings.database_url):
        refused = client.post(url, data=form, files=files)
    assert refused.status_code == 503
    assert "Chưa lưu được do hệ thống đang bận" in refused.text
    assert 'lang="vi"' in refused.text
    assert rows(world) == before  # no submission, evidence, upload, outbox or audit row
    again = client.post(url, data=form, files=files)  # the unit presses Gửi again
    assert again.status_code == 200, again.text
    after = rows(world)
    assert after["submissions"] == before["submissions"] + 1
    assert after["evidence"] == before["evidence"] + 1
    assert after["outbox"] == before["outbox"] + 1  # one receipt
    twice = client.post(url, data=form, files=files)  # the same form once more
    assert twice.status_code == 200
    assert rows(world) == after
