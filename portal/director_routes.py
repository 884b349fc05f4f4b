"""The Director's pages: the consolidated report's latest draft, and the decision on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.errors import InvalidRequest
from domain.report_draft import ReportDraft
from domain.year_end import YEAR_END
from portal.resume import resume_later
from portal.state import Portal, staff_post
from services import review
from services.context import PlanContext

DECISIONS = ("approve", "return")


def director_routes(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth = portal.auth

    @router.get("/director", response_class=HTMLResponse)
    def director(request: Request, done: str = "") -> Any:
        user = auth.require(request, "director", "office")
        ctx = portal.staff_context(request)
        draft = review.latest_draft(ctx)
        can_decide = auth.role(request) == "director"
        return draft_page(portal, request, ctx, draft, user=user, can_decide=can_decide, done=done)

    @router.post("/director/{version}/{decision}", response_class=HTMLResponse)
    async def decide(
        request: Request, version: str, decision: str, background: BackgroundTasks
    ) -> Any:
        posted = await staff_post(portal, request, "director", version, decision, DECISIONS)
        user, number = posted.user, posted.id
        comments = posted.fields.get("comments", "")[:10_000]
        ctx = portal.staff_context(request)
        try:
            at, by = portal.app.clock.now(), f"director:{user}"
            await run_in_threadpool(_decide, ctx, number, decision, comments, at, by)
        except InvalidRequest as exc:
            draft = review.latest_draft(ctx)
            return draft_page(
                portal, request, ctx, draft, user=user, can_decide=True, status=400, error=str(exc)
            )
        background.add_task(resume_later, ctx.plan.code, YEAR_END)
        return RedirectResponse(f"/director?plan={ctx.plan.code}&done={decision}", 303)

    return router


def _decide(
    ctx: PlanContext, number: int, decision: str, comments: str, at: datetime, by: str
) -> None:
    review.decide(ctx, number, approve=decision == "approve", comments=comments, at=at, by=by)


def draft_page(
    portal: Portal,
    request: Request,
    ctx: PlanContext,
    draft: ReportDraft | None,
    *,
    user: str,
    can_decide: bool,
    done: str = "",
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    return portal.staff_page(
        request,
        "director.html",
        status,
        ctx=ctx,
        title="Dự thảo báo cáo",
        user=user,
        draft=draft,
        can_decide=can_decide,
        is_office=portal.auth.role(request) == "office",
        today=portal.app.clock.now().date().isoformat(),
        done=done,
        error=error,
    )
