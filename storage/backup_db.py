"""The database's part of a backup: a consistent copy (SQLite's online backup, pg_dump) with
its schema revision and row counts, and the copy put back (SQLite's backup, pg_restore)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from domain.errors import CchcError
from storage.db import make_engine
from storage.migrate import alembic_config
from storage.tables import Base

Kind = Literal["sqlite", "postgresql"]
COPY_NAMES: dict[Kind, str] = {"sqlite": "cchc.sqlite3", "postgresql": "cchc.pgdump"}


class DatabaseCopyFailed(CchcError):
    """The database cannot be copied or put back (no such file, pg_dump or pg_restore missing
    or failing); the message carries the program's own words."""


@dataclass(frozen=True)
class DatabaseCopy:
    """A copy of the database as of one instant, with what it held then."""

    kind: Kind
    path: Path
    revision: str | None
    rows: dict[str, int]  # cchc's tables → rows, as of the copy


def kind_of(url: str) -> Kind:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise DatabaseCopyFailed(f"{shown_url(url)}: only SQLite and PostgreSQL can be backed up")


def shown_url(url: str) -> str:
    """`url` without its password: what may be written down or printed."""
    return _without_password(make_url(url)).render_as_string(hide_password=False)


def known_revision(revision: str | None) -> bool:
    """Whether this release's migrations know `revision` (None: an empty schema)."""
    if revision is None:
        return True
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return any(found.revision == revision for found in script.walk_revisions())


def copy_database(url: str, folder: Path, *, pg_dump: str) -> DatabaseCopy:
    """A consistent copy of the database at `url` in `folder`, taken while others write."""
    kind = kind_of(url)
    target = folder / COPY_NAMES[kind]
    if kind == "sqlite":
        source = _sqlite_file(url)
        if not source.is_file():
            raise DatabaseCopyFailed(f"no database file {source}")
        # One backup step copies every page under one read transaction: a snapshot, while
        # writers carry on in the WAL. The copy is made self-contained (no WAL of its own).
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        revision, rows = _read_plain(f"sqlite:///{target}")
        return DatabaseCopy(kind, target, revision, rows)
    program = _program(pg_dump, "CCHC_BACKUP__PG_DUMP")
    dsn, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the very snapshot the counts are read in.
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                revision, rows = _facts(conn)
                dump = ["--format=custom", "--no-password", f"--snapshot={snapshot}"]
                _run([program, *dump, f"--file={target}", f"--dbname={dsn}"], env)
    finally:
        engine.dispose()
    return DatabaseCopy(kind, target, revision, rows)


def row_counts(url: str) -> dict[str, int]:
    """Rows in each of cchc's tables the database at `url` has; a SQLite file that does not
    exist has none and is not created."""
    if kind_of(url) == "sqlite" and not _sqlite_file(url).exists():
        return {}
    return _read_plain(url)[1]


def restore_database(url: str, copy: Path, *, kind: Kind, pg_restore: str) -> None:
    """Put the copy at `copy` into the database at `url`, replacing what it holds."""
    if kind_of(url) != kind:
        raise DatabaseCopyFailed(f"a {kind} copy cannot be restored into {shown_url(url)}")
    if kind == "sqlite":
        target = _sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The backup API, not a file copy: a WAL left beside an old file cannot be mixed in.
        with (
            closing(sqlite3.connect(copy)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            src.backup(dst)
        return
    program = _program(pg_restore, "CCHC_BACKUP__PG_RESTORE")
    dsn, env = _libpq(url)
    load = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--no-password"]
    _run([program, *load, f"--dbname={dsn}", str(copy)], env)


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseCopyFailed(f"{url} is not a database file")
    return Path(database)


def _read_plain(url: str) -> tuple[str | None, dict[str, int]]:
    engine = create_engine(url)  # no pragmas, no folder made: only read
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _facts(conn: Connection) -> tuple[str | None, dict[str, int]]:
    present = set(inspect(conn).get_table_names())
    rows = {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in Base.metadata.sorted_tables
        if table.name in present
    }
    return MigrationContext.configure(conn).get_current_revision(), rows


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL for pg_dump/pg_restore and their environment; the password goes in
    PGPASSWORD, never on a command line others can read."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = _without_password(parsed.set(drivername="postgresql"))
    return plain.render_as_string(hide_password=False), env


def _without_password(url: URL) -> URL:
    # URL.set(password=None) keeps the password: None there means "unchanged".
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )


def _program(name: str, setting: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseCopyFailed(
            f"{name} not found: install the PostgreSQL client programs (the server's major "
            f"version or newer) or name the program in {setting}"
        )
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = done.stderr.strip() or f"exit status {done.returncode}"
        raise DatabaseCopyFailed(f"{Path(args[0]).name} failed: {said}")
