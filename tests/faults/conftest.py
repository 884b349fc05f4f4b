"""The fault tests share the integration set-up (a loaded database, a mailer, a fixed clock)
and, for the PostgreSQL ones, the rehearsal stack `cchc up --postgres … --workers 2`."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from flows import common
from tests.conftest import UNITS_PATH
from tests.e2e.test_up_postgres import CCHC, base_url, stack_env, wait_for_line
from tests.integration.conftest import world as world

__all__ = ["base_url", "stack_env", "world"]


@pytest.fixture
def stack(
    base_url: str, stack_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The rehearsal running; this process pointed at its database and API."""
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(
        [CCHC, "up", "--postgres", base_url, "--workers", "2"],
        env=stack_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_line(up, tmp_path / "up.log", "running — Ctrl-C stops")
        base = make_url(base_url)
        env = {
            "CCHC_DATABASE_URL": base.set(
                drivername="postgresql+psycopg", database=f"{base.database}_cchc"
            ).render_as_string(hide_password=False),
            "CCHC_UNITS_PATH": str(UNITS_PATH),
            "CCHC_MAIL__BACKEND": "memory",
            "PREFECT_API_URL": f"http://127.0.0.1:{stack_env['CCHC_STACK__PREFECT_PORT']}/api",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        common._context.cache_clear()
        yield stack_env | env
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=120)
        log.close()
        if "CCHC_DATABASE_URL" in os.environ:  # close this process's pool on the database
            common.context(common.DEFAULT_PLAN).app.close()
        common._context.cache_clear()
