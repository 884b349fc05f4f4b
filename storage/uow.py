"""Unit of work: one transaction, the repositories bound to it, commit or roll back (the
SQLAlchemy implementation of services.ports.UnitOfWork)."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import session_factory
from storage.outbox import OutboxRepository
from storage.records import NoticeLog, SubmissionRepository, Uploads
from storage.reports import ActivityReports, ReportDrafts
from storage.repositories import AuditLog, PlanRepository, UnitRepository
from storage.sessions import OfficeSessions
from storage.tasks import TaskRepository


class UnitOfWork:
    """`with uow:` opens a session; leave without commit() and everything is rolled back."""

    session: Session
    plans: PlanRepository
    units: UnitRepository
    tasks: TaskRepository
    audit: AuditLog
    outbox: OutboxRepository
    notices: NoticeLog
    submissions: SubmissionRepository
    uploads: Uploads
    reports: ActivityReports
    drafts: ReportDrafts
    logins: OfficeSessions

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.plans = PlanRepository(self.session)
        self.units = UnitRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.audit = AuditLog(self.session)
        self.outbox = OutboxRepository(self.session)
        self.notices = NoticeLog(self.session)
        self.submissions = SubmissionRepository(self.session)
        self.uploads = Uploads(self.session)
        self.reports = ActivityReports(self.session)
        self.drafts = ReportDrafts(self.session)
        self.logins = OfficeSessions(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Objects read here stay usable afterwards (detached, not expired by the rollback).
        self.session.expunge_all()
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class UnitsOfWork:
    """Makes the units of work of one database (one session factory per engine)."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = session_factory(engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)


def session_of(uow: object) -> Session:
    """The SQLAlchemy session of a unit of work from this package (for tests and tools that
    read tables directly); TypeError for any other unit of work."""
    if not isinstance(uow, UnitOfWork):
        raise TypeError(f"not a storage unit of work: {type(uow).__name__}")
    return uow.session
