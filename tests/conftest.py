"""Shared fixtures: the repository's plan files, calendar and databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from documents.plans.files import load_calendar, load_plan, load_units
from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.units import UnitDirectory

ROOT = Path(__file__).resolve().parent.parent
PLAN_PATH = ROOT / "plans" / "2025-skhcn-quang-ngai.yaml"
PLAN_CODE = "2025-skhcn-quang-ngai"  # the code inside PLAN_PATH
UNITS_PATH = ROOT / "plans" / "units.example.yaml"
OVERRIDES_PATH = ROOT / "plans" / "calendar-overrides.yaml"
SEED_PATH = ROOT / "plans" / "source" / "281-KH-SKHCN-2025.txt"


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    return load_calendar(OVERRIDES_PATH)


@pytest.fixture(scope="session")
def directory() -> UnitDirectory:
    return load_units(UNITS_PATH)


@pytest.fixture(scope="session")
def plan(directory: UnitDirectory, calendar: WorkingCalendar) -> Plan:
    return load_plan(PLAN_PATH, directory=directory, calendar=calendar)


@pytest.fixture(scope="session")
def postgres_server_url() -> str | None:
    return os.environ.get("CCHC_TEST_POSTGRES_URL") or None


def _fresh_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"cchc_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server_url: str | None
) -> Iterator[str]:
    """An empty database: a SQLite file always; PostgreSQL when CCHC_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cchc.db'}"
        return
    if postgres_server_url is None:
        pytest.skip("CCHC_TEST_POSTGRES_URL is not set")
    yield from _fresh_postgres(postgres_server_url)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real Prefect API for the flow tests (prefect_test_harness, once per session)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
