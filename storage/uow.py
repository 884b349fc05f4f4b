"""Unit of work: one transaction, the repositories bound to it, commit or roll back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.outbox import OutboxRepository
from storage.records import ActivityReports, NoticeLog, ReportDrafts, SubmissionRepository
from storage.repositories import AuditLog, PlanRepository, TaskRepository, UnitRepository
from storage.sessions import OfficeSessions


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
