"""The report's last steps for the Office: an edited .docx as the next draft, the văn thư's
number and date on the approved one; and the report's files for the staff."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from domain.errors import NotFound, ReportRefused
from domain.report_draft import ReportDraft
from domain.year_end import YEAR_END
from portal.director_routes import draft_page
from portal.posted import posted_form
from portal.resume import resume_later
from portal.state import Portal, row_id
from services import report_final, review

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILES = {  # kind in the path → the draft's field, the content type
    "docx": ("docx_path", DOCX),
    "final-docx": ("final_docx_path", DOCX),
    "final-pdf": ("final_pdf_path", "application/pdf"),
}


def report_routes(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth = portal.auth

    @router.post("/office/report/upload", response_class=HTMLResponse)
    async def upload(request: Request, background: BackgroundTasks) -> Any:
        user = auth.require(request, "office")
        limit = portal.app.settings.portal.max_upload_bytes
        async with posted_form(request, max_files=1, max_fields=10) as form:
            auth.check_csrf(request, form.get("csrf"))
            sent = form.get("docx")
            if not isinstance(sent, UploadFile) or not sent.filename:
                return _refused(portal, request, user, "Chưa chọn tệp dự thảo (.docx)")
            content, filename = await sent.read(limit + 1), sent.filename
        if len(content) > limit:
            return _refused(portal, request, user, "Tệp quá lớn", status=413)
        ctx = portal.staff_context(request)
        try:
            await run_in_threadpool(
                report_final.upload_draft,
                ctx,
                content=content,
                filename=filename,
                by=f"office:{user}",
                now=portal.app.clock.now(),
            )
        except ReportRefused as exc:
            return _refused(portal, request, user, exc.vi)
        background.add_task(resume_later, ctx.plan.code, YEAR_END)
        return RedirectResponse(f"/director?plan={ctx.plan.code}&done=upload", 303)

    @router.post("/office/report/finalize", response_class=HTMLResponse)
    async def finalize(request: Request, background: BackgroundTasks) -> Any:
        user = auth.require(request, "office")
        form = await request.form()
        auth.check_csrf(request, form.get("csrf"))
        ctx = portal.staff_context(request)
        try:
            number, issued_on = _number(form.get("number")), _day(form.get("issued_on"))
            await run_in_threadpool(
                report_final.finalize,
                ctx,
                number=number,
                issued_on=issued_on,
                by=f"office:{user}",
                now=portal.app.clock.now(),
            )
        except ReportRefused as exc:
            return _refused(portal, request, user, exc.vi)
        background.add_task(resume_later, ctx.plan.code, YEAR_END)
        return RedirectResponse(f"/director?plan={ctx.plan.code}&done=finalize", 303)

    @router.get("/director/{version}/file/{kind}")
    def download(request: Request, version: str, kind: str) -> Response:
        auth.require(request, "office", "director")
        ctx = portal.staff_context(request)
        with ctx.app.uow() as uow:
            draft = uow.drafts.get(plan=ctx.plan.code, version=row_id(version))
        if draft is None or kind not in FILES:
            raise NotFound(f"report v{version} {kind}")
        field, media = FILES[kind]
        path = Path(getattr(draft, field))
        if not getattr(draft, field) or not path.is_file():
            raise NotFound(f"report v{version} {kind}")
        return FileResponse(
            path,
            media_type=media,
            filename=path.name,
            headers={"X-Content-Type-Options": "nosniff"},
        )

    return router


def _number(raw: object) -> int:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text.isdigit():
        raise ReportRefused(f"{text!r} is not a number", "Số văn bản phải là một số, ví dụ 312")
    return int(text)


def _day(raw: object) -> date:
    try:
        return date.fromisoformat(raw.strip() if isinstance(raw, str) else "")
    except ValueError:
        raise ReportRefused(
            f"{raw!r} is not a date", "Ngày ban hành không hợp lệ (chọn ngày trên lịch)"
        ) from None


def _refused(
    portal: Portal, request: Request, user: str, message: str, *, status: int = 400
) -> HTMLResponse:
    ctx = portal.staff_context(request)
    draft: ReportDraft | None = review.latest_draft(ctx)
    return draft_page(
        portal, request, ctx, draft, user=user, can_decide=False, status=status, error=message
    )
