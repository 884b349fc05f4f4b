"""The Office's progress workbook (.xlsx), downloaded from the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.state import Portal
from services.report_excel import progress_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def excel_routes(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/office/progress.xlsx")
    def progress(request: Request) -> Response:
        portal.auth.require(request, "office", "director")
        ctx = portal.staff_context(request)
        body = progress_xlsx(ctx, now=portal.app.clock.now())
        # a plan code is a slug, so it is safe in a file name
        disposition = f'attachment; filename="tien-do-{ctx.plan.code}.xlsx"'
        headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
        return Response(body, media_type=XLSX, headers=headers)

    return router
