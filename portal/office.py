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
from domain.numbers import parse_id
from domain.policy import STAGE_LABELS_VI, stage_label
from domain.status import BUCKET_LABELS_VI, Bucket
from domain.vi import dmy
from domain.year_end import YEAR_END
from portal.auth import SESSION_COOKIE, LoginThrottle, client_address
from portal.headers import csp_allowing_styles_of
from services import office, review, uploads
from services.accounts import authenticate
from services.context import DEFAULT_PLAN
from services.mail import local_time

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
    settings, auth = portal.app.settings.portal, portal.auth
    require, check_csrf = auth.require, auth.check_csrf
    throttle = LoginThrottle(
        attempts=settings.login_attempts, window=timedelta(minutes=settings.login_window_minutes)
    )

    def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        ctx = portal.context(DEFAULT_PLAN)
        csrf = auth.csrf_token(request)
        answer = portal.page(request, name, status, plan=ctx.plan, csrf=csrf, **values)
        if html := getattr(values.get("draft"), "html", ""):  # the report's own stylesheet
            answer.headers["content-security-policy"] = csp_allowing_styles_of(html)
        return answer

    @router.get("/office/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        answer = page(request, "login.html", title="Đăng nhập", error="", username="")
        return auth.remember_login_form(request, answer)

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
        answer = RedirectResponse("/director" if account.role == "director" else "/office", 303)
        auth.log_in(request, answer, name=username.strip().lower(), account=account)
        return answer

    @router.post("/office/logout")
    async def logout(request: Request) -> Response:
        answer = RedirectResponse("/office/login", 303)
        if auth.session(request) is None:  # already over (idle, logged out elsewhere)
            answer.delete_cookie(SESSION_COOKIE)
            return answer
        check_csrf(request, (await request.form()).get("csrf"))
        auth.log_out(request, answer)
        return answer

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
    def task_page(request: Request, task_id: str, done: str = "") -> Any:
        user = require(request, "office", "director")
        tid = _row_id(task_id)
        ctx = portal.context(DEFAULT_PLAN)
        view = office.task_view(ctx, tid)
        return page(request, "office_task.html", **_task_values(portal, ctx, view, user, done))

    @router.post("/office/task/{task_id}/{action}", response_class=HTMLResponse)
    async def decide(request: Request, task_id: str, action: str) -> Any:
        user = require(request, "office")
        tid = _row_id(task_id)
        form = await request.form()
        check_csrf(request, form.get("csrf"))
        if action not in ACTIONS:
            raise NotFound(f"no office action {action!r}")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            await run_in_threadpool(_apply, portal, tid, action, fields, f"office:{user}")
        except InvalidRequest as exc:
            ctx = portal.context(DEFAULT_PLAN)
            values = _task_values(portal, ctx, office.task_view(ctx, tid), user, "")
            values["error"] = str(exc)
            return page(request, "office_task.html", 400, **values)
        return RedirectResponse(f"/office/task/{tid}?done={action}", 303)

    @router.get("/office/evidence/{evidence_id}")
    def download(request: Request, evidence_id: str) -> Response:
        require(request, "office", "director")
        with portal.app.uow() as uow:
            found = uploads.evidence_file(uow, _row_id(evidence_id), root=settings.upload_dir)
        return FileResponse(
            found.path,
            media_type=found.content_type,
            filename=found.filename,  # as stored with the evidence, never from the request
            headers={"X-Content-Type-Options": "nosniff"},
        )

    @router.get("/director", response_class=HTMLResponse)
    def director(request: Request, done: str = "") -> Any:
        user = require(request, "director", "office")
        draft = review.latest_draft(portal.context(DEFAULT_PLAN))
        role = auth.role(request)
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
        request: Request, version: str, decision: str, background: BackgroundTasks
    ) -> Any:
        user = require(request, "director")
        number = _row_id(version)
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
                number,
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


def _row_id(raw: str) -> int:
    """An id from the path (ASCII digits, within the database's range), else NotFound."""
    found = parse_id(raw)
    if found is None:
        raise NotFound(f"no such id {raw[:30]!r}")
    return found


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
        "stage": stage_label(task.key.stage, task.key.seq),
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
