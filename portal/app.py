"""The unit portal: a task page behind the signed link in each mail, and its forms.

A submission is committed, acknowledged on screen and by a receipt mail; only after the answer
has gone does a background step ask Prefect to resume the activity's run (if it fails, the
morning sweep resumes it). Nothing on the request path talks to Prefect.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.clock import Clock, local_date
from domain.errors import CchcError, IllegalTransition, InvalidRequest, NotFound
from domain.policy import STAGE_LABELS_VI, Stage
from domain.task import DONE_STATES, TaskKey, TaskState
from domain.vi import dmy, long_date
from notifications.content import ROLE_LABELS, STAGE_DELIVERABLES
from portal.forms import COUNTS, read_form
from services import stages
from services.bootstrap import bootstrap
from services.context import DEFAULT_PLAN, PlanContext, plan_context
from services.links import LinkClaims, LinkExpired, LinkInvalid, LinkSigner
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
log = logging.getLogger("cchc.portal")


class Portal:
    """What the routes share: the adapters, the link signer, the plan contexts."""

    def __init__(self, settings: Settings | None, clock: Clock | None) -> None:
        self.app = bootstrap(settings, clock=clock)
        self.signer = LinkSigner(
            secret=self.app.settings.secret_key.get_secret_value(),
            base_url=self.app.settings.portal.base_url,
        )
        self.templates = Jinja2Templates(directory=TEMPLATES)
        self._contexts: dict[str, PlanContext] = {}

    def context(self, plan: str) -> PlanContext:
        if plan not in self._contexts:
            self._contexts[plan] = plan_context(plan, self.app)
        return self._contexts[plan]

    def open_link(self, token: str) -> tuple[LinkClaims, PlanContext, TaskKey]:
        claims = self.signer.read(token, today=local_date(self.app.clock.now()))
        key = stages.parse_task(claims.task)
        if key.unit != claims.unit:
            raise LinkInvalid("link and task name different units")
        return claims, self.context(claims.plan or DEFAULT_PLAN), key

    def page(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request,
            name,
            {"year": getattr(values.get("plan"), "year", ""), **values},
            status_code=status,
        )


def _task_values(portal: Portal, ctx: PlanContext, key: TaskKey) -> dict[str, Any]:
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        row = uow.tasks.row(key, plan_id=plan_row.id) if plan_row else None
        if row is None:
            raise NotFound(f"task {key} is not in plan {ctx.plan.code}")
        versions = uow.submissions.versions(row.id)
        task = to_task(row, key.activity, key.unit)
    activity = ctx.plan.activity(key.activity)
    unit = ctx.directory.unit(key.unit)
    if activity is None or unit is None:
        raise NotFound(f"task {key} names what plan {ctx.plan.code} does not have")
    now = portal.app.clock.now()
    left = ctx.app.calendar.working_days_until(local_date(now), task.due_on)
    open_for_amendment = task.state in DONE_STATES and now < task.due_at
    window = activity.time_window(ctx.plan.year)
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
        "estimate": window.end > ctx.plan.unit_deadline().due(ctx.app.calendar),
        "form": {},
        "error": "",
        "nonce": secrets.token_urlsafe(16),
    }


def _resume_later(plan: str, activity: str) -> None:
    """After the answer has gone out: resume the waiting run (needs a Prefect API)."""
    if not os.environ.get("PREFECT_API_URL"):
        return  # no orchestrator here; the sweep reconciles when one runs
    try:
        from services.orchestration import resume_activity

        resume_activity(plan, activity, note="có kết quả mới từ cổng thông tin")
    except Exception:  # the submission is safe in the database; the sweep resumes the run
        log.exception("could not resume %s/%s", plan, activity)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    portal = Portal(settings, clock)
    api = FastAPI(title="cchc portal", docs_url=None, redoc_url=None, openapi_url=None)

    @api.exception_handler(CchcError)
    async def _errors(request: Request, exc: CchcError) -> HTMLResponse:
        if isinstance(exc, LinkExpired):
            return portal.page(
                request,
                "error.html",
                410,
                title="Đường dẫn đã hết hạn",
                message="Đường dẫn này đã hết thời hạn sử dụng.",
            )
        if isinstance(exc, LinkInvalid):
            return portal.page(
                request,
                "error.html",
                403,
                title="Đường dẫn không hợp lệ",
                message="Đường dẫn không đúng hoặc không dành cho đơn vị này.",
            )
        if isinstance(exc, NotFound):
            return portal.page(
                request,
                "error.html",
                404,
                title="Không tìm thấy nhiệm vụ",
                message="Nhiệm vụ không còn trong kế hoạch.",
            )
        return portal.page(
            request, "error.html", 400, title="Không thực hiện được", message=str(exc)
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http_errors(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        title = "Không tìm thấy trang" if exc.status_code == 404 else "Yêu cầu không hợp lệ"
        return portal.page(
            request,
            "error.html",
            exc.status_code,
            title=title,
            message="Địa chỉ không đúng hoặc không còn dùng.",
        )

    @api.get("/t/{token}", response_class=HTMLResponse)
    def task_page(request: Request, token: str) -> HTMLResponse:
        _claims, ctx, key = portal.open_link(token)
        return portal.page(request, "task.html", **_task_values(portal, ctx, key))

    @api.post("/t/{token}", response_class=HTMLResponse)
    async def hand_in(request: Request, token: str, background: BackgroundTasks) -> Any:
        claims, ctx, key = portal.open_link(token)
        form = await request.form()
        fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        fields["topics"] = [v for v in form.getlist("topics") if isinstance(v, str)]
        topic_codes = {t.code for t in ctx.plan.all_topics()}
        try:
            answer = read_form(key.stage, fields, topic_codes)
            version = await run_in_threadpool(
                _commit, ctx, key, claims, answer.model_dump(), str(fields.get("nonce", ""))[:64]
            )
        except (InvalidRequest, IllegalTransition) as exc:
            values = _task_values(portal, ctx, key)
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
        )

    @api.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/healthz")

    @api.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def _commit(
        ctx: PlanContext, key: TaskKey, claims: LinkClaims, payload: dict[str, Any], nonce: str
    ) -> int:
        for attempt in range(2):
            try:
                with ctx.app.uow() as uow:
                    return submit(
                        uow,
                        ctx.mailer,
                        key,
                        at=portal.app.clock.now(),
                        by=f"unit:{claims.unit}",
                        payload=payload,
                        nonce=nonce or None,
                    )
            except IntegrityError:  # the same form (or another) landed first: ask again
                if attempt:
                    raise
        raise AssertionError("unreachable")

    return api
