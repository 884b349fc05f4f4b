"""Records kept beside tasks: the ladder log, submission versions, activity reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import chunks, insert_ignoring_duplicates
from storage.tables import (
    ActivityReportRow,
    ActivityRow,
    Base,
    EvidenceRow,
    NoticeRow,
    PlanRow,
    ReportDraftRow,
    SubmissionRow,
    TaskRow,
)


class NoticeLog:
    """Which ladder rungs have fired for which task: each (task, kind, rung) at most once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, *, task_id: int, kind: str, rung: str, due_on: date, outbox_key: str, at: datetime
    ) -> bool:
        values = {
            "task_id": task_id,
            "kind": kind,
            "rung": rung,
            "due_on": due_on,
            "outbox_key": outbox_key,
            "created_at": at,
        }
        return insert_ignoring_duplicates(
            self.session,
            Base.metadata.tables["notices"],
            values,
            unique=("task_id", "kind", "rung"),
        )

    def counts(self, *, plan_id: int) -> dict[str, int]:
        """How many rungs of each kind (reminder, overdue, escalation) fired in a plan."""
        rows = self.session.execute(
            select(NoticeRow.kind, func.count())
            .join(TaskRow, NoticeRow.task_id == TaskRow.id)
            .where(TaskRow.plan_id == plan_id)
            .group_by(NoticeRow.kind)
        )
        return {kind: count for kind, count in rows}


class SubmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        task_id: int,
        at: datetime,
        by: str,
        payload: dict[str, Any],
        nonce: str | None = None,
    ) -> int:
        """Store a new version of a task's submission; every earlier version is kept. A form
        posted twice (same nonce) raises IntegrityError on the second: see `by_nonce`."""
        last = self.session.scalar(
            select(func.max(SubmissionRow.version)).where(SubmissionRow.task_id == task_id)
        )
        version = (last or 0) + 1
        self.session.add(
            SubmissionRow(
                task_id=task_id,
                version=version,
                submitted_at=at,
                submitted_by=by,
                payload=payload,
                nonce=nonce,
            )
        )
        self.session.flush()
        return version

    def add_evidence(
        self, *, task_id: int, version: int, items: list[dict[str, Any]], at: datetime
    ) -> None:
        """Evidence rows (links and files) of one submission version."""
        submission_id = self.session.scalar(
            select(SubmissionRow.id).where(
                SubmissionRow.task_id == task_id, SubmissionRow.version == version
            )
        )
        for item in items:
            self.session.add(
                EvidenceRow(
                    task_id=task_id,
                    submission_id=submission_id,
                    kind=item["kind"],
                    url=item.get("url"),
                    sha256=item.get("sha256"),
                    filename=item.get("filename"),
                    description=item.get("description", ""),
                    topics=list(item.get("topics", [])),
                    counts=dict(item.get("counts", {})),
                    created_at=at,
                )
            )

    def evidence(self, task_ids: list[int]) -> list[EvidenceRow]:
        return list(
            self.session.scalars(
                select(EvidenceRow)
                .where(EvidenceRow.task_id.in_(task_ids))
                .order_by(EvidenceRow.id)
            )
        )

    def by_nonce(self, task_id: int, nonce: str) -> int | None:
        """The version a form (by its nonce) already produced, if any."""
        return self.session.scalar(
            select(SubmissionRow.version).where(
                SubmissionRow.task_id == task_id, SubmissionRow.nonce == nonce
            )
        )

    def latest(self, task_ids: Sequence[int]) -> dict[int, SubmissionRow]:
        """The newest version of each task's submissions (tasks with none left out)."""
        found: dict[int, SubmissionRow] = {}
        for chunk in chunks(task_ids):
            for row in self.session.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.task_id.in_(chunk))
                .order_by(SubmissionRow.task_id, SubmissionRow.version)
            ):
                found[row.task_id] = row
        return found

    def versions(self, task_id: int) -> list[SubmissionRow]:
        return list(
            self.session.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.task_id == task_id)
                .order_by(SubmissionRow.version)
            )
        )


class ActivityReports:
    """The report each activity's run leaves for the year-end flow."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, plan: str, activity: str) -> tuple[ActivityReportRow | None, int, int]:
        plan_id, activity_id = self.session.execute(
            select(PlanRow.id, ActivityRow.id)
            .join(ActivityRow, ActivityRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan, ActivityRow.code == activity)
        ).one()
        row = self.session.scalar(
            select(ActivityReportRow).where(
                ActivityReportRow.plan_id == plan_id, ActivityReportRow.activity_id == activity_id
            )
        )
        return row, plan_id, activity_id

    def save(self, *, plan: str, activity: str, content: dict[str, Any], at: datetime) -> bool:
        """Store the current report; False (and nothing written) when it is unchanged."""
        row, plan_id, activity_id = self._row(plan, activity)
        if row is not None and row.content == content:
            return False
        row = row or ActivityReportRow(plan_id=plan_id, activity_id=activity_id)
        row.content, row.updated_at = content, at
        self.session.add(row)
        return True

    def get(self, *, plan: str, activity: str) -> dict[str, Any] | None:
        row, _plan_id, _activity_id = self._row(plan, activity)
        return dict(row.content) if row else None


class ReportDrafts:
    """Versions of the consolidated report and the Director's decision on each."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, *, plan_id: int) -> ReportDraftRow | None:
        return self.session.scalar(
            select(ReportDraftRow)
            .where(ReportDraftRow.plan_id == plan_id)
            .order_by(ReportDraftRow.version.desc())
            .limit(1)
        )

    def get(self, *, plan_id: int, version: int) -> ReportDraftRow | None:
        return self.session.scalar(
            select(ReportDraftRow).where(
                ReportDraftRow.plan_id == plan_id, ReportDraftRow.version == version
            )
        )

    def add(self, row: ReportDraftRow) -> ReportDraftRow:
        self.session.add(row)
        self.session.flush()
        return row
