"""The reports: each activity's report for the year-end flow, and the consolidated report's
draft versions with the Director's decision on each."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.errors import NotFound
from domain.report_draft import DraftSource, DraftState, ReportDraft
from storage.tables import (
    ActivityReportRow,
    ActivityRow,
    OutgoingNumberRow,
    PlanRow,
    ReportDraftRow,
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

    def _plan_id(self, plan: str) -> int | None:
        return self.session.scalar(select(PlanRow.id).where(PlanRow.code == plan))

    def _row(self, plan: str, version: int | None = None) -> ReportDraftRow | None:
        query = (
            select(ReportDraftRow)
            .join(PlanRow, ReportDraftRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan)
        )
        if version is not None:
            query = query.where(ReportDraftRow.version == version)
        return self.session.scalar(query.order_by(ReportDraftRow.version.desc()).limit(1))

    def latest(self, *, plan: str) -> ReportDraft | None:
        row = self._row(plan)
        return _draft(plan, row) if row else None

    def get(self, *, plan: str, version: int) -> ReportDraft | None:
        row = self._row(plan, version)
        return _draft(plan, row) if row else None

    def save(self, draft: ReportDraft) -> None:
        """Store a draft: a new version, or the changes of one already stored."""
        row = self._row(draft.plan, draft.version)
        if row is None:
            plan_id = self._plan_id(draft.plan)
            if plan_id is None:
                raise NotFound(f"plan {draft.plan!r}")
            row = ReportDraftRow(plan_id=plan_id, version=draft.version)
        row.state, row.created_at = draft.state.value, draft.created_at
        row.content_hash, row.markdown, row.html = draft.content_hash, draft.markdown, draft.html
        row.docx_path, row.comments = draft.docx_path, draft.comments
        row.decided_by, row.decided_at = draft.decided_by, draft.decided_at
        row.source, row.number_symbol, row.issued_on = (
            draft.source.value,
            draft.number_symbol,
            draft.issued_on,
        )
        row.final_docx_path, row.final_pdf_path = draft.final_docx_path, draft.final_pdf_path
        row.signed_by = draft.signed_by
        self.session.add(row)
        self.session.flush()

    def number_holder(self, *, year: int, number: int) -> str | None:
        """What holds `number` in the outgoing register of `year` ("<plan> report#v2"), or
        None when it is free."""
        row = self.session.execute(
            select(PlanRow.code, OutgoingNumberRow.document)
            .join(PlanRow, OutgoingNumberRow.plan_id == PlanRow.id)
            .where(OutgoingNumberRow.year == year, OutgoingNumberRow.number == number)
        ).first()
        return f"{row[0]} {row[1]}" if row else None

    def register(
        self,
        *,
        plan: str,
        number: int,
        number_symbol: str,
        issued_on: date,
        document: str,
        at: datetime,
        by: str,
    ) -> None:
        """Enter `number` in the outgoing register of `issued_on`'s year; the unique key
        (year, number) refuses a number given twice, even by two clerks at once."""
        plan_id = self._plan_id(plan)
        if plan_id is None:
            raise NotFound(f"plan {plan!r}")
        self.session.add(
            OutgoingNumberRow(
                year=issued_on.year,
                number=number,
                number_symbol=number_symbol,
                issued_on=issued_on,
                plan_id=plan_id,
                document=document,
                recorded_at=at,
                recorded_by=by,
            )
        )
        self.session.flush()


def _draft(plan: str, row: ReportDraftRow) -> ReportDraft:
    return ReportDraft(
        plan=plan,
        version=row.version,
        state=DraftState(row.state),
        created_at=row.created_at,
        content_hash=row.content_hash,
        markdown=row.markdown,
        html=row.html,
        docx_path=row.docx_path or "",
        comments=row.comments or "",
        decided_by=row.decided_by or "",
        decided_at=row.decided_at,
        source=DraftSource(row.source),
        number_symbol=row.number_symbol,
        issued_on=row.issued_on,
        final_docx_path=row.final_docx_path,
        final_pdf_path=row.final_pdf_path,
        signed_by=row.signed_by,
    )
