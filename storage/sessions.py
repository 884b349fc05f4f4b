"""Office login sessions: rows in, domain sessions out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from domain.sessions import OfficeSession, SessionEnd
from storage.tables import OfficeSessionRow


class OfficeSessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, sid: str, found: OfficeSession) -> None:
        self.session.add(
            OfficeSessionRow(
                id=sid,
                account=found.account,
                role=found.role,
                credential=found.credential,
                created_at=found.created_at,
                last_seen_at=found.last_seen_at,
                ended_at=None,
                ended_because="",
            )
        )

    def get(self, sid: str) -> OfficeSession | None:
        row = self.session.get(OfficeSessionRow, sid)
        if row is None:
            return None
        return OfficeSession(
            account=row.account,
            role=row.role,
            credential=row.credential,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            ended_at=row.ended_at,
            ended_because=row.ended_because,
        )

    def seen(self, sid: str, at: datetime) -> None:
        self.session.execute(
            update(OfficeSessionRow).where(OfficeSessionRow.id == sid).values(last_seen_at=at)
        )

    def end(self, sid: str, *, at: datetime, because: SessionEnd) -> None:
        self.session.execute(
            update(OfficeSessionRow)
            .where(OfficeSessionRow.id == sid, OfficeSessionRow.ended_at.is_(None))
            .values(ended_at=at, ended_because=because.value)
        )

    def end_all(self, account: str, *, at: datetime, because: SessionEnd) -> int:
        """End every live session of an account; how many were live."""
        done = self.session.execute(
            update(OfficeSessionRow)
            .where(OfficeSessionRow.account == account, OfficeSessionRow.ended_at.is_(None))
            .values(ended_at=at, ended_because=because.value)
        )
        return int(getattr(done, "rowcount", 0) or 0)
