"""In-memory adapters for the services' ports: a unit of work whose repositories keep lists
and dicts, so a use case runs without a database, a server or a network.

One `Store` holds what is "committed"; a `FakeUnitOfWork` works on a copy and writes it back
on commit(), so leaving without commit() loses the work exactly as the real one does.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine

from services.bootstrap import App
from tests.unit.fake_records import (
    FakeDrafts,
    FakeLogins,
    FakeNotices,
    FakeOutbox,
    FakeReports,
    FakeSubmissions,
    FakeUploads,
)
from tests.unit.fake_store import (
    FakeAudit,
    FakePlans,
    FakeTasks,
    FakeUnits,
    Queued,
    Store,
)

__all__ = ["FakeApp", "FakeUnitOfWork", "Queued", "Store"]


class FakeUnitOfWork:
    """Works on a copy of the store; commit() makes the copy the store."""

    plans: FakePlans
    units: FakeUnits
    tasks: FakeTasks
    audit: FakeAudit
    outbox: FakeOutbox
    notices: FakeNotices
    submissions: FakeSubmissions
    uploads: FakeUploads
    reports: FakeReports
    drafts: FakeDrafts
    logins: FakeLogins

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Self:
        self._work = self.store.copy()
        work = self._work
        self.plans, self.units, self.tasks = FakePlans(work), FakeUnits(work), FakeTasks(work)
        self.audit, self.outbox, self.notices = FakeAudit(work), FakeOutbox(work), FakeNotices(work)
        self.submissions, self.uploads = FakeSubmissions(work), FakeUploads(work)
        self.reports, self.drafts, self.logins = (
            FakeReports(work),
            FakeDrafts(work),
            FakeLogins(work),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._work.commits += 1
        self.store.__dict__.update(self._work.copy().__dict__)

    def rollback(self) -> None:
        self.__enter__()


class FakeApp(App):
    """The wiring with the in-memory unit of work in place of the database."""

    store: Store

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    @property
    def engine(self) -> Engine:
        raise AssertionError("the services' unit layer opens no database")
