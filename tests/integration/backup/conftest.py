"""The backup tests' fixtures: a portal whose unit keeps handing in, an empty target, an archive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.units import UnitDirectory
from services.backup_archive import Manifest
from services.settings import Settings
from tests.integration.backup_kit import (
    Source,
    empty_target,
    source_portal,
    take_while_handing_in,
)
from tests.integration.conftest import World


@pytest.fixture
def source(world: World, directory: UnitDirectory, tmp_path: Path) -> Iterator[Source]:
    with source_portal(world, directory, tmp_path) as source:
        yield source


@pytest.fixture
def target(
    tmp_path: Path, database_url: str, postgres_server_url: str | None
) -> Iterator[Settings]:
    with empty_target(tmp_path, database_url, postgres_server_url) as target:
        yield target


@pytest.fixture
def archive(source: Source, tmp_path: Path) -> tuple[Path, Manifest, dict[int, tuple[Any, ...]]]:
    return take_while_handing_in(source, tmp_path)
