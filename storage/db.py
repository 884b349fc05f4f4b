"""Engines and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine as Engine  # the handle the wiring keeps, named from here
from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
IN_LIMIT = 5000  # values bound in one IN (…): under every supported database's limit


def chunks(items: Sequence[T], size: int = IN_LIMIT) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, for IN (…) queries over many ids or keys."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys, WAL and a busy wait."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if parsed.database and parsed.database != ":memory:":
            # WAL with synchronous=NORMAL: a commit survives a crash of the process (what the
            # outbox needs); only a power cut can lose the last commits. No fsync per commit.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@lru_cache(maxsize=32)
def _insert_ignoring(dialect: str, table: Table, unique: tuple[str, ...]) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    key = table.c.id if "id" in table.c else table.c[unique[0]]
    return insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(key)


def insert_ignoring_duplicates(
    session: Session, table: Table, values: dict[str, Any], *, unique: tuple[str, ...]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when a row was added.

    The statement is built once per table and run on the session's connection with plain
    parameters: building it per row cost more than the insert itself.
    """
    connection = session.connection()
    statement = _insert_ignoring(connection.dialect.name, table, unique)
    # RETURNING, not rowcount: drivers may report -1 for a skipped row.
    return connection.execute(statement, values).first() is not None
