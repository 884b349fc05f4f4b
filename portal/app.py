"""The unit portal: a task page behind the signed link in each mail, and its forms.

A submission is committed, acknowledged on screen and by a receipt mail; only after the answer
has gone does a background step ask Prefect to resume the activity's run (if it fails, the
morning sweep resumes it). Nothing on the request path talks to Prefect.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from domain.clock import Clock, local_date
from domain.errors import CchcError, IllegalTransition, InvalidRequest, NotFound
from domain.policy import STAGE_LABELS_VI, Stage
from domain.task import DONE_STATES, TaskKey, TaskState
from domain.vi import dmy, long_date
from domain.year_end import YEAR_END
from notifications.content import ROLE_LABELS, STAGE_DELIVERABLES
from portal.auth import CsrfFailed, NotLoggedIn, TooManyAttempts
from portal.forms import COUNTS, FILE_SLOTS, read_form
from portal.limits import BodyLimit
from portal.office import office_routes
from services import stages, uploads, year_end
from services.bootstrap import bootstrap, link_signer
from services.context import DEFAULT_PLAN, PlanContext, plan_context
from services.links import LinkClaims, LinkExpired, LinkInvalid, LinkRevoked
from services.mail import local_time
from services.settings import Settings
from services.tasks import submit
from storage.repositories import to_task

TEMPLATES = Path(__file__).with_name("templates")
STATE_VI = {
    TaskState.OPEN: "Chưa gửi",
    TaskState.SUBMITTED: "Đã gửi, chờ Văn phòng xem xét",
    TaskState.ACCEPTED: "Đã được chấp nhận",
    TaskState.RETURNED: "Được trả lại để bổ sung",
    TaskState.CANCELLED: "Đã hủy",
}
CONTENT_LABELS = {
    Stage.PLAN: "Các hoạt động dự kiến và thời gian thực hiện",
    Stage.EXECUTE: "Những việc đã làm trong kỳ",
    Stage.EVIDENCE: "Mô tả minh chứng",
    Stage.REPORT: "Kết quả thực hiện",
}
# Most specific first: a revoked link is also an expired one, an expired one an invalid one.
REFUSALS: dict[type[CchcError], tuple[int, str, str]] = {
    LinkRevoked: (
        410,
        "Đường dẫn đã bị thu hồi",
        "Văn phòng đã cấp đường dẫn mới; vui lòng dùng đường dẫn trong thư mới nhất.",
    ),
    LinkExpired: (410, "Đường dẫn đã hết hạn", "Đường dẫn này đã hết thời hạn sử dụng."),
    LinkInvalid: (
        403,
        "Đường dẫn không hợp lệ",
        "Đường dẫn không đúng hoặc không dành cho đơn vị này.",
    ),
    CsrfFailed: (
        403,
        "Phiên làm việc không hợp lệ",
        "Biểu mẫu đã cũ hoặc không hợp lệ; vui lòng tải lại trang và thử lại.",
    ),
    TooManyAttempts: (
        429,
        "Tạm khóa đăng nhập",
        "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút.",
    ),
    NotFound: (404, "Không tìm thấy", "Nhiệm vụ hoặc tài liệu không còn trong kế hoạch."),
}
log = logging.getLogger("cchc.portal")


class Portal:
    """What the routes share: the adapters, the link signer, the plan contexts."""

    def __init__(self, settings: Settings | None, clock: Clock | None) -> None:
        self.app = bootstrap(settings, clock=clock)
        self.signer = link_signer(self.app.settings)
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
            plan_row = uow.plans.row(ctx.plan.code)
            row = uow.tasks.row(key, plan_id=plan_row.id) if plan_row else None
            if row is None:
                raise NotFound(f"task {key} is not in plan {ctx.plan.code}")
            self.check_generation(claims, row.link_generation or 1)

    def page(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request,
            name,
            {"year": getattr(values.get("plan"), "year", ""), **values},
            status_code=status,
        )


def _task_values(
    portal: Portal, ctx: PlanContext, key: TaskKey, claims: LinkClaims | None = None
) -> dict[str, Any]:
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        row = uow.tasks.row(key, plan_id=plan_row.id) if plan_row else None
        if row is None:
            raise NotFound(f"task {key} is not in plan {ctx.plan.code}")
        versions = uow.submissions.versions(row.id)
        task = to_task(row, key.activity, key.unit)
    if claims is not None:
        portal.check_generation(claims, task.link_generation)
    activity = ctx.plan.activity(key.activity)
    unit = ctx.directory.unit(key.unit)
    if activity is None or unit is None:
        raise NotFound(f"task {key} names what plan {ctx.plan.code} does not have")
    now = portal.app.clock.now()
    left = ctx.app.calendar.working_days_until(local_date(now), task.due_on)
    open_for_amendment = task.state in DONE_STATES and now < task.due_at
    # The year-end report covers the whole year, so it always carries the estimate.
    estimate = key.activity == YEAR_END or (
        activity.time_window(ctx.plan.year).end > ctx.plan.unit_deadline().due(ctx.app.calendar)
    )
    return {
        "title": f"{STAGE_LABELS_VI[key.stage]} — {activity.title}",
        "plan": ctx.plan,
        "plan_date": dmy(ctx.plan.issued_on),
        "activity": activity,
        "unit": unit.name,
        "role": ROLE_LABELS[task.role].lower(),
        "stage": STAGE_LABELS_VI[key.stage]
        + (f" (kỳ {key.seq})" if key.stage is Stage.EXECUTE else ""),
        "stage_code": key.stage.value,
        "due": long_date(task.due_on),
        "days_left_text": f"còn {left} ngày làm việc"
        if left >= 0
        else f"quá hạn {-left} ngày làm việc",
        "state": STATE_VI[task.state],
        "reason": task.reason,
        "deliverable": STAGE_DELIVERABLES[key.stage],
        "versions": [
            {"version": v.version, "at": local_time(v.submitted_at), "payload": v.payload}
            for v in versions
        ],
        "can_submit": task.state in (TaskState.OPEN, TaskState.RETURNED) or open_for_amendment,
        "closed_reason": "Nhiệm vụ đã đóng; không thể gửi thêm.",
        "content_label": CONTENT_LABELS[key.stage],
        "counts": COUNTS,
        "topics": [
            {"code": t.code, "label": f"{t.code}. {t.title or t.paragraphs[0][:90]}"}
            for t in ctx.plan.all_topics()
        ],
        "file_slots": FILE_SLOTS,
        "max_upload_mb": portal.app.settings.portal.max_upload_mb,
        "estimate": estimate,
        "form": year_end.prefill(ctx, key.unit)
        if key.activity == YEAR_END and not versions
        else {},
        "error": "",
        "nonce": secrets.token_urlsafe(16),
    }


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
    secure, limit = config.secure_cookies, config.max_upload_bytes
    api.add_middleware(
        BodyLimit,
        max_bytes=config.max_upload_bytes * len(FILE_SLOTS) + 1024 * 1024,
        too_large=_too_large(portal),
    )
    api.add_middleware(
        SessionMiddleware,
        secret_key=portal.app.settings.secret_key.get_secret_value() + ":office-session",
        session_cookie="cchc_office",
        max_age=int(config.session_hours * 3600),
        same_site="strict",
        https_only=config.base_url.startswith("https://") if secure is None else secure,
    )
    _error_pages(api, portal)
    api.include_router(office_routes(portal, _resume_later))

    @api.get("/t/{token}", response_class=HTMLResponse)
    def task_page(request: Request, token: str) -> HTMLResponse:
        claims, ctx, key = portal.open_link(token)
        return portal.page(request, "task.html", **_task_values(portal, ctx, key, claims))

    @api.post("/t/{token}", response_class=HTMLResponse)
    async def hand_in(request: Request, token: str, background: BackgroundTasks) -> Any:
        claims, ctx, key = portal.open_link(token)
        await run_in_threadpool(portal.check_link, ctx, key, claims)  # before reading files
        async with request.form(max_files=len(FILE_SLOTS), max_fields=200) as form:
            fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            fields["topics"] = [v for v in form.getlist("topics") if isinstance(v, str)]
            files = [
                (await f.read(limit + 1), f.filename or "", fields.get(f"{n}_desc", ""))
                for n in FILE_SLOTS
                if isinstance(f := form.get(n), UploadFile) and (f.filename or f.size)
            ]
        topic_codes = {t.code for t in ctx.plan.all_topics()}
        try:
            answer = read_form(key.stage, fields, topic_codes)
            version = await run_in_threadpool(
                _commit,
                portal,
                ctx,
                key,
                claims,
                answer.model_dump(),
                files,
                str(fields.get("nonce", ""))[:64],
            )
        except (InvalidRequest, IllegalTransition) as exc:
            values = _task_values(portal, ctx, key, claims)
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


def _commit(
    portal: Portal,
    ctx: PlanContext,
    key: TaskKey,
    claims: LinkClaims,
    payload: dict[str, Any],
    files: list[tuple[bytes, str, str]],
    nonce: str,
) -> int:
    """Store the files and the submission in one transaction; a lost race asks again."""
    config = portal.app.settings.portal
    for attempt in range(2):
        try:
            with portal.write_lock, ctx.app.uow() as uow:
                at = portal.app.clock.now()
                evidence = [
                    {"kind": "link", "url": url, "topics": payload["topics"]}
                    for url in payload["links"]
                ]
                for data, name, description in files:
                    stored = uploads.store(
                        uow,
                        data,
                        name,
                        root=config.upload_dir,
                        max_bytes=config.max_upload_bytes,
                        at=at,
                    )
                    evidence.append(
                        {
                            "kind": "file",
                            "sha256": stored.sha256,
                            "filename": stored.filename,
                            "description": str(description)[:500],
                            "topics": payload["topics"],
                        }
                    )
                payload = {**payload, "files": [e for e in evidence if e["kind"] == "file"]}
                portal.check_link(ctx, key, claims)  # revoked while the files came in?
                return submit(
                    uow,
                    ctx.mailer,
                    key,
                    at=at,
                    by=f"unit:{claims.unit}",
                    payload=payload,
                    nonce=nonce or None,
                    evidence=evidence,
                )
        except IntegrityError:  # the same form (or another) landed first: ask again
            if attempt:
                raise
    raise AssertionError("unreachable")


def _too_large(portal: Portal) -> Any:
    limit = portal.app.settings.portal.max_upload_mb

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        html = portal.templates.get_template("error.html").render(
            title="Tệp quá lớn",
            message=f"Dung lượng gửi lên vượt quá giới hạn (mỗi tệp tối đa {limit:g} MB).",
            year="",
        )
        await HTMLResponse(html, status_code=413)(scope, receive, send)

    return answer


def _error_pages(api: FastAPI, portal: Portal) -> None:
    """Every refusal as a Vietnamese page; nothing is written on any of these paths."""

    def error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return portal.page(request, "error.html", status, title=title, message=message)

    @api.exception_handler(CchcError)
    async def _errors(request: Request, exc: CchcError) -> Any:
        if isinstance(exc, NotLoggedIn):
            return RedirectResponse("/office/login", 303)
        for kind, (status, title, message) in REFUSALS.items():
            if isinstance(exc, kind):
                if isinstance(exc, TooManyAttempts):
                    message = message.format(minutes=exc.minutes)
                return error(request, status, title, message)
        return error(request, 400, "Không thực hiện được", str(exc))

    @api.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> HTMLResponse:
        log.error("database unavailable: %s", exc.orig)
        return error(
            request,
            503,
            "Hệ thống đang bận",
            "Chưa lưu được do hệ thống đang bận. Vui lòng thử lại sau ít phút.",
        )

    @api.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return error(
            request, 404, "Không tìm thấy trang", "Địa chỉ không đúng hoặc không còn dùng."
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http_errors(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        title = "Không tìm thấy trang" if exc.status_code == 404 else "Yêu cầu không hợp lệ"
        return error(request, exc.status_code, title, "Địa chỉ không đúng hoặc không còn dùng.")
