"""The unit portal: a task page behind the signed link in each mail, and its forms.

A submission is committed, acknowledged on screen and by a receipt mail; only after the answer
has gone does a background step ask Prefect to resume the activity's run (if it fails, the
morning sweep resumes it). Nothing on the request path talks to Prefect.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from domain.clock import Clock, local_date
from domain.errors import IllegalTransition, InvalidRequest, NotFound
from domain.policy import STAGE_LABELS_VI
from domain.task import TaskKey
from domain.year_end import YEAR_END
from portal.auth import OfficeAuth
from portal.errors import error_pages, too_large
from portal.forms import FILE_SLOTS, read_form
from portal.headers import SecurityHeaders
from portal.limits import BodyLimit
from portal.office import office_routes
from portal.posted import posted_form
from portal.task_view import task_values
from services import stages, uploads
from services.bootstrap import bootstrap, link_signer
from services.context import DEFAULT_PLAN, PlanContext, plan_context
from services.links import LinkClaims, LinkInvalid, LinkRevoked
from services.mail import local_time
from services.settings import Settings
from services.tasks import submit
from storage.uow import UnitOfWork

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
log = logging.getLogger("cchc.portal")


class Portal:
    """What the routes share: the adapters, the link signer, the plan contexts."""

    def __init__(self, settings: Settings | None, clock: Clock | None) -> None:
        self.app = bootstrap(settings, clock=clock)
        self.signer = link_signer(self.app.settings)
        config = self.app.settings.portal
        secure = config.secure_cookies
        self.auth = OfficeAuth(
            app=self.app,
            settings=config,
            secret=self.app.settings.secret_key.get_secret_value(),
            secure=config.base_url.startswith("https://") if secure is None else secure,
        )
        self.templates = Jinja2Templates(directory=TEMPLATES)
        self._contexts: dict[str, PlanContext] = {}
        self._lock = threading.Lock()
        # SQLite has one writer at a time and makes the others poll with growing sleeps (up to
        # 100 ms each); queueing this process's writers on a lock hands the file over at once.
        sqlite = self.app.settings.database_url.startswith("sqlite")
        self.write_lock: AbstractContextManager[Any] = threading.Lock() if sqlite else nullcontext()

    def context(self, plan: str) -> PlanContext:
        with self._lock:  # built once, not by every request that arrives first at the same time
            if plan not in self._contexts:
                self._contexts[plan] = plan_context(plan, self.app)
            return self._contexts[plan]

    def warm(self) -> None:
        """Build the default plan's context and compile the templates before the first unit."""
        try:
            self.context(DEFAULT_PLAN)
        except NotFound:
            return  # no plan loaded yet: the first request builds it
        for name in ("task.html", "done.html", "error.html", "dashboard.html"):
            self.templates.get_template(name)
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every request in flight for ~0.1 s.
        gc.collect()
        gc.freeze()

    def open_link(self, token: str) -> tuple[LinkClaims, PlanContext, TaskKey]:
        claims = self.signer.read(token, today=local_date(self.app.clock.now()))
        key = stages.parse_task(claims.task)
        if key.unit != claims.unit:
            raise LinkInvalid("link and task name different units")
        return claims, self.context(claims.plan or DEFAULT_PLAN), key

    def check_generation(self, claims: LinkClaims, generation: int) -> None:
        if claims.generation != generation:
            raise LinkRevoked("the Office replaced this link")

    def check_link(self, ctx: PlanContext, key: TaskKey, claims: LinkClaims) -> None:
        """NotFound for a task the plan no longer has; LinkRevoked for a replaced link."""
        with ctx.app.uow() as uow:
            generation = uow.tasks.link_generation(key, plan=ctx.plan.code)
            if generation is None:
                raise NotFound(f"task {key} is not in plan {ctx.plan.code}")
            self.check_generation(claims, generation)

    def page(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request,
            name,
            {"year": getattr(values.get("plan"), "year", ""), **values},
            status_code=status,
        )


def _resume_later(plan: str, activity: str) -> None:
    """After the answer has gone out: resume the waiting run (needs a Prefect API)."""
    if not os.environ.get("PREFECT_API_URL"):
        return  # no orchestrator here; the sweep reconciles when one runs
    try:
        from services.orchestration import resume_activity, resume_year_end

        note = "có kết quả mới từ cổng thông tin"
        resume_activity(plan, activity, note=note)
        if activity == YEAR_END:  # the Office's revision of a returned draft
            resume_year_end(plan, note=note)
    except Exception:  # the submission is safe in the database; the sweep resumes the run
        log.exception("could not resume %s/%s", plan, activity)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    portal = Portal(settings, clock)

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(portal.warm)
        yield

    api = FastAPI(
        title="cchc portal", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    api.state.portal = portal
    config = portal.app.settings.portal
    limit = config.max_upload_bytes
    api.add_middleware(
        BodyLimit,
        max_bytes=config.max_upload_bytes * len(FILE_SLOTS) + 1024 * 1024,
        too_large=too_large(portal),
    )
    api.add_middleware(SecurityHeaders)
    if config.trusted_proxies:  # added last, so it runs first: the lock sees the real client
        api.add_middleware(ProxyHeadersMiddleware, trusted_hosts=config.trusted_proxies)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    error_pages(api, portal)
    api.include_router(office_routes(portal, _resume_later))

    @api.get("/t/{token}", response_class=HTMLResponse)
    def task_page(request: Request, token: str) -> HTMLResponse:
        claims, ctx, key = portal.open_link(token)
        return portal.page(request, "task.html", **task_values(portal, ctx, key, claims))

    @api.post("/t/{token}", response_class=HTMLResponse)
    async def hand_in(request: Request, token: str, background: BackgroundTasks) -> Any:
        claims, ctx, key = portal.open_link(token)
        await run_in_threadpool(portal.check_link, ctx, key, claims)  # before reading files
        async with posted_form(request, max_files=len(FILE_SLOTS), max_fields=200) as form:
            fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            fields["topics"] = [v for v in form.getlist("topics") if isinstance(v, str)]
            files = [
                (await f.read(limit + 1), f.filename or "", str(fields.get(f"{n}_desc", "")))
                for n in FILE_SLOTS
                if isinstance(f := form.get(n), UploadFile) and (f.filename or f.size)
            ]
        topic_codes = {t.code for t in ctx.plan.all_topics()}
        staged: list[tuple[uploads.Staged, str]] = []
        try:
            answer = read_form(key.stage, fields, topic_codes)
            staged = await run_in_threadpool(_stage, portal, files)
            version = await run_in_threadpool(
                _commit,
                portal,
                ctx,
                key,
                claims,
                answer.model_dump(),
                staged,
                str(fields.get("nonce", ""))[:64],
            )
        except (InvalidRequest, IllegalTransition) as exc:
            values = task_values(portal, ctx, key, claims)
            message = (
                str(exc)
                if isinstance(exc, InvalidRequest)
                else (
                    "Nhiệm vụ không nhận thêm kết quả (đã quá hạn sửa đổi, đã được chấp nhận "
                    "hoặc đã hủy)."
                )
            )
            values.update(error=message, form=fields)
            return portal.page(request, "task.html", 400, **values)
        finally:
            uploads.discard([item for item, _ in staged])
        background.add_task(_resume_later, ctx.plan.code, key.activity)
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
        )

    @api.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/office")

    @api.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return api


def _stage(portal: Portal, files: list[tuple[bytes, str, str]]) -> list[tuple[uploads.Staged, str]]:
    """Every file checked before any is written; then each waits in the incoming area."""
    config = portal.app.settings.portal
    for data, name, _description in files:
        uploads.check(data, name, max_bytes=config.max_upload_bytes)
    staged: list[tuple[uploads.Staged, str]] = []
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


def _place(
    uow: UnitOfWork,
    staged: list[tuple[uploads.Staged, str]],
    root: Path,
    at: datetime,
    placed: list[Path],
) -> None:
    placed.extend(uploads.keep(uow, [item for item, _ in staged], root=root, at=at))


def _commit(
    portal: Portal,
    ctx: PlanContext,
    key: TaskKey,
    claims: LinkClaims,
    payload: dict[str, Any],
    staged: list[tuple[uploads.Staged, str]],
    nonce: str,
) -> int:
    """Record the submission and move its files into the store in one transaction; a lost
    race asks again; a failure leaves no file behind."""
    root = portal.app.settings.portal.upload_dir
    files = [
        {
            "kind": "file",
            "sha256": item.file.sha256,
            "filename": item.file.filename,
            "description": description,
            "topics": payload["topics"],
        }
        for item, description in staged
    ]
    links = [{"kind": "link", "url": url, "topics": payload["topics"]} for url in payload["links"]]
    payload = {**payload, "files": files}
    placed: list[Path] = []
    try:
        for attempt in range(2):
            try:
                with portal.write_lock, ctx.app.uow() as uow:
                    at = portal.app.clock.now()
                    portal.check_link(ctx, key, claims)  # revoked while the files came in?
                    return submit(
                        uow,
                        ctx.mailer,
                        key,
                        at=at,
                        by=f"unit:{claims.unit}",
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


def server_config(api: FastAPI, *, host: str, port: int, log_level: str = "info") -> Any:
    """How the portal is served: forwarded headers are the app's business (believed only from
    CCHC_PORTAL__TRUSTED_PROXIES), never uvicorn's default of trusting 127.0.0.1."""
    import uvicorn

    return uvicorn.Config(
        api, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False
    )
