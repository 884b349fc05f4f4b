"""The e2e set-up: a database loaded through the CLI (the Prefect API is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from domain.clock import FixedClock
from flows import common
from services.bootstrap import App, bootstrap
from storage.migrate import upgrade
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


@pytest.fixture
def dated_app(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> Iterator[Callable[[datetime], App]]:
    """An app on a migrated empty database, its clock fixed where the test says, mail in
    memory, the flows of this process on the same settings; every engine closed after."""
    monkeypatch.setenv("CCHC_DATABASE_URL", database_url)
    monkeypatch.setenv("CCHC_MAIL__BACKEND", "memory")
    monkeypatch.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
    monkeypatch.setenv("CCHC_REPORT_DIR", str(tmp_path / "reports"))
    common.CACHE.clear()
    upgrade(database_url)
    made: list[App] = []

    def at(now: datetime) -> App:
        made.append(bootstrap(clock=FixedClock(now)))
        return made[-1]

    yield at
    for ctx in list(common.CACHE._contexts.values()):  # the flows' own engines
        ctx.app.close()
    for app in made:
        app.close()
    common.CACHE.clear()


@pytest.fixture(scope="session")
def replayed(
    tmp_path_factory: pytest.TempPathFactory, prefect_api: None
) -> tuple[Path, dict[str, Any]]:
    """`cchc demo`'s year, replayed once for the session: its folder and summary (read only:
    test_demo.py checks it, test_plan_archive.py files its record)."""
    from cli.demo_cmd import replay_year
    from services.settings import Settings

    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        # run_demo points these at `out`; setting them here restores them afterwards
        env.setenv("CCHC_DATABASE_URL", f"sqlite:///{out / 'cchc.db'}")
        env.setenv("CCHC_MAIL__BACKEND", "file")
        env.setenv("CCHC_MAIL__FILE_DIR", str(out / "mail"))
        env.setenv("CCHC_REPORT_DIR", str(out / "reports"))
        env.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
        env.setenv("CCHC_PLAN_PATH", str(PLAN_PATH))
        common.CACHE.clear()
        result = replay_year(Settings(), out)
        common.CACHE.clear()
    return out, result.summary
