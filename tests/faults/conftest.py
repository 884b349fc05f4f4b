"""The fault tests share the integration set-up (a loaded database, a mailer, a fixed clock)
and, for the PostgreSQL ones, the rehearsal stack `cchc up --postgres … --workers 2`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_up_postgres import base_url, rehearsal, stack_env
from tests.faults.kit import point_at
from tests.integration.conftest import world as world

__all__ = ["base_url", "stack_env", "world"]


@pytest.fixture
def stack(
    base_url: str, stack_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The rehearsal running; this process pointed at its database and API."""
    with (
        rehearsal(base_url, stack_env, tmp_path),
        point_at(base_url, stack_env, monkeypatch) as env,
    ):
        yield env
