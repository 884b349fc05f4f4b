"""The Office's pages: login and logout, the progress matrix, a task's file and audit trail,
the decisions on a task, and the evidence files handed in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from domain.clock import local_date
from domain.errors import InvalidRequest
from domain.policy import STAGE_LABELS_VI, stage_label
from domain.report import RESULT_COUNTS
from domain.status import BUCKET_LABELS_VI, Bucket
from domain.vi import (
    TASK_AUDIT_ACTIONS,
    TASK_STATES,
    activity_short,
    activity_tag,
    audit_values,
    dmy,
)
from portal.auth import SESSION_COOKIE, LoginThrottle, client_address
from portal.state import Portal, row_id, staff_post
from portal.task_view import heading as _heading
from services import acceptance, head, office, uploads
from services.accounts import authenticate
from services.context import PlanContext
from services.mail import local_time

COLOURS = {
    Bucket.DONE_ON_TIME.value: BUCKET_LABELS_VI[Bucket.DONE_ON_TIME],
    office.REVIEW: "Đã gửi, chờ Văn phòng duyệt",
    Bucket.IN_PROGRESS.value: BUCKET_LABELS_VI[Bucket.IN_PROGRESS],
    Bucket.DONE_LATE.value: BUCKET_LABELS_VI[Bucket.DONE_LATE],
    Bucket.OVERDUE.value: BUCKET_LABELS_VI[Bucket.OVERDUE],
    "none": "Chưa mở hoặc đã hủy",
}
# Each colour's initials, written in its cell: a status is never told by colour alone
# (WCAG 1.4.1); the legend spells them out.
SHORT = {
    Bucket.DONE_ON_TIME.value: "HĐ",
    office.REVIEW: "CD",
    Bucket.IN_PROGRESS.value: "ĐT",
    Bucket.DONE_LATE.value: "HQ",
    Bucket.OVERDUE.value: "QH",
    "none": "CM",
}
ACTIONS = {
    "accept": "Đã chấp nhận kết quả.",
    "return": "Đã trả lại; đơn vị nhận được thư kèm lý do.",
    "extend": "Đã gia hạn.",
    "reassign": "Đã giao lại cho đơn vị khác.",
    "delegate": "Đã giao cho người được chỉ định.",
    "relink": "Đã thu hồi đường dẫn cũ và gửi đường dẫn mới.",
}
BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
FILTERS = ("unit", "activity", "bucket")  # the dashboard's, posted back by the bulk accept


def login_routes(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings, auth = portal.app.settings.portal, portal.auth
    throttle = LoginThrottle(
        attempts=settings.login_attempts, window=timedelta(minutes=settings.login_window_minutes)
    )

    def form(
        request: Request, status: int = 200, error: str = "", username: str = ""
    ) -> HTMLResponse:
        return portal.staff_page(
            request, "login.html", status, title="Đăng nhập", error=error, username=username
        )

    @router.get("/office/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        return auth.remember_login_form(request, form(request))

    @router.post("/office/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        posted = await request.form()
        auth.check_csrf(request, posted.get("csrf"))
        username, password = str(posted.get("username", ""))[:100], str(posted.get("password", ""))
        keys = [f"ip:{client_address(request)}", f"user:{username.strip().lower()}"]
        now = portal.app.clock.now()
        throttle.check(keys, now)
        account = await run_in_threadpool(authenticate, settings, username, password[:1024])
        if account is None:
            throttle.failed(keys, now)
            return form(request, 401, BAD_LOGIN, username)
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
        auth.check_csrf(request, (await request.form()).get("csrf"))
        auth.log_out(request, answer)
        return answer

    return router


def office_routes(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth = portal.auth

    @router.get("/office", response_class=HTMLResponse)
    def dashboard(
        request: Request, unit: str = "", activity: str = "", bucket: str = "", accepted: str = ""
    ) -> Any:
        user = auth.require(request, "office", "director")
        chosen = {"unit": unit, "activity": activity, "bucket": bucket}
        return _dashboard(portal, request, user, **chosen, accepted=accepted)

    @router.post("/office/accept-waiting", response_class=HTMLResponse)
    async def accept_waiting(request: Request) -> Any:
        """Accept every task of the posted filter waiting for review (the Office only)."""
        user = auth.require(request, "office")
        form = await request.form()
        auth.check_csrf(request, form.get("csrf"))
        ctx = portal.staff_context(request)
        chosen = {name: str(form.get(name) or "")[:200] for name in FILTERS}
        count = await run_in_threadpool(
            acceptance.accept_filtered,
            ctx,
            now=portal.app.clock.now(),
            by=f"office:{user}",
            unit=chosen["unit"],
            activity=chosen["activity"],
            css=chosen["bucket"],
        )
        query = urlencode({"plan": ctx.plan.code, **chosen, "accepted": count})
        return RedirectResponse(f"/office?{query}", 303)

    @router.get("/office/task/{task_id}", response_class=HTMLResponse)
    def task_page(request: Request, task_id: str, done: str = "") -> Any:
        user = auth.require(request, "office", "director")
        return _task_page(portal, request, row_id(task_id), user, done=done)

    @router.post("/office/task/{task_id}/{action}", response_class=HTMLResponse)
    async def decide(request: Request, task_id: str, action: str) -> Any:
        posted = await staff_post(portal, request, "office", task_id, action, ACTIONS)
        user, tid, fields = posted.user, posted.id, posted.fields
        try:
            await run_in_threadpool(_apply, portal, tid, action, fields, f"office:{user}")
        except InvalidRequest as exc:
            return _task_page(portal, request, tid, user, status=400, error=str(exc))
        return RedirectResponse(f"/office/task/{tid}?done={action}", 303)

    @router.get("/office/evidence/{evidence_id}")
    def download(request: Request, evidence_id: str) -> Response:
        auth.require(request, "office", "director")
        with portal.app.uow() as uow:
            root = portal.app.settings.portal.upload_dir
            found = uploads.evidence_file(uow, row_id(evidence_id), root=root)
        return FileResponse(
            found.path,
            media_type=found.content_type,
            filename=found.filename,  # as stored with the evidence, never from the request
            headers={"X-Content-Type-Options": "nosniff"},
        )

    return router


def _dashboard(
    portal: Portal,
    request: Request,
    user: str,
    *,
    unit: str,
    activity: str,
    bucket: str,
    accepted: str = "",
) -> HTMLResponse:
    ctx = portal.staff_context(request)
    activities = [*ctx.plan.activities, ctx.plan.year_end_activity()]
    matrix = office.dashboard(
        ctx, now=portal.app.clock.now(), unit=unit, activity=activity, css=bucket
    )
    return portal.staff_page(
        request,
        "dashboard.html",
        ctx=ctx,
        title="Bảng theo dõi tiến độ",
        user=user,
        matrix=matrix,
        stage_labels=STAGE_LABELS_VI,
        colours=COLOURS,
        short=SHORT,
        heads={a.code: activity_short(a) for a in activities},
        names={a.code: activity_tag(a) + a.title for a in activities},
        all_units=[(u.code, u.name) for u in ctx.directory.units],
        chosen={"unit": unit, "activity": activity, "bucket": bucket},
        can_accept=portal.auth.role(request) == "office",
        accepted=_accepted(accepted),
        difficulties=head.difficulties(ctx),
    )


def _accepted(raw: str) -> str:
    """The flash after a bulk accept: how many were accepted ('' when none was done)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return ""
    if int(raw) == 0:
        return "Không có kết quả nào đang chờ duyệt trong bộ lọc này; không có gì thay đổi."
    return f"Đã chấp nhận {int(raw)} kết quả đang chờ duyệt."


def _task_page(
    portal: Portal,
    request: Request,
    task_id: int,
    user: str,
    *,
    done: str = "",
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    ctx = portal.task_context(task_id)
    values = _task_values(portal, ctx, office.task_view(ctx, task_id), user, done)
    values["error"] = error
    return portal.staff_page(request, "office_task.html", status, ctx=ctx, **values)


def _apply(portal: Portal, task_id: int, action: str, form: dict[str, str], by: str) -> None:
    ctx = portal.task_context(task_id)
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
    portal: Portal, ctx: PlanContext, view: office.TaskView, user: str, done: str
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
        "heading": _heading(activity, task.key) if activity else None,
        "stage": stage_label(task.key.stage, task.key.seq),
        "state": TASK_STATES[task.state],
        "count_labels": RESULT_COUNTS,
        "colour": COLOURS[office.cell_class(task, now)],
        "css": office.cell_class(task, now),
        "due": dmy(task.due_on),
        # the date picker offers no day already past, nor the current due day
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
                "action": TASK_AUDIT_ACTIONS.get(a.action, a.action),
                "reason": a.reason,
                "old": audit_values(a.old or {}),
                "new": audit_values(a.new or {}),
            }
            for a in view.audit
        ],
        "units": [(u.code, u.name) for u in ctx.directory.units if u.code != task.key.unit],
        "done": ACTIONS.get(done, ""),
        "error": "",
    }
