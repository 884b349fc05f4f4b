"""What the replay reads back from the database: the links mailed, the counts it reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from domain.year_end import YEAR_END
from storage.db import Engine, session_factory
from storage.tables import ActivityRow, NoticeRow, OutboxRow, ReportDraftRow, TaskRow


@dataclass(frozen=True)
class MailedTask:
    """One assignment mail: its outbox id, the task it assigns and its plain-text body."""

    mail_id: int
    task_id: int | None
    body: str


@dataclass(frozen=True)
class DraftSeen:
    """The newest version of the consolidated report, as the replay's summary shows it."""

    version: int
    state: str
    docx_path: str
    markdown: str
    number_symbol: str = ""
    final_docx_path: str = ""  # the final as sent (numbered, no DỰ THẢO)
    final_pdf_path: str = ""
    signed_by: str = ""


class ReplayReads:
    """The replay's queries on one database, each in a session of its own (it only reads)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    def assignments_after(self, mail_id: int) -> list[MailedTask]:
        """The assignment mails queued after outbox id `mail_id`, oldest first."""
        query = (
            select(OutboxRow.id, OutboxRow.task_id, OutboxRow.body_text)
            .where(
                OutboxRow.kind == "task_assigned",
                OutboxRow.task_id.is_not(None),
                OutboxRow.id > mail_id,
            )
            .order_by(OutboxRow.id)
        )
        with self._sessions() as session:
            return [MailedTask(mail, task, body) for mail, task, body in session.execute(query)]

    def sent_by_kind(self) -> dict[str, int]:
        """How many mails of each kind went out."""
        query = (
            select(OutboxRow.kind, func.count())
            .where(OutboxRow.state == "sent")
            .group_by(OutboxRow.kind)
        )
        with self._sessions() as session:
            return {kind: n for kind, n in session.execute(query).all()}

    def unit_mails(self) -> list[tuple[str, str]]:
        """(kind, idempotency key) of every assignment, reminder, chase and digest sent: the
        mails a unit gets about its work, receipts aside."""
        kinds = ("task_assigned", "assignment_digest", "reminder", "overdue", "unit_digest")
        query = select(OutboxRow.kind, OutboxRow.idempotency_key).where(
            OutboxRow.state == "sent", OutboxRow.kind.in_(kinds)
        )
        with self._sessions() as session:
            return [(kind, key) for kind, key in session.execute(query)]

    def rungs_fired(self) -> dict[str, dict[str, int]]:
        """How often each rung fired, for the activities' ladder and the year-end one."""
        year_end = ActivityRow.code == YEAR_END
        query = (
            select(year_end, NoticeRow.rung, func.count())
            .join(TaskRow, TaskRow.id == NoticeRow.task_id)
            .join(ActivityRow, ActivityRow.id == TaskRow.activity_id)
            .group_by(year_end, NoticeRow.rung)
        )
        with self._sessions() as session:
            fired = session.execute(query).all()
        return {
            ladder: {
                rung: n for is_year_end, rung, n in fired if is_year_end == (ladder == "year_end")
            }
            for ladder in ("activities", "year_end")
        }

    def newest_draft(self) -> DraftSeen | None:
        """The consolidated report's highest version, if one was drafted."""
        query = select(ReportDraftRow).order_by(ReportDraftRow.version.desc())
        with self._sessions() as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            return DraftSeen(
                row.version,
                row.state,
                row.docx_path,
                row.markdown,
                row.number_symbol,
                row.final_docx_path,
                row.final_pdf_path,
                row.signed_by,
            )
