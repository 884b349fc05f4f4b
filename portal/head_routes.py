"""The unit head's page behind a signed link scoped to one unit and plan: the unit's tasks,
and a form to report difficulties to the Office (and, when asked, the Director).

The link is the credential, as on the task pages, so the form carries no CSRF token; a
hidden nonce makes the same form posted twice count once.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from domain.clock import local_date
from domain.errors import InvalidRequest
from domain.vi import dmy
from portal.posted import posted_form
from portal.state import Portal
from services.context import PlanContext
from services.head import head_page, report_difficulty
from services.links import LinkInvalid, UnitClaims

SENT = "Đã gửi báo cáo khó khăn, vướng mắc đến Văn phòng Sở."


def head_routes(portal: Portal) -> APIRouter:
    router = APIRouter()

    @router.get("/u/{token}", response_class=HTMLResponse)
    def unit_page(request: Request, token: str) -> HTMLResponse:
        claims, ctx = _open(portal, token)
        return portal.page(request, "head.html", **_values(portal, ctx, claims))

    @router.post("/u/{token}", response_class=HTMLResponse)
    async def difficulty(request: Request, token: str) -> HTMLResponse:
        claims, ctx = await run_in_threadpool(_open, portal, token)
        async with posted_form(request, max_files=0, max_fields=10) as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            await run_in_threadpool(_record, portal, ctx, claims, fields)
        except InvalidRequest as exc:
            values = _values(portal, ctx, claims, error=str(exc), form=fields)
            return portal.page(request, "head.html", 400, **values)
        return portal.page(request, "head.html", **_values(portal, ctx, claims, sent=SENT))

    return router


def _open(portal: Portal, token: str) -> tuple[UnitClaims, PlanContext]:
    claims = portal.signer.read_unit(token, today=local_date(portal.app.clock.now()))
    if not claims.plan:
        raise LinkInvalid("the unit link names no plan")
    return claims, portal.context(claims.plan)


def _record(portal: Portal, ctx: PlanContext, claims: UnitClaims, fields: dict[str, str]) -> bool:
    with portal.write_lock:
        return report_difficulty(
            ctx,
            unit=claims.unit,
            text=fields.get("difficulties", ""),
            to_director=fields.get("to_director") == "1",
            nonce=fields.get("nonce", ""),
            at=portal.app.clock.now(),
        )


def _values(portal: Portal, ctx: PlanContext, claims: UnitClaims, **extra: Any) -> dict[str, Any]:
    page = head_page(ctx, unit=claims.unit, now=portal.app.clock.now())
    return {
        "title": f"Theo dõi thực hiện Kế hoạch — {page.unit.name}",
        "plan": ctx.plan,
        "plan_date": dmy(ctx.plan.issued_on),
        "unit": page.unit,
        "rows": page.rows,
        "reports": page.reports,
        "expires": dmy(claims.expires_on),
        "nonce": secrets.token_urlsafe(16),
        "error": "",
        "sent": "",
        "form": {},
        **extra,
    }
