"""The unit head's page (plan section VI.2): the unit's tasks and what it handed in, and the
head's report of difficulties to the Office, with the Director in copy when asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.clock import local_date
from domain.errors import InvalidRequest, NotFound
from domain.policy import Audience, stage_label
from domain.records import AuditEntry, Submission
from domain.status import BUCKET_LABELS_VI, CANCELLED_VI, NOT_OPEN_VI, bucket
from domain.task import Task, TaskState
from domain.units import Unit
from domain.vi import activity_heading, dmy
from notifications.content import MailKind
from services.context import PlanContext
from services.mail import enqueue_mail, local_time
from services.ports import UnitOfWork

ACTION = "unit.difficulty"
ENTITY = "unit"
MAX_TEXT = 4000  # a page of text: what the mail to the Office carries whole


@dataclass(frozen=True)
class HandedIn:
    version: int
    at: str
    content: str


@dataclass(frozen=True)
class HeadRow:
    """One task of the unit as its head's page lists it."""

    activity_label: str  # "Hình thức tuyên truyền" or "Nhiệm vụ"
    activity: str  # "Hình thức 1. …"
    stage: str
    due: str
    status: str  # a QĐ 42/2014 bucket's label, or not open yet / cancelled
    status_code: str  # the bucket's value, "none" otherwise: the page's colour
    versions: list[HandedIn]


@dataclass(frozen=True)
class Reported:
    """A difficulty the head reported before."""

    at: str
    text: str
    to_director: bool


@dataclass(frozen=True)
class HeadPage:
    unit: Unit
    rows: list[HeadRow]
    reports: list[Reported]  # the difficulties reported so far, oldest first


def difficulty_key(plan: str, unit: str) -> str:
    """The audit key of a unit's reports in a plan."""
    return f"{plan}:{unit}"


def unit_of(ctx: PlanContext, code: str) -> Unit:
    found = ctx.directory.unit(code)
    if found is None:
        raise NotFound(f"unit {code!r} is not in the directory")
    return found


def head_page(ctx: PlanContext, *, unit: str, now: datetime) -> HeadPage:
    """Every task of `unit` in the plan, by due date, with each version handed in."""
    found = unit_of(ctx, unit)
    with ctx.app.uow() as uow:
        tasks = uow.tasks.with_ids(plan=ctx.plan.code, unit=unit)
        versions = {task_id: uow.submissions.versions(task_id) for task_id, _ in tasks}
        reports = uow.audit.entries(entity=ENTITY, key=difficulty_key(ctx.plan.code, unit))
    ordered = sorted(tasks, key=lambda pair: (pair[1].due_on, pair[0]))
    rows = [_row(ctx, task, versions[task_id], now) for task_id, task in ordered]
    return HeadPage(found, rows, [_reported(r) for r in reports if r.action == ACTION])


def raised(uow: UnitOfWork, plan: str) -> list[tuple[str, AuditEntry]]:
    """(unit code, audit entry) of every difficulty a unit head reported in `plan`, oldest
    first."""
    return [
        (e.entity_key.split(":", 1)[1], e)
        for e in uow.audit.entries(entity=ENTITY)
        if e.action == ACTION and e.entity_key.startswith(f"{plan}:")
    ]


@dataclass(frozen=True)
class RaisedBy:
    """A difficulty as the Office dashboard lists it: which unit, when, what."""

    unit: str
    reported: Reported


def difficulties(ctx: PlanContext) -> list[RaisedBy]:
    """Every difficulty the units' heads reported in the plan, newest first."""
    with ctx.app.uow() as uow:
        found = raised(uow, ctx.plan.code)
    names = {u.code: u.name for u in ctx.directory.units}
    return [RaisedBy(names.get(unit, unit), _reported(e)) for unit, e in reversed(found)]


def _reported(entry: AuditEntry) -> Reported:
    return Reported(local_time(entry.at), entry.reason, bool((entry.new or {}).get("to_director")))


def _row(ctx: PlanContext, task: Task, versions: list[Submission], now: datetime) -> HeadRow:
    activity = ctx.plan.activity(task.key.activity)
    label, name = activity_heading(activity) if activity else ("Hình thức", task.key.activity)
    found = bucket(task, now)
    if found is not None:
        status, code = BUCKET_LABELS_VI[found], found.value
    else:
        status = CANCELLED_VI if task.state is TaskState.CANCELLED else NOT_OPEN_VI
        code = "none"
    return HeadRow(
        activity_label=label,
        activity=name,
        stage=stage_label(task.key.stage, task.key.seq),
        due=dmy(task.due_on),
        status=status,
        status_code=code,
        versions=[
            HandedIn(v.version, local_time(v.submitted_at), str(v.payload.get("content", "")))
            for v in versions
        ],
    )


def report_difficulty(
    ctx: PlanContext, *, unit: str, text: str, to_director: bool, nonce: str, at: datetime
) -> bool:
    """Record the head's report (audit-logged) and queue its mail to the Office, the Director
    in copy when asked — once per form (its nonce): False when that form was recorded before."""
    text, nonce = text.strip(), nonce.strip()
    if not text:
        raise InvalidRequest("Cần ghi nội dung khó khăn, vướng mắc.")
    if len(text) > MAX_TEXT:
        raise InvalidRequest(f"Nội dung quá dài (tối đa {MAX_TEXT} ký tự).")
    if not nonce or len(nonce) > 64:
        raise InvalidRequest("Biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại.")
    found = unit_of(ctx, unit)
    with ctx.app.uow() as uow:
        if not _queue_mail(uow, ctx, found, text=text, to_director=to_director, nonce=nonce, at=at):
            return False  # the same form again: its mail (and its record) exist already
        uow.audit.record(
            at=at,
            actor=f"head:{unit}",
            action=ACTION,
            entity=ENTITY,
            key=difficulty_key(ctx.plan.code, unit),
            reason=text,
            new={"to_director": to_director},
        )
        uow.commit()
    return True


def _queue_mail(
    uow: UnitOfWork,
    ctx: PlanContext,
    unit: Unit,
    *,
    text: str,
    to_director: bool,
    nonce: str,
    at: datetime,
) -> bool:
    mailer = ctx.mailer
    key = f"{difficulty_key(ctx.plan.code, unit.code)}:{MailKind.UNIT_DIFFICULTY.value}:{nonce}"
    director = mailer.audience(Audience.DIRECTOR, unit.code) if to_director else []
    return enqueue_mail(
        uow,
        mailer,
        MailKind.UNIT_DIFFICULTY,
        key=key,
        now=at,
        to=mailer.audience(Audience.OFFICE, unit.code),
        cc=director,
        context={
            "greeting": "Văn phòng Sở",
            "unit": unit.name,
            "head": unit.head.name or "Thủ trưởng đơn vị",
            "text": text,
            "to_director": to_director,
            "on": dmy(local_date(at)),
        },
    )
