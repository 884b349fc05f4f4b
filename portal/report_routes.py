"""The report's last steps for the Office: an edited .docx as the next draft, the văn thư's
number and date on the approved one; and the report's files for the staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
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
from services.context import PlanContext

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
        step = partial(report_final.upload_draft, content=content, filename=filename)
        return await _run(portal, request, user, background, step, done="upload")

    @router.post("/office/report/finalize", response_class=HTMLResponse)
    async def finalize(request: Request, background: BackgroundTasks) -> Any:
        user = auth.require(request, "office")
        form = await request.form()
        auth.check_csrf(request, form.get("csrf"))
        try:
            number, issued_on = _number(form.get("number")), _day(form.get("issued_on"))
        except ReportRefused as exc:
            return _refused(portal, request, user, exc.vi)
        step = partial(report_final.finalize, number=number, issued_on=issued_on)
        return await _run(portal, request, user, background, step, done="finalize")

    @router.get("/director/{version}/file/{kind}")
    def download(request: Request, version: str, kind: str) -> Response:
        auth.require(request, "office", "director")
        path, media = _report_file(portal.staff_context(request), row_id(version), kind)
        return FileResponse(
            path,
            media_type=media,
            filename=path.name,
            headers={"X-Content-Type-Options": "nosniff"},
        )

    return router


async def _run(
    portal: Portal,
    request: Request,
    user: str,
    background: BackgroundTasks,
    step: Callable[..., object],
    *,
    done: str,
) -> Response:
    """The Office's step on the report, off the event loop; refused: the page says why;
    done: the waiting year-end run is resumed and the page shows the result."""
    ctx = portal.staff_context(request)
    try:
        await run_in_threadpool(step, ctx, by=f"office:{user}", now=portal.app.clock.now())
    except ReportRefused as exc:
        return _refused(portal, request, user, exc.vi)
    background.add_task(resume_later, ctx.plan.code, YEAR_END)
    return RedirectResponse(f"/director?plan={ctx.plan.code}&done={done}", 303)


def _report_file(ctx: PlanContext, version: int, kind: str) -> tuple[Path, str]:
    """The file of draft `version` that `kind` names, and its type; NotFound otherwise."""
    draft = review.draft_version(ctx, version)
    if draft is None or kind not in FILES:
        raise NotFound(f"report v{version} {kind}")
    field, media = FILES[kind]
    path = Path(getattr(draft, field))
    if not getattr(draft, field) or not path.is_file():
        raise NotFound(f"report v{version} {kind}")
    return path, media


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
