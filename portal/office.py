"""Office and Director pages: login, the progress matrix, a task's file and audit trail,
the decisions on a task, and the review of the consolidated report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from domain.clock import local_date
from domain.errors import InvalidRequest, NotFound
from domain.policy import STAGE_LABELS_VI, Stage
from domain.status import BUCKET_LABELS_VI, Bucket
from domain.vi import dmy
from domain.year_end import YEAR_END
from portal.auth import LoginThrottle, check_csrf, client_address, csrf_token, require
from services import office, review
from services.accounts import authenticate
from services.context import DEFAULT_PLAN
from services.mail import local_time
from services.uploads import content_path
from storage.tables import UploadRow

if TYPE_CHECKING:
    from portal.app import Portal

COLOURS = {
    Bucket.DONE_ON_TIME.value: BUCKET_LABELS_VI[Bucket.DONE_ON_TIME],
    office.REVIEW: "Đã gửi, chờ Văn phòng duyệt",
    Bucket.IN_PROGRESS.value: BUCKET_LABELS_VI[Bucket.IN_PROGRESS],
    Bucket.DONE_LATE.value: BUCKET_LABELS_VI[Bucket.DONE_LATE],
    Bucket.OVERDUE.value: BUCKET_LABELS_VI[Bucket.OVERDUE],
    "none": "Chưa mở hoặc đã hủy",
}
ACTIONS = {
    "accept": "Đã chấp nhận kết quả.",
    "return": "Đã trả lại; đơn vị nhận được thư kèm lý do.",
    "extend": "Đã gia hạn.",
    "reassign": "Đã giao lại cho đơn vị khác.",
    "delegate": "Đã giao cho người được chỉ định.",
    "relink": "Đã thu hồi đường dẫn cũ và gửi đường dẫn mới.",
}


def office_routes(portal: Portal, resume_later: Callable[[str, str], None]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings = portal.app.settings.portal
    throttle = LoginThrottle(
        attempts=settings.login_attempts, window=timedelta(minutes=settings.login_window_minutes)
    )

    def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        ctx = portal.context(DEFAULT_PLAN)
        return portal.page(request, name, status, plan=ctx.plan, csrf=csrf_token(request), **values)

    @router.get("/office/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html", title="Đăng nhập", error="", username="")

    @router.post("/office/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await request.form()
        check_csrf(request, form.get("csrf"))
        username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))
        keys = [f"ip:{client_address(request)}", f"user:{username.strip().lower()}"]
        now = portal.app.clock.now()
        throttle.check(keys, now)
        account = await run_in_threadpool(authenticate, settings, username, password[:1024])
        if account is None:
            throttle.failed(keys, now)
            message = "Tên đăng nhập hoặc mật khẩu không đúng."
            return page(
                request, "login.html", 401, title="Đăng nhập", error=message, username=username
            )
        throttle.succeeded(keys)
        request.session.clear()  # a fresh session (and CSRF token) after login
        request.session.update(user=username.strip().lower(), role=account.role)
        return RedirectResponse("/director" if account.role == "director" else "/office", 303)

    @router.post("/office/logout")
    async def logout(request: Request) -> Response:
        check_csrf(request, (await request.form()).get("csrf"))
        request.session.clear()
        return RedirectResponse("/office/login", 303)

    @router.get("/office", response_class=HTMLResponse)
    def dashboard(request: Request, unit: str = "", activity: str = "", bucket: str = "") -> Any:
        user = require(request, "office", "director")
        ctx = portal.context(DEFAULT_PLAN)
        matrix = office.dashboard(
            ctx, now=portal.app.clock.now(), unit=unit, activity=activity, css=bucket
        )
        return page(
            request,
            "dashboard.html",
            title="Bảng theo dõi tiến độ",
            user=user,
            matrix=matrix,
            stage_labels=STAGE_LABELS_VI,
            colours=COLOURS,
            all_units=[(u.code, u.name) for u in ctx.directory.units],
            chosen={"unit": unit, "activity": activity, "bucket": bucket},
        )

    @router.get("/office/task/{task_id}", response_class=HTMLResponse)
    def task_page(request: Request, task_id: int, done: str = "") -> Any:
        user = require(request, "office", "director")
        ctx = portal.context(DEFAULT_PLAN)
        view = office.task_view(ctx, task_id)
        return page(request, "office_task.html", **_task_values(portal, ctx, view, user, done))

    @router.post("/office/task/{task_id}/{action}", response_class=HTMLResponse)
    async def decide(request: Request, task_id: int, action: str) -> Any:
        user = require(request, "office")
        form = await request.form()
        check_csrf(request, form.get("csrf"))
        if action not in ACTIONS:
            raise NotFound(f"no office action {action!r}")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            await run_in_threadpool(_apply, portal, task_id, action, fields, f"office:{user}")
        except InvalidRequest as exc:
            ctx = portal.context(DEFAULT_PLAN)
            values = _task_values(portal, ctx, office.task_view(ctx, task_id), user, "")
            values["error"] = str(exc)
            return page(request, "office_task.html", 400, **values)
        return RedirectResponse(f"/office/task/{task_id}?done={action}", 303)

    @router.get("/office/file/{sha256}")
    def download(request: Request, sha256: str, name: str = "tep") -> Response:
        require(request, "office", "director")
        with portal.app.uow() as uow:
            row = uow.session.get(UploadRow, sha256.lower()) if len(sha256) == 64 else None
        if row is None:
            raise NotFound("no such file")
        return FileResponse(
            content_path(settings.upload_dir, row.sha256),
            media_type=row.content_type,
            filename=name[:120],
            headers={"X-Content-Type-Options": "nosniff"},
        )

    @router.get("/director", response_class=HTMLResponse)
    def director(request: Request, done: str = "") -> Any:
        user = require(request, "director", "office")
        draft = review.latest_draft(portal.context(DEFAULT_PLAN))
        role = request.session.get("role")
        return page(
            request,
            "director.html",
            title="Dự thảo báo cáo",
            user=user,
            draft=draft,
            can_decide=role == "director",
            done=done,
            error="",
        )

    @router.post("/director/{version}/{decision}", response_class=HTMLResponse)
    async def director_decides(
        request: Request, version: int, decision: str, background: BackgroundTasks
    ) -> Any:
        user = require(request, "director")
        form = await request.form()
        check_csrf(request, form.get("csrf"))
        if decision not in ("approve", "return"):
            raise NotFound(f"no decision {decision!r}")
        comments = str(form.get("comments", ""))[:10_000]
        ctx = portal.context(DEFAULT_PLAN)
        try:
            await run_in_threadpool(
                review.decide,
                ctx,
                version,
                approve=decision == "approve",
                comments=comments,
                at=portal.app.clock.now(),
                by=f"director:{user}",
            )
        except InvalidRequest as exc:
            draft = review.latest_draft(ctx)
            return page(
                request,
                "director.html",
                400,
                title="Dự thảo báo cáo",
                user=user,
                draft=draft,
                can_decide=True,
                done="",
                error=str(exc),
            )
        background.add_task(resume_later, ctx.plan.code, YEAR_END)
        return RedirectResponse(f"/director?done={decision}", 303)

    return router


def _apply(portal: Portal, task_id: int, action: str, form: dict[str, str], by: str) -> None:
    ctx = portal.context(DEFAULT_PLAN)
    at, reason = portal.app.clock.now(), form.get("reason", "")[:2000]
    if action == "accept":
        office.accept(ctx, task_id, at=at, by=by)
    elif action == "return":
        office.return_task(ctx, task_id, at=at, by=by, reason=reason)
    elif action == "extend":
        try:
            due_on = date.fromisoformat(form.get("due_on", ""))
        except ValueError:
            raise InvalidRequest("Hạn mới: cần một ngày (năm-tháng-ngày)") from None
        office.extend(ctx, task_id, due_on=due_on, at=at, by=by, reason=reason)
    elif action == "reassign":
        office.reassign(ctx, task_id, to_unit=form.get("unit", ""), at=at, by=by, reason=reason)
    elif action == "delegate":
        office.delegate(
            ctx,
            task_id,
            name=form.get("name", "")[:200],
            email=form.get("email", "")[:200],
            at=at,
            by=by,
            reason=reason,
        )
    else:
        office.reissue_link(ctx, task_id, at=at, by=by, reason=reason)


def _task_values(
    portal: Portal, ctx: Any, view: office.TaskView, user: str, done: str
) -> dict[str, Any]:
    task = view.task
    activity = ctx.plan.activity(task.key.activity)
    unit = ctx.directory.unit(task.key.unit)
    now = portal.app.clock.now()
    return {
        "title": f"Nhiệm vụ {task.key}",
        "user": user,
        "task_id": view.task_id,
        "key": str(task.key),
        "unit": unit.name if unit else task.key.unit,
        "activity": activity,
        "stage": STAGE_LABELS_VI[task.key.stage]
        + (f" (kỳ {task.key.seq})" if task.key.stage is Stage.EXECUTE else ""),
        "state": task.state.value,
        "colour": COLOURS[office.cell_class(task, now)],
        "due": dmy(task.due_on),
        "min_due": (max(task.due_on, local_date(now)) + timedelta(days=1)).isoformat(),
        "delegate": f"{task.delegate_name} <{task.delegate_email}>" if task.delegate_email else "",
        "versions": [
            {
                "version": v.version,
                "at": local_time(v.submitted_at),
                "by": v.submitted_by,
                "payload": v.payload,
            }
            for v in view.versions
        ],
        "evidence": view.evidence,
        "audit": [
            {
                "at": local_time(a.at),
                "actor": a.actor,
                "action": a.action,
                "reason": a.reason,
                "old": a.old or {},
                "new": a.new or {},
            }
            for a in view.audit
        ],
        "units": [(u.code, u.name) for u in ctx.directory.units if u.code != task.key.unit],
        "done": ACTIONS.get(done, ""),
        "error": "",
    }
