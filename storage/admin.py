"""Database administration for a rehearsal: create the databases it needs, check they answer."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError


def create_missing_databases(maintenance_url: str, names: Sequence[str]) -> list[str]:
    """CREATE DATABASE each of `names` the PostgreSQL server at `maintenance_url` lacks;
    the names created. SQLAlchemyError when the server refuses."""
    engine = create_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    created = []
    try:
        with engine.connect() as conn:
            for name in names:
                found = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).first()
                if found is None:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                    created.append(name)
    finally:
        engine.dispose()
    return created


def answers(url: str) -> bool:
    """Whether the database at `url` accepts a connection and a query."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return True
