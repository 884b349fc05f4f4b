"""The Director's review of the consolidated report draft: approve, or return with comments."""

from __future__ import annotations

from datetime import datetime

from domain.errors import IllegalTransition, InvalidRequest, NotFound
from domain.report_draft import DraftAction, ReportDraft
from services.context import PlanContext


def latest_draft(ctx: PlanContext) -> ReportDraft | None:
    with ctx.app.uow() as uow:
        return uow.drafts.latest(plan=ctx.plan.code)


def draft_version(ctx: PlanContext, version: int) -> ReportDraft | None:
    with ctx.app.uow() as uow:
        return uow.drafts.get(plan=ctx.plan.code, version=version)


def decide(
    ctx: PlanContext, version: int, *, approve: bool, comments: str, at: datetime, by: str
) -> ReportDraft:
    """Record the decision on draft `version` (only the newest, only once), audit-logged."""
    if not approve and not comments.strip():
        raise InvalidRequest("Cần ghi ý kiến khi trả lại dự thảo")
    with ctx.app.uow() as uow:
        latest = uow.drafts.latest(plan=ctx.plan.code)
        if latest is None or latest.version != version:
            raise NotFound(f"report draft v{version} is not the current draft")
        try:
            decided = latest.apply(DraftAction.APPROVE if approve else DraftAction.RETURN)
        except IllegalTransition:
            raise InvalidRequest(f"Dự thảo lần {version} đã được xử lý trước đó") from None
        decided = decided.decided(comments=comments.strip(), by=by, at=at)
        uow.drafts.save(decided)
        uow.audit.record(
            at=at,
            actor=by,
            action=f"report.{decided.state.value}",
            entity="report",
            key=f"{ctx.plan.code}#v{version}",
            reason=comments.strip(),
            old={"state": latest.state.value},
            new={"state": decided.state.value},
        )
        uow.commit()
        return decided
