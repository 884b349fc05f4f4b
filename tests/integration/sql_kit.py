"""What the tests that count SQL share: the statements an engine runs inside a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.integration.conftest import World

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()).upper())

    event.listen(world.app.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(world.app.engine, "before_cursor_execute", record)
