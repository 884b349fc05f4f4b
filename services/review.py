"""The Director's review of the consolidated report draft: approve, or return with comments."""

from __future__ import annotations

from datetime import datetime

from domain.errors import IllegalTransition, InvalidRequest, NotFound
from domain.report_draft import DraftAction, DraftState, apply
from services.context import PlanContext
from storage.tables import ReportDraftRow


def latest_draft(ctx: PlanContext) -> ReportDraftRow | None:
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        return uow.drafts.latest(plan_id=plan_row.id) if plan_row else None


def decide(
    ctx: PlanContext, version: int, *, approve: bool, comments: str, at: datetime, by: str
) -> ReportDraftRow:
    """Record the decision on draft `version` (only the newest, only once), audit-logged."""
    if not approve and not comments.strip():
        raise InvalidRequest("Cần ghi ý kiến khi trả lại dự thảo")
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        latest = uow.drafts.latest(plan_id=plan_row.id) if plan_row else None
        if latest is None or latest.version != version:
            raise NotFound(f"report draft v{version} is not the current draft")
        action = DraftAction.APPROVE if approve else DraftAction.RETURN
        try:
            new = apply(DraftState(latest.state), action)
        except IllegalTransition:
            raise InvalidRequest(f"Dự thảo lần {version} đã được xử lý ({latest.state})") from None
        old = {"state": latest.state}
        latest.state = new.value
        latest.comments, latest.decided_by, latest.decided_at = comments.strip(), by, at
        uow.audit.record(
            at=at,
            actor=by,
            action=f"report.{latest.state}",
            entity="report",
            key=f"{ctx.plan.code}#v{version}",
            reason=comments.strip(),
            old=old,
            new={"state": latest.state},
        )
        uow.commit()
        return latest
