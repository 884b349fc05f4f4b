"""The fault tests share the integration set-up (a loaded database, a mailer, a fixed clock)
and, for the PostgreSQL ones, the rehearsal stack `cchc up --postgres … --workers 2`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import common
from tests.conftest import PLAN_CODE, UNITS_PATH
from tests.e2e.test_up_postgres import auth_string, base_url, cchc_url, rehearsal, stack_env
from tests.integration.conftest import world as world

__all__ = ["base_url", "stack_env", "world"]


@pytest.fixture
def stack(
    base_url: str, stack_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The rehearsal running; this process pointed at its database and API."""
    with rehearsal(base_url, stack_env, tmp_path):
        env = {
            "CCHC_DATABASE_URL": cchc_url(base_url),
            "CCHC_UNITS_PATH": str(UNITS_PATH),
            "CCHC_MAIL__BACKEND": "memory",
            "PREFECT_API_URL": f"http://127.0.0.1:{stack_env['CCHC_STACK__PREFECT_PORT']}/api",
            "PREFECT_API_AUTH_STRING": auth_string(stack_env),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        common.CACHE.clear()
        try:
            yield stack_env | env
        finally:
            if "CCHC_DATABASE_URL" in os.environ:  # close this process's pool on the database
                common.context(PLAN_CODE).app.close()
            common.CACHE.clear()
