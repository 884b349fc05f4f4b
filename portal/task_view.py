"""What a unit's task page shows: the task, its stage's form, what was handed in so far."""

from __future__ import annotations

import secrets
from typing import Any

from domain.clock import local_date
from domain.errors import NotFound
from domain.plan import Activity, Plan
from domain.policy import STAGE_LABELS_VI, Stage, stage_label
from domain.schedule import carries_estimate
from domain.task import TaskKey, takes_answers
from domain.vi import (
    TASK_STATES,
    activity_heading,
    activity_tag,
    dmy,
    long_date,
    topic_numbering,
)
from domain.year_end import YEAR_END, revised_version
from notifications.content import REVISION_TITLE, ROLE_LABELS, deliverable
from portal.forms import COUNTS, FILE_SLOTS
from portal.state import Portal
from services import year_end
from services.context import PlanContext
from services.links import LinkClaims
from services.mail import local_time
from services.tasks import load

STATE_VI = TASK_STATES
CONTENT_LABELS = {
    Stage.PLAN: "Các hoạt động dự kiến và thời gian thực hiện",
    Stage.EXECUTE: "Những việc đã làm trong kỳ",
    Stage.EVIDENCE: "Mô tả minh chứng",
    Stage.REPORT: "Kết quả thực hiện",
}


def task_values(
    portal: Portal, ctx: PlanContext, key: TaskKey, claims: LinkClaims | None = None
) -> dict[str, Any]:
    with ctx.app.uow() as uow:
        stored = load(uow, ctx.plan.code, key)
        versions = uow.submissions.versions(stored.id)
    task = stored.task
    if claims is not None:
        portal.check_generation(claims, task.link_generation)
    activity = ctx.plan.activity(key.activity)
    unit = ctx.directory.unit(key.unit)
    if activity is None or unit is None:
        raise NotFound(f"task {key} names what plan {ctx.plan.code} does not have")
    now = portal.app.clock.now()
    left = ctx.app.calendar.working_days_until(local_date(now), task.due_on)
    return {
        "title": f"{STAGE_LABELS_VI[key.stage]} — {activity.title}",
        "heading": heading(activity, key),
        "plan": ctx.plan,
        "plan_date": dmy(ctx.plan.issued_on),
        "activity": activity,
        "unit": unit.name,
        "role": ROLE_LABELS[task.role].lower(),
        "stage": stage_label(key.stage, key.seq),
        "stage_code": key.stage.value,
        "due": long_date(task.due_on),
        "days_left_text": _days_left(left),
        "state": STATE_VI[task.state],
        "reason": task.reason,
        "deliverable": deliverable(key),
        "versions": [
            {"version": v.version, "at": local_time(v.submitted_at), "payload": v.payload}
            for v in versions
        ],
        "can_submit": takes_answers(task, now=now),
        "closed_reason": "Nhiệm vụ đã đóng; không thể gửi thêm.",
        "content_label": CONTENT_LABELS[key.stage],
        "counts": COUNTS,
        "topics": _topics(ctx.plan),
        "file_slots": FILE_SLOTS,
        "max_upload_mb": portal.app.settings.portal.max_upload_mb,
        "estimate": carries_estimate(ctx.plan, activity, ctx.app.calendar),
        "form": year_end.prefill(ctx, key.unit)
        if key.activity == YEAR_END and not versions
        else {},
        "error": "",
        "nonce": secrets.token_urlsafe(16),
    }


def heading(activity: Activity, key: TaskKey) -> dict[str, str]:
    """How the page names the task's activity: 'Hình thức 1. …' under 'Hình thức tuyên
    truyền'; the year-end report (or the Office's revision of the draft) as a task."""
    label, name = activity_heading(activity)
    if revised_version(key):
        return {"label": label, "name": REVISION_TITLE, "tagged": REVISION_TITLE, "form": ""}
    tag = activity_tag(activity)
    return {"label": label, "name": name, "tagged": tag + activity.title, "form": tag}


def _days_left(left: int) -> str:
    return f"còn {left} ngày làm việc" if left >= 0 else f"quá hạn {-left} ngày làm việc"


def _topics(plan: Plan) -> list[dict[str, str]]:
    """Section II's topics numbered as the plan numbers them ('5đ'); the page shortens the
    text at a word boundary."""
    return [
        {"code": t.code, "number": number, "text": t.title or t.paragraphs[0]}
        for number, t in topic_numbering(plan.topics)
    ]
