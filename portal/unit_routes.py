"""The units' pages: a task page behind the signed link in each mail, and its form.

A submission is committed, acknowledged on screen and by a receipt mail; only after the answer
has gone does a background step ask Prefect to resume the activity's run (if it fails, the
morning sweep resumes it). Nothing on the request path talks to Prefect.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile

from domain.errors import IllegalTransition, InvalidRequest
from domain.policy import STAGE_LABELS_VI
from domain.task import Task, TaskKey
from portal.forms import FILE_SLOTS, read_form
from portal.posted import posted_form
from portal.resume import resume_later
from portal.state import Portal
from portal.task_view import task_values
from services import uploads
from services.context import PlanContext
from services.links import LinkClaims
from services.mail import local_time
from services.ports import UnitOfWork
from services.tasks import submit

Files = list[tuple[bytes, str, str]]  # each file's bytes, name and description
Staged = list[tuple[uploads.Staged, str]]  # each file waiting in the incoming area, described
CLOSED = "Nhiệm vụ không nhận thêm kết quả (đã quá hạn sửa đổi, đã được chấp nhận hoặc đã hủy)."


def unit_routes(portal: Portal) -> APIRouter:
    router = APIRouter()

    @router.get("/t/{token}", response_class=HTMLResponse)
    def task_page(request: Request, token: str) -> HTMLResponse:
        claims, ctx, key = portal.open_link(token)
        return portal.page(request, "task.html", **task_values(portal, ctx, key, claims))

    @router.post("/t/{token}", response_class=HTMLResponse)
    async def hand_in(request: Request, token: str, background: BackgroundTasks) -> Any:
        # The link read and checked before any file is read; both read the database, so in a
        # worker thread, as the whole answer's recording is (the event loop never waits on it).
        claims, ctx, key = await run_in_threadpool(_opened, portal, token)
        fields, files = await _read_posted(request, portal.app.settings.portal.max_upload_bytes)
        try:
            version = await run_in_threadpool(_record, portal, ctx, key, claims, fields, files)
        except (InvalidRequest, IllegalTransition) as exc:
            values = await run_in_threadpool(task_values, portal, ctx, key, claims)
            values.update(error=str(exc) if isinstance(exc, InvalidRequest) else CLOSED)
            values.update(form=fields)
            return portal.page(request, "task.html", 400, **values)
        background.add_task(resume_later, ctx.plan.code, key.activity)
        return _received(portal, request, ctx, key, token=token, version=version, files=files)

    return router


async def _read_posted(request: Request, limit: int) -> tuple[dict[str, Any], Files]:
    """The form's text fields (topics as a list) and its files, each read up to one byte past
    the limit so that an oversized one is refused rather than cut."""
    async with posted_form(request, max_files=len(FILE_SLOTS), max_fields=200) as form:
        fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        fields["topics"] = [v for v in form.getlist("topics") if isinstance(v, str)]
        files = [
            (await f.read(limit + 1), f.filename or "", str(fields.get(f"{n}_desc", "")))
            for n in FILE_SLOTS
            if isinstance(f := form.get(n), UploadFile) and (f.filename or f.size)
        ]
    return fields, files


def _opened(portal: Portal, token: str) -> tuple[LinkClaims, PlanContext, TaskKey]:
    """The link's claims, plan and task; NotFound or LinkRevoked as `check_link` says."""
    claims, ctx, key = portal.open_link(token)
    portal.check_link(ctx, key, claims)
    return claims, ctx, key


def _record(
    portal: Portal,
    ctx: PlanContext,
    key: TaskKey,
    claims: LinkClaims,
    fields: dict[str, Any],
    files: Files,
) -> int:
    """The answer checked, its files staged, then everything committed; the version number."""
    topic_codes = {t.code for t in ctx.plan.all_topics()}
    staged: Staged = []
    try:
        answer = read_form(key.stage, fields, topic_codes)
        staged = _stage(portal, files)
        nonce = str(fields.get("nonce", ""))[:64]
        return _commit(portal, ctx, key, claims, answer.model_dump(), staged, nonce)
    finally:
        uploads.discard([item for item, _ in staged])


def _received(
    portal: Portal,
    request: Request,
    ctx: PlanContext,
    key: TaskKey,
    *,
    token: str,
    version: int,
    files: Files,
) -> HTMLResponse:
    activity, unit = ctx.plan.activity(key.activity), ctx.directory.unit(key.unit)
    return portal.page(
        request,
        "done.html",
        title="Đã nhận kết quả",
        unit=unit.name if unit else key.unit,
        stage=STAGE_LABELS_VI[key.stage],
        activity=activity.title if activity else "",
        version=version,
        at=local_time(portal.app.clock.now()),
        back=f"/t/{token}",
        files=len(files),
        rehearsal=ctx.plan.rehearsal,
    )


def _stage(portal: Portal, files: Files) -> Staged:
    """Every file checked before any is written; then each waits in the incoming area."""
    config = portal.app.settings.portal
    for data, name, _description in files:
        uploads.check(data, name, max_bytes=config.max_upload_bytes)
    staged: Staged = []
    try:
        for data, name, description in files:
            item = uploads.stage(
                data, name, root=config.upload_dir, max_bytes=config.max_upload_bytes
            )
            staged.append((item, description[:500]))
    except BaseException:
        uploads.discard([item for item, _ in staged])
        raise
    return staged


def _place(uow: UnitOfWork, staged: Staged, root: Path, at: datetime, placed: list[Path]) -> None:
    placed.extend(uploads.keep(uow, [item for item, _ in staged], root=root, at=at))


def _evidence(payload: dict[str, Any], staged: Staged) -> tuple[list[Any], list[Any]]:
    """The links and the files of a submission, as its evidence lines."""
    topics = payload["topics"]
    files = [
        {
            "kind": "file",
            "sha256": item.file.sha256,
            "filename": item.file.filename,
            "description": description,
            "topics": topics,
        }
        for item, description in staged
    ]
    links = [{"kind": "link", "url": url, "topics": topics} for url in payload["links"]]
    return links, files


def _same_generation(portal: Portal, claims: LinkClaims, task: Task) -> None:
    portal.check_generation(claims, task.link_generation)


def _commit(
    portal: Portal,
    ctx: PlanContext,
    key: TaskKey,
    claims: LinkClaims,
    payload: dict[str, Any],
    staged: Staged,
    nonce: str,
) -> int:
    """Record the submission and move its files into the store in one transaction; a lost
    race asks again; a failure leaves no file behind."""
    root = portal.app.settings.portal.upload_dir
    links, files = _evidence(payload, staged)
    payload = {**payload, "files": files}
    placed: list[Path] = []
    try:
        for attempt in range(2):
            try:
                with portal.write_lock, ctx.app.uow() as uow:
                    at = portal.app.clock.now()
                    return submit(
                        uow,
                        ctx.mailer,
                        key,
                        at=at,
                        by=f"unit:{claims.unit}",
                        # revoked while the files came in? (read with the task, not again)
                        check=partial(_same_generation, portal, claims),
                        payload=payload,
                        nonce=nonce or None,
                        evidence=links + files,
                        before_commit=partial(_place, uow, staged, root, at, placed),
                    )
            except IntegrityError:  # the same form (or another) landed first: ask again
                if attempt:
                    raise
        raise AssertionError("unreachable")
    except BaseException:
        if placed:
            with ctx.app.uow() as uow:
                uploads.unplace(uow, placed)
        raise
