"""`cchc up --postgres URL`: the two PostgreSQL databases of a one-machine rehearsal."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.admin import answers, create_missing_databases

DEFAULT_BASE = "cchc"
MAINTENANCE_DB = "postgres"
# PostgreSQL truncates identifiers at 63 bytes; keep room for the longest suffix.
_BASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,54}")


class RehearsalError(RuntimeError):
    """The rehearsal's databases cannot be named, reached or created; the message says why."""


@dataclass(frozen=True)
class RehearsalDatabases:
    """The URL names a server and a base name B; cchc uses two databases on that server:
    `B_cchc` for the project's tables (psycopg) and `B_prefect` for the Prefect server
    (asyncpg). Both are created when missing and kept afterwards."""

    server: URL

    @classmethod
    def parse(cls, url: str) -> RehearsalDatabases:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise RehearsalError(f"not a database URL: {url!r}") from None
        if parsed.get_backend_name() != "postgresql":
            raise RehearsalError(
                f"--postgres needs a PostgreSQL URL, e.g. "
                f"postgresql+psycopg://postgres@127.0.0.1:5432/cchc (got {parsed.drivername})"
            )
        base = parsed.database or DEFAULT_BASE
        if not _BASE_NAME.fullmatch(base):
            raise RehearsalError(
                f"database base name {base!r}: use lower-case letters, digits and _ "
                "(at most 55 characters); cchc adds _cchc and _prefect"
            )
        return cls(parsed.set(database=base))

    @property
    def base(self) -> str:
        return str(self.server.database)

    @property
    def cchc_name(self) -> str:
        return f"{self.base}_cchc"

    @property
    def prefect_name(self) -> str:
        return f"{self.base}_prefect"

    @property
    def cchc_url(self) -> str:
        """CCHC_DATABASE_URL of every process of the stack."""
        return self._url("postgresql+psycopg", self.cchc_name)

    @property
    def prefect_url(self) -> str:
        """PREFECT_SERVER_DATABASE_CONNECTION_URL of the Prefect server."""
        return self._url("postgresql+asyncpg", self.prefect_name)

    def _url(self, driver: str, database: str) -> str:
        url = self.server.set(drivername=driver, database=database)
        return url.render_as_string(hide_password=False)

    def shown(self, database: str) -> str:
        """A database of the rehearsal as it may be printed (no password)."""
        url = self.server.set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=True)

    def ensure(self) -> list[str]:
        """Create whichever of the two databases is missing; the names created."""
        if importlib.util.find_spec("asyncpg") is None:
            raise RehearsalError(
                "the Prefect server needs the asyncpg driver for PostgreSQL, and it is not "
                "installed in this environment: install it (pip install asyncpg) and retry"
            )
        try:
            return self._create_missing()
        except SQLAlchemyError as exc:
            if self._reachable():  # no maintenance access, but both exist: enough
                return []
            raise RehearsalError(
                f"cannot prepare databases on {self.shown(MAINTENANCE_DB)}: {_reason(exc)}\n"
                f"is the server running (pg_isready -h {self.server.host} -p "
                f"{self.server.port or 5432})? Does the user have CREATEDB? Otherwise create "
                f"{self.cchc_name} and {self.prefect_name} beforehand (createdb NAME)"
            ) from None

    def _create_missing(self) -> list[str]:
        maintenance = self._url("postgresql+psycopg", MAINTENANCE_DB)
        return create_missing_databases(maintenance, [self.cchc_name, self.prefect_name])

    def _reachable(self) -> bool:
        names = (self.cchc_name, self.prefect_name)
        return all(answers(self._url("postgresql+psycopg", name)) for name in names)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own words, first line: enough to act on, without SQLAlchemy's preamble."""
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0]
