"""A real Prefect API for the flow tests (prefect_test_harness, started once per session)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import common
from tests.conftest import PLAN_PATH, UNITS_PATH


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_MAIL__BACKEND", "memory")
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    monkeypatch.setenv("CCHC_BPMN_DIR", str(tmp_path / "bpmn"))
    monkeypatch.setenv("CCHC_REPORT_DIR", str(tmp_path / "reports"))
    common._context.cache_clear()
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)]).exit_code == 0
    yield url
    common._context.cache_clear()
