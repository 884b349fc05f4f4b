"""The e2e set-up: a database loaded through the CLI (the Prefect API is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import common
from tests.conftest import PLAN_PATH, UNITS_PATH


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    monkeypatch.setenv("CCHC_MAIL__BACKEND", "memory")
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    monkeypatch.setenv("CCHC_BPMN_DIR", str(tmp_path / "bpmn"))
    monkeypatch.setenv("CCHC_REPORT_DIR", str(tmp_path / "reports"))
    common.CACHE.clear()
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)]).exit_code == 0
    yield url
    common.CACHE.clear()
